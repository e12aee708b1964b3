/* <ctype.h> classification and case mapping for every byte in the C locale. */
#include <stdio.h>
#include <ctype.h>

int main(void)
{
    for (int c = 0; c < 256; c++) {
        int bits = (isalpha(c) != 0) | (isdigit(c) != 0) << 1 | (isspace(c) != 0) << 2 | (ispunct(c) != 0) << 3 |
                   (isupper(c) != 0) << 4 | (islower(c) != 0) << 5 | (isxdigit(c) != 0) << 6 |
                   (iscntrl(c) != 0) << 7 | (isprint(c) != 0) << 8 | (isgraph(c) != 0) << 9 | (isalnum(c) != 0) << 10 |
                   (isblank(c) != 0) << 11;
        printf("%3d %03x %3d %3d%c", c, bits, toupper(c), tolower(c), c % 4 == 3 ? '\n' : ' ');
    }
    printf("EOF: %d %d\n", isalpha(EOF), toupper(EOF));
    return 0;
}
