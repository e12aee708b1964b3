/* printf of floating point beyond the basics: %La %LA %Lf %Le %Lg of long
 * doubles (denormal, largest, pseudo-precision digits), %a of doubles and
 * floats, precision and flags, NaN and infinity signs, and rounding of the
 * last printed digit under each fesetround mode. */
#include <stdio.h>
#include <float.h>
#include <math.h>
#include <fenv.h>

int main(void)
{
    static const long double ls[] = { 0.0L, -0.0L, 1.0L, -1.5L, 0.1L, 1.0L / 3, 2.0L / 3, 1e4932L, LDBL_MAX,
                                      LDBL_MIN, LDBL_MIN / 3, LDBL_TRUE_MIN, 123456789.123456789L, -1e-4000L,
                                      3.141592653589793238462643383279L, 0x1.fffffffffffffffep-1L };
    for (unsigned i = 0; i < sizeof ls / sizeof ls[0]; i++) {
        long double x = ls[i];
        printf("%La | %LA | %.3La | %Le | %.25Lg | %.3Lf\n", x, x, x, x, x, fabsl(x) < 1e30L ? x : 0.0L);
    }
    long double specials[] = { INFINITY, -INFINITY, NAN, -NAN };
    for (int i = 0; i < 4; i++)
        printf("[%Lf] [%10La] [%-8Le] [%+Lg]\n", specials[i], specials[i], specials[i], specials[i]);

    static const double ds[] = { 1.0, 0.1, -2.5e-310, 1.7976931348623157e308, 5e-324, 0.5, 1e23, 9007199254740993.0 };
    for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        double x = ds[i];
        printf("%a | %.0a | %.1a | %#.0a | %+.20e | %.17g | %#g\n", x, x, x, x, x, x, x);
    }
    float f = 1.0f / 3;
    printf("float %a %.10f %e\n", (double)f, (double)f, (double)(f * 1e30f));

    static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    static const char *mode_names[] = { "nearest", "down", "up", "zero" };
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        printf("%-8s %.2f %.2f %.0f %.0f %.3Lf %.1La %.3e %.5g\n", mode_names[m], 0.125, -0.125, 2.5, -3.5,
               2.0L / 3, 1.0L / 3, 12345.6789, 1.0 / 7);
    }
    fesetround(FE_TONEAREST);
    return 0;
}
