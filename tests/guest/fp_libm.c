/* libm in float, double and long double on edge cases: NaN and infinity
 * arguments, huge arguments to sin/cos (argument reduction), exp/log near
 * overflow and underflow, pow's special cases, atan2 in every quadrant,
 * fmod/remainder/remquo, lrint/llround/rint in every rounding mode, frexp,
 * ldexp, nextafter, and errno/fetestexcept where they are defined. Long
 * doubles are printed to 17 digits (see x87_libm.c). */
#include <stdio.h>
#include <math.h>
#include <fenv.h>
#include <errno.h>

int main(void)
{
    static const double ds[] = { 0.0, -0.0, 1e-310, 0.5, 1.0, 2.0, -3.75, 100.0, 709.0, 710.0, -745.0,
                                 1e22, 1e300, INFINITY, -INFINITY, NAN };
    for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        double x = ds[i];
        float f = (float)x;
        printf("x=%g\n  sin %.17g cos %.17g tan %.17g\n", x, sin(x), cos(x), tan(x));
        printf("  exp %.17g log %.17g log2 %.17g log10 %.17g expm1 %.17g log1p %.17g\n", exp(x), log(x), log2(x),
               log10(x), expm1(x), log1p(x));
        printf("  atan %.17g asin %.17g acos %.17g sinh %.17g cosh %.17g tanh %.17g\n", atan(x), asin(x), acos(x),
               sinh(x), cosh(x), tanh(x));
        printf("  cbrt %.17g sqrt %.17g exp2 %.17g erf %.17g lgamma %.17g\n", cbrt(x), sqrt(x), exp2(x), erf(x),
               lgamma(x));
        printf("  float sinf %.9g cosf %.9g expf %.9g logf %.9g powf %.9g atan2f %.9g\n", sinf(f), cosf(f), expf(f),
               logf(f), powf(f, 1.5f), atan2f(f, -1.0f));
        printf("  long %.17Lg %.17Lg %.17Lg %.17Lg\n", sinl(x), expl(x / 4), logl(x), atanl(x));
    }
    static const double ps[][2] = { { 0, 0 }, { -0.0, -1 }, { -8, 1.0 / 3 }, { -2, 3 }, { -2, 0.5 }, { 1, NAN },
                                    { NAN, 0 }, { INFINITY, -1 }, { 0.5, INFINITY }, { -1, INFINITY },
                                    { 10, 308 }, { 10, 309 }, { 2, -1074 }, { 2, -1075 }, { 1.0000001, 1e9 } };
    for (unsigned i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double a = ps[i][0], b = ps[i][1];
        int q;
        errno = 0;
        feclearexcept(FE_ALL_EXCEPT);
        double p = pow(a, b);
        int err = errno, exc = fetestexcept(FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW);
        double rq = remquo(a, b, &q);
        printf("pow(%g,%g) = %.17g errno %d exc %x | atan2 %.17g hypot %.17g fmod %.17g remainder %.17g remquo %.17g/%d\n",
               a, b, p, err, exc, atan2(a, b), hypot(a, b), fmod(a, b), remainder(a, b), rq, q & 7);
    }
    static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    static const double rs[] = { 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 1e15 + 0.5, 0.49999999999999994, 4503599627370497.0 };
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        printf("-- mode %d\n", m);
        for (unsigned i = 0; i < sizeof rs / sizeof rs[0]; i++) {
            double x = rs[i];
            printf("  %.17g: rint %.1f nearbyint %.1f lrint %ld llrint %lld lround %ld round %.1f floor %.1f ceil "
                   "%.1f trunc %.1f rintf %.1f rintl %.1Lf\n",
                   x, rint(x), nearbyint(x), lrint(x), llrint(x), lround(x), round(x), floor(x), ceil(x), trunc(x),
                   (double)rintf((float)x), rintl(x));
        }
    }
    fesetround(FE_TONEAREST);
    int e;
    double m = frexp(1e-310, &e);
    printf("frexp %a %d ldexp %a %a nextafter %a %a copysign %g ilogb %d logb %g\n", m, e, ldexp(1.0, -1074),
           ldexp(1.5, 1024), nextafter(1.0, 2.0), nextafter(0.0, -1.0), copysign(3, -0.0), ilogb(1e-310), logb(1e300));
    return 0;
}
