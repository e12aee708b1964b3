/* strtol/strtoul/strtoll/strtoull/atoi with bases, end pointers and ERANGE. */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>

int main(void)
{
    static const char *in[] = { "0", "42", "-42", "  +17xyz", "0x1F", "0X1f", "077", "08",
                                "2147483647", "2147483648", "-2147483648", "-2147483649",
                                "4294967295", "4294967296", "-1", "9223372036854775807",
                                "9223372036854775808", "-9223372036854775809", "zz", "",
                                "   ", "1e5", "0b101", "  -0x80000000", "18446744073709551615",
                                "18446744073709551616", "+", "-", "0x", "101010" };
    static const int bases[] = { 0, 2, 8, 10, 16, 36 };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
            char *end;
            errno = 0;
            long l = strtol(in[i], &end, bases[b]);
            int e1 = errno, c1 = (int)(end - in[i]);
            errno = 0;
            unsigned long ul = strtoul(in[i], &end, bases[b]);
            int e2 = errno, c2 = (int)(end - in[i]);
            errno = 0;
            long long ll = strtoll(in[i], &end, bases[b]);
            int e3 = errno, c3 = (int)(end - in[i]);
            errno = 0;
            unsigned long long ull = strtoull(in[i], &end, bases[b]);
            int e4 = errno, c4 = (int)(end - in[i]);
            printf("\"%s\" b%d: l=%ld/%d/%d ul=%lu/%d/%d ll=%lld/%d/%d ull=%llu/%d/%d\n", in[i],
                   bases[b], l, c1, e1, ul, c2, e2, ll, c3, e3, ull, c4, e4);
        }
        printf("atoi=%d atol=%ld\n", atoi(in[i]), atol(in[i]));
    }
    return 0;
}
