#include <stdio.h>
#include "text.h"

void print_bar(const char *label, double value, double max)
{
    int width = max > 0 ? (int)(40 * value / max + 0.5) : 0;
    printf("%-8s %8.3f |", label, value);
    for (int i = 0; i < width; i++)
        putchar('#');
    putchar('\n');
}
