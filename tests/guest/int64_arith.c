/* 64-bit arithmetic on i386: add/sub/mul/div/mod through libgcc helpers. */
#include <stdio.h>
#include <stdint.h>
#include <limits.h>

int main(void)
{
    static const long long vals[] = { 0, 1, -1, 2, -3, 10, -10, 1000000007LL, -1000000007LL,
                                      0x100000000LL, -0x100000000LL, 0x123456789abcdefLL,
                                      LLONG_MAX, LLONG_MIN, LLONG_MAX - 12345, 0xffffffffLL,
                                      4294967296LL * 3 + 7, -999999999999LL };
    const int n = sizeof vals / sizeof vals[0];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            long long a = vals[i], b = vals[j];
            unsigned long long ua = a, ub = b;
            printf("%lld,%lld: +%lld -%lld *%lld", a, b, (long long)(ua + ub),
                   (long long)(ua - ub), (long long)(ua * ub));
            if (b != 0 && !(a == LLONG_MIN && b == -1))
                printf(" /%lld %%%lld", a / b, a % b);
            if (ub != 0)
                printf(" u/%llu u%%%llu", ua / ub, ua % ub);
            printf(" cmp=%d%d%d\n", a < b, ua < ub, a == b);
        }
    }
    uint64_t x = 1;
    for (int i = 0; i < 30; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        printf("lcg %2d %016llx %llu %lld\n", i, (unsigned long long)x,
               (unsigned long long)(x % 1000000007ULL), (long long)x / 977);
    }
    long long f = 1;
    for (int i = 1; i <= 20; i++) {
        f *= i;
        printf("%d! = %lld\n", i, f);
    }
    return 0;
}
