#include <math.h>
#include <stdlib.h>
#include "stats.h"

double mean(const double *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return n ? s / n : 0;
}

double stddev(const double *v, int n)
{
    double m = mean(v, n), s = 0;
    for (int i = 0; i < n; i++)
        s += (v[i] - m) * (v[i] - m);
    return n ? sqrt(s / n) : 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void sort_values(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp);
}
