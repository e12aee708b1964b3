/* libm in float, double and long double (glibc's i386 long double functions
 * use fsin, fpatan, fyl2x, f2xm1, fscale...). Long doubles are printed to 17
 * digits: the transcendental instructions may differ from a real x87 in the
 * last bit of the 64-bit significand (see crates/cpu/src/x87). */
#include <stdio.h>
#include <math.h>
#include <fenv.h>

int main(void)
{
    static const long double xs[] = { 0.5L, 1.0L, 2.0L, 3.75L, 10.0L, 0.001L, 123.456L, -0.7L, 1e-5L, 700.0L };
    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        long double x = xs[i];
        printf("%Lg: sinl %.17Lg cosl %.17Lg tanl %.17Lg atanl %.17Lg\n", x, sinl(x), cosl(x), tanl(x), atanl(x));
        printf("  expl %.17Lg exp2l %.17Lg expm1l %.17Lg logl %.17Lg log2l %.17Lg log10l %.17Lg log1pl %.17Lg\n",
               expl(x), exp2l(x), expm1l(x), logl(fabsl(x)), log2l(fabsl(x)), log10l(fabsl(x)), log1pl(fabsl(x)));
        printf("  powl %.17Lg sqrtl %.17Lg cbrtl %.17Lg atan2l %.17Lg hypotl %.17Lg asinl %.17Lg acosl %.17Lg\n",
               powl(x, 1.5L), sqrtl(fabsl(x)), cbrtl(x), atan2l(x, -2.0L), hypotl(x, 3.0L), asinl(x / 1000),
               acosl(x / 1000));
        double d = (double)x;
        printf("  double sin %.17g cos %.17g tan %.17g exp %.17g log %.17g pow %.17g atan2 %.17g sinh %.17g tanh %.17g\n",
               sin(d), cos(d), tan(d), exp(d / 10), log(fabs(d)), pow(fabs(d), 0.37), atan2(d, 3), sinh(d / 100), tanh(d));
        float f = (float)x;
        printf("  float sinf %.9g expf %.9g logf %.9g powf %.9g sqrtf %.9g\n", sinf(f), expf(f / 10), logf(fabsf(f)),
               powf(fabsf(f), 0.37f), sqrtf(fabsf(f)));
        printf("  lrintl %ld llroundl %lld floorl %Lg ceill %Lg truncl %Lg roundl %Lg fmodl %.17Lg remainderl %.17Lg\n",
               lrintl(x * 3), llroundl(x * 7), floorl(x), ceill(x), truncl(x), roundl(x), fmodl(x * 100, 7.3L),
               remainderl(x * 100, 7.3L));
        int e;
        long double mant = frexpl(x, &e);
        printf("  frexpl %Lg %d ldexpl %Lg scalbnl %Lg logbl %Lg ilogbl %d modfl", mant, e, ldexpl(x, 5),
               scalbnl(x, -3), logbl(x), ilogbl(x));
        long double ip;
        long double fp = modfl(x, &ip);
        printf(" %Lg %Lg\n", fp, ip);
    }
    fenv_t env;
    feholdexcept(&env);
    volatile double z = 0.0;
    volatile double inf = 1 / z;
    printf("held: %g raised %d\n", inf, fetestexcept(FE_DIVBYZERO) != 0);
    feupdateenv(&env);
    printf("after update raised %d\n", fetestexcept(FE_DIVBYZERO) != 0);
    /* A small numeric workload. */
    double sum = 0;
    for (int i = 1; i < 20000; i++)
        sum += sin(i * 0.001) * exp(-i * 1e-4) / sqrt(i);
    long double lsum = 0;
    for (int i = 1; i < 20000; i++)
        lsum += sinl(i * 0.001L) * expl(-i * 1e-4L) / sqrtl(i);
    printf("sum %.17g lsum %.17Lg\n", sum, lsum);
    int iters = 0;
    for (double y = -1.2; y <= 1.2; y += 0.1)
        for (double x = -2.0; x <= 0.6; x += 0.05) {
            double zr = 0, zi = 0;
            int k = 0;
            while (k < 200 && zr * zr + zi * zi < 4) {
                double t = zr * zr - zi * zi + x;
                zi = 2 * zr * zi + y;
                zr = t;
                k++;
            }
            iters += k;
        }
    printf("mandelbrot %d\n", iters);
    return 0;
}
