/* Reads stdin (a companion file): counts lines/words/bytes, prints lines reversed
 * and upper-cased, and a byte histogram summary. */
#include <stdio.h>
#include <ctype.h>
#include <string.h>

int main(void)
{
    char line[1024];
    int lines = 0, words = 0, bytes = 0;
    unsigned hist[256] = { 0 };
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        bytes += (int)n;
        lines++;
        int inword = 0;
        for (size_t i = 0; i < n; i++) {
            hist[(unsigned char)line[i]]++;
            if (isspace((unsigned char)line[i]))
                inword = 0;
            else if (!inword) {
                inword = 1;
                words++;
            }
        }
        if (n && line[n - 1] == '\n')
            line[--n] = 0;
        printf("%3d: ", lines);
        for (size_t i = n; i-- > 0;)
            putchar(toupper((unsigned char)line[i]));
        putchar('\n');
    }
    printf("lines %d words %d bytes %d eof %d\n", lines, words, bytes, feof(stdin) != 0);
    for (int c = 0; c < 256; c++)
        if (hist[c] > 3)
            printf("byte %3d x%u\n", c, hist[c]);
    return 0;
}
