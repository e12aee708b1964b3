/* Floating-point formatting: %f %e %g %a with widths/precisions, specials. */
#include <stdio.h>
#include <math.h>

int main(void)
{
    static const double dv[] = { 0.0, -0.0, 1.0, -1.5, 3.14159265358979, 2.5, 0.125, 1e-5,
                                 123456.789, 1e21, 6.02214076e23, -1.602e-19, 1.0 / 3.0,
                                 0.1 + 0.2, 999.9995, 1e100, 5e-324, 1.7976931348623157e308 };
    for (size_t i = 0; i < sizeof dv / sizeof dv[0]; i++) {
        double d = dv[i];
        printf("[%f][%5.2f][%-12.4f|][%+.1f][%.0f][%e][%.3e][%E][%g][%G][%.10g][%#g][%a]\n", d,
               d, d, d, d, d, d, d, d, d, d, d, d);
    }
    printf("[%f][%f][%e][%g][%5.1f]\n", INFINITY, -INFINITY, NAN, -NAN, INFINITY);
    float f = 1.1f;
    printf("float %.10f %g\n", (double)f, (double)(f * 3));
    for (int i = -5; i <= 5; i++)
        printf("round %.1f -> %.0f, %.2f\n", i + 0.5, i + 0.5, i * 0.005 + 0.001);
    long double ld = 1.0L / 7.0L;
    printf("long double %.20Lf %Le\n", ld, ld);
    return 0;
}
