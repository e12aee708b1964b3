// cflags: -msse2 -mfpmath=sse
/* Scalar double and float arithmetic done by SSE2 (-mfpmath=sse), observed
 * through <fenv.h>: fetestexcept after each operation, every fesetround
 * mode (glibc sets the x87 control word and MXCSR together), feholdexcept /
 * feupdateenv, conversions to and from integers, and libm on SSE values. */
#include <stdio.h>
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static const char *names(int e)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "%s%s%s%s%s", e & FE_INVALID ? "inv " : "", e & FE_DIVBYZERO ? "div " : "",
             e & FE_OVERFLOW ? "ovf " : "", e & FE_UNDERFLOW ? "unf " : "", e & FE_INEXACT ? "inx" : "");
    return buf;
}

static uint64_t bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

#define TRY(expr)                                                                             \
    do {                                                                                      \
        feclearexcept(FE_ALL_EXCEPT);                                                         \
        double r_ = (expr);                                                                   \
        int e_ = fetestexcept(FE_ALL_EXCEPT);                                                 \
        printf("%-22s %016llx %-24a %s\n", #expr, (unsigned long long)bits(r_), r_, names(e_)); \
    } while (0)

int main(void)
{
    volatile double one = 1.0, three = 3.0, zero = 0.0, big = 0x1.fffffffffffffp1023, tiny = 0x1p-1022;
    volatile double minus = -1.0, dnan = NAN, huge = 1e300;
    volatile float f3 = 3.0f, fbig = 3e38f, ftiny = 1e-38f;
    volatile int i = 16777217, n = -7;
    static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    static const char *mode_names[] = { "nearest", "downward", "upward", "towardzero" };
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        printf("-- %s (fegetround ok %d)\n", mode_names[m], fegetround() == modes[m]);
        TRY(one / three);
        TRY(-one / three);
        TRY(one / zero);
        TRY(zero / zero);
        TRY(big * three);
        TRY(-big * three);
        TRY(tiny / three);
        TRY(tiny * tiny);
        TRY(sqrt(three));
        TRY(sqrt(minus));
        TRY(dnan + one);
        TRY(huge * huge);
        TRY((double)(f3 / 7.0f));
        TRY((double)(fbig * 2.0f));
        TRY((double)(ftiny / 1e5f));
        TRY((double)(float)(one / three));
        TRY((double)(float)i);
        TRY((double)(int)(one / three * 1e9));
        TRY((double)n / three);
        TRY(rint(2.5));
        TRY(nearbyint(-3.5));
        TRY((double)lrint(7.5));
        TRY(floor(-0.5));
        TRY(fma(one / three, three, -one));
        TRY(exp(700.0 * one));
        TRY(log(zero));
        TRY(pow(three, 0.5));
        TRY(fmod(1e10 * one, three));
    }
    fesetround(FE_TONEAREST);
    fenv_t env;
    feclearexcept(FE_ALL_EXCEPT);
    feholdexcept(&env);
    volatile double q = one / zero;
    int held = fetestexcept(FE_ALL_EXCEPT);
    feupdateenv(&env);
    printf("held %s after update %s q %g\n", names(held), names(fetestexcept(FE_ALL_EXCEPT)), q);
    return 0;
}
