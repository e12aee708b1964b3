/* Conversions between float, double, long double and the integer types:
 * rounding of wide values into narrow ones in every fesetround mode,
 * int64/uint64/uint32 to and from floating point (x87 fild/fistp and the
 * compiler's unsigned sequences), NaN and infinity through every width,
 * denormals produced by narrowing, and out-of-range float-to-int results
 * (the "integer indefinite"). */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <fenv.h>

static uint32_t fbits(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

static uint64_t dbits(double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

int main(void)
{
    static const long double ls[] = { 1.0L / 3, -2.0L / 3, 0x1.000001p0L, 0x1.0000008p0L, 0x1.00000000000008p0L,
                                      1e39L, -1e39L, 1e-40L, 1e-46L, 1e309L, 1e-320L, 4503599627370497.5L,
                                      18446744073709551615.0L, -9223372036854775808.0L, 0x1.fffffep127L };
    static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        printf("-- mode %d\n", m);
        for (unsigned i = 0; i < sizeof ls / sizeof ls[0]; i++) {
            volatile long double x = ls[i];
            volatile float f = (float)x;
            volatile double d = (double)x;
            volatile float fd = (float)d;
            printf("%.21Lg -> f %08x d %016llx f(d) %08x", x, fbits(f), (unsigned long long)dbits(d), fbits(fd));
            if (fabsl(x) < 9e18L)
                printf(" ll %lld", (long long)x);
            if (x >= 0 && x < 1.8e19L)
                printf(" ull %llu", (unsigned long long)x);
            printf(" lrint %ld llrint %lld\n", lrintl(x), llrintl(x));
        }
    }
    fesetround(FE_TONEAREST);
    static const int64_t is[] = { 0, 1, -1, 16777217, -16777217, 9007199254740993LL, INT64_MAX, INT64_MIN,
                                  0x7ffffffffffffc00LL };
    for (unsigned i = 0; i < sizeof is / sizeof is[0]; i++) {
        volatile int64_t v = is[i];
        volatile uint64_t u = (uint64_t)is[i];
        volatile uint32_t u32 = (uint32_t)is[i];
        printf("%lld: f %08x d %016llx ld %La u->d %016llx u32->d %.1f u32->f %08x\n", (long long)v,
               fbits((float)v), (unsigned long long)dbits((double)v), (long double)v,
               (unsigned long long)dbits((double)u), (double)u32, fbits((float)u32));
    }
    volatile double specials[] = { INFINITY, -INFINITY, NAN, -NAN, 1e30, -1e30, 2147483648.0, -2147483649.0 };
    for (int i = 0; i < 8; i++) {
        volatile double d = specials[i];
        volatile float f = (float)d;
        volatile long double l = d;
        printf("%g: f %08x ld %La back %016llx int %d ll %lld short %d\n", d, fbits(f), l,
               (unsigned long long)dbits((double)l), (int)d, (long long)d, (short)(int)d);
    }
    return 0;
}
