/* fasta: writes pseudo-random DNA in FASTA form — a repeated sequence, then
 * two sequences drawn from weighted alphabets by a linear congruential
 * generator. Floating-point compares, table walks and buffered output.
 * usage: fasta [N] > out; the runner compares the output's checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LINE = 60 };

struct weight {
    char c;
    double p;
};

static unsigned seed = 42;

/* A uniform value in [0, max) from the generator's next state. */
static double next_random(double max)
{
    seed = (seed * 3877 + 29573) % 139968;
    return max * seed / 139968;
}

static void repeat(const char *title, const char *unit, int n)
{
    char line[LINE + 1];
    size_t len = strlen(unit), at = 0;
    printf("%s\n", title);
    while (n > 0) {
        int w = n < LINE ? n : LINE;
        for (int i = 0; i < w; i++) {
            line[i] = unit[at];
            at = at + 1 == len ? 0 : at + 1;
        }
        line[w] = '\n';
        fwrite(line, 1, w + 1, stdout);
        n -= w;
    }
}

static void draw(const char *title, struct weight *table, int size, int n)
{
    char line[LINE + 1];
    double total = 0;
    for (int i = 0; i < size; i++) /* probabilities to cumulative ones */
        table[i].p = total += table[i].p;
    printf("%s\n", title);
    while (n > 0) {
        int w = n < LINE ? n : LINE;
        for (int i = 0; i < w; i++) {
            double r = next_random(1.0);
            int k = 0;
            while (k < size - 1 && table[k].p < r)
                k++;
            line[i] = table[k].c;
        }
        line[w] = '\n';
        fwrite(line, 1, w + 1, stdout);
        n -= w;
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2500000;
    static const char unit[] = "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGGGAGGCCGAGGCGGGCGGA"
                               "TCACCTGAGGTCAGGAGTTCGAGACCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACT"
                               "AAAAATACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCAGCTACTCGGGAG"
                               "GCTGAGGCAGGAGAATCGCTTGAACCCGGGAGGCGG";
    struct weight mixed[] = {
        {'a', 0.27}, {'c', 0.12}, {'g', 0.12}, {'t', 0.27}, {'B', 0.02}, {'D', 0.02},
        {'H', 0.02}, {'K', 0.02}, {'M', 0.02}, {'N', 0.02}, {'R', 0.02}, {'S', 0.02},
        {'V', 0.02}, {'W', 0.02}, {'Y', 0.02},
    };
    struct weight human[] = {
        {'a', 0.3029549426680}, {'c', 0.1979883004921},
        {'g', 0.1975473066391}, {'t', 0.3015094502008},
    };
    repeat(">ONE repeated unit", unit, 2 * n);
    draw(">TWO weighted alphabet", mixed, sizeof mixed / sizeof *mixed, 3 * n);
    draw(">THREE human frequencies", human, sizeof human / sizeof *human, 5 * n);
    return 0;
}
