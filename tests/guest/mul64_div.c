/* 32x32->64 multiplies (mul/imul one-operand forms), 64/32 division helpers, and
 * 64-bit division corner cases used by printf and friends. */
#include <stdio.h>
#include <stdint.h>

static uint32_t mulhi_u(uint32_t a, uint32_t b) { return (uint32_t)(((uint64_t)a * b) >> 32); }
static int32_t mulhi_s(int32_t a, int32_t b) { return (int32_t)(((int64_t)a * b) >> 32); }

int main(void)
{
    static const uint32_t v[] = { 0, 1, 2, 3, 7, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
                                  0x80000001, 0xfffffffe, 0xffffffff, 0xdeadbeef, 1000000007 };
    const int n = sizeof v / sizeof v[0];
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++)
            printf("%08x*%08x: u=%016llx hi=%08x s=%016llx shi=%08x\n", v[i], v[j],
                   (unsigned long long)((uint64_t)v[i] * v[j]), mulhi_u(v[i], v[j]),
                   (unsigned long long)((int64_t)(int32_t)v[i] * (int32_t)v[j]),
                   (uint32_t)mulhi_s((int32_t)v[i], (int32_t)v[j]));
    uint64_t num = 0xfedcba9876543210ULL;
    for (uint64_t d = 1; d < 0x100000000000ULL; d = d * 17 + 3)
        printf("%llx / %llx = %llx r %llx; signed %lld %% %lld\n", (unsigned long long)num,
               (unsigned long long)d, (unsigned long long)(num / d), (unsigned long long)(num % d),
               (long long)num / (long long)d, (long long)num % (long long)d);
    uint64_t pow10 = 1;
    for (int k = 0; k < 20; k++) {
        printf("10^%d = %llu, %llu / 10^%d = %llu\n", k, (unsigned long long)pow10,
               18446744073709551615ULL, k, 18446744073709551615ULL / pow10);
        pow10 *= 10;
    }
    return 0;
}
