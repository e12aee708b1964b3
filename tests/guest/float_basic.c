/* Double/float arithmetic, sqrt and libm basics, int<->double conversions and
 * rounding, comparisons with NaN. */
#include <stdio.h>
#include <math.h>
#include <limits.h>
#include <stdint.h>

int main(void)
{
    volatile double a = 1.0, b = 3.0;
    printf("%.17g %.17g %.17g %.17g\n", a / b, a + b / 7, b * b - a, (a - b) / (a + b));
    double s = 0;
    for (int i = 1; i <= 1000; i++)
        s += 1.0 / ((double)i * i);
    printf("basel %.15f pi^2/6 %.15f\n", s, M_PI * M_PI / 6);
    for (int i = 0; i <= 20; i++) {
        double x = i * 0.75 - 3.0;
        printf("x=%6.2f sqrt|x|=%.12f floor=%g ceil=%g trunc=%g round=%g rint=%g fabs=%g\n", x,
               sqrt(fabs(x)), floor(x), ceil(x), trunc(x), round(x), rint(x), fabs(x));
    }
    static const double conv[] = { 0.5, -0.5, 1.5, -1.5, 2.5, 1e9, -1e9, 2147483647.0,
                                   -2147483648.0, 4294967295.0, 1e18, -7.99, 7.99 };
    for (size_t i = 0; i < sizeof conv / sizeof conv[0]; i++) {
        double d = conv[i];
        long long ll = (long long)d;
        int iv = (d >= INT_MIN && d <= INT_MAX) ? (int)d : 0;
        unsigned uv = (d >= 0 && d <= UINT_MAX) ? (unsigned)d : 0;
        printf("%g -> int %d uint %u ll %lld lround %ld float %.9g\n", d, iv, uv, ll, lround(d),
               (double)(float)d);
    }
    static const long long ints[] = { 0, 1, -1, 1LL << 53, (1LL << 53) + 1, LLONG_MAX,
                                      LLONG_MIN, 123456789 };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        printf("%lld -> %.17g %.9g %.17g\n", ints[i], (double)ints[i], (double)(float)ints[i],
               (double)(unsigned long long)ints[i]);
    volatile double nan = NAN, one = 1.0;
    printf("nan cmp: %d %d %d %d isnan=%d\n", nan < one, nan > one, nan == nan, nan != nan,
           isnan(nan));
    printf("inf: %g %g %d\n", one / 0.0, -one / 0.0, isinf(one / 0.0));
    printf("pow %.10g exp %.10g log %.10g sin %.10g cos %.10g atan2 %.10g fmod %.10g\n",
           pow(2, 0.5), exp(1), log(10), sin(1), cos(1), atan2(1, -1), fmod(10.5, 3));
    float f = 0;
    for (int i = 0; i < 100; i++)
        f += 0.1f;
    printf("float sum %.9g\n", (double)f);
    printf("hypot %.6f cbrt %.6f ldexp %g frexp", hypot(3, 4), cbrt(27), ldexp(0.75, 10));
    int e;
    double m = frexp(1000.0, &e);
    printf(" %g*2^%d\n", m, e);
    return 0;
}
