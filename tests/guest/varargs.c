/* Variadic functions: ints, long longs, doubles, strings mixed; va_copy; vsnprintf. */
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static long long sum_typed(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    long long total = 0;
    for (const char *p = fmt; *p; p++) {
        switch (*p) {
        case 'i': total += va_arg(ap, int); break;
        case 'L': total += va_arg(ap, long long); break;
        case 'd': total += (long long)(va_arg(ap, double) * 100); break;
        case 's': total += (long long)strlen(va_arg(ap, const char *)); break;
        case 'c': total += va_arg(ap, int) & 0xff; break;
        }
    }
    va_end(ap);
    return total;
}

static int count_twice(int n, ...)
{
    va_list ap, copy;
    va_start(ap, n);
    va_copy(copy, ap);
    int a = 0, b = 0;
    for (int i = 0; i < n; i++)
        a += va_arg(ap, int);
    for (int i = 0; i < n; i++)
        b += va_arg(copy, int) * 2;
    va_end(copy);
    va_end(ap);
    return a * 1000 + b;
}

static int my_printf(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    return r;
}

int main(void)
{
    printf("%lld\n", sum_typed("iii", 1, 2, 3));
    printf("%lld\n", sum_typed("iLdsc", -5, 1LL << 40, 2.5, "hello", 'A'));
    printf("%lld\n", sum_typed("dddd", 0.01, 0.02, 0.03, 1e3));
    printf("%lld\n", sum_typed("LLiL", -1LL, 0x7fffffffffffLL, 7, 3LL));
    printf("%d\n", count_twice(5, 1, 2, 3, 4, 5));
    printf("%d\n", count_twice(0));
    char buf[64];
    int r = my_printf(buf, sizeof buf, "%s=%d (%.2f) [%lld]", "key", 17, 3.14159, -1LL);
    printf("%d %s\n", r, buf);
    r = my_printf(buf, 8, "%s", "overflowing text");
    printf("%d %s\n", r, buf);
    return 0;
}
