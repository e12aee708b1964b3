#include <stdio.h>
#include <stdlib.h>
#include "stats.h"
#include "text.h"

int main(int argc, char **argv)
{
    int n = argc - 1;
    double *v = malloc(sizeof *v * (n ? n : 1));
    for (int i = 0; i < n; i++)
        v[i] = strtod(argv[i + 1], NULL);
    sort_values(v, n);
    double max = n ? v[n - 1] : 0;
    print_bar("min", n ? v[0] : 0, max);
    print_bar("median", n ? v[n / 2] : 0, max);
    print_bar("mean", mean(v, n), max);
    print_bar("stddev", stddev(v, n), max);
    print_bar("max", max, max);
    free(v);
    return 0;
}
