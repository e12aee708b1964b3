/* strtod/strtof/atof parsing, printed with round-trip precision. */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>

int main(void)
{
    static const char *in[] = { "0", "-0", "1", "3.14159", "  -2.5e-3x", "1e308", "1e309",
                                "-1e309", "4.9e-324", "1e-400", "0x1p-2", "0x1.8p3", "inf",
                                "-Infinity", "nan", ".5", "5.", "1234567890123456789",
                                "0.1", "0.2", "0.30000000000000004", "2.2250738585072014e-308",
                                "abc", "", "+.e1", "1e", "123.456e+2junk" };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        char *end;
        errno = 0;
        double d = strtod(in[i], &end);
        int e = errno, used = (int)(end - in[i]);
        float f = strtof(in[i], NULL);
        printf("\"%s\": %.17g used=%d erange=%d f=%.9g atof=%g\n", in[i], d, used, e == ERANGE,
               (double)f, atof(in[i]));
    }
    return 0;
}
