/* primes: counts the primes below N by trial division by the primes found so
 * far — division-heavy integer code with a data-dependent inner loop.
 * usage: primes [N]; prints the count and the sum of the primes. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], 0, 10) : 12000000;
    uint32_t cap = 1024, count = 0;
    uint32_t *found = malloc(cap * sizeof *found);
    uint64_t sum = 0;
    for (uint32_t k = 2; k < n; k++) {
        int prime = 1;
        for (uint32_t i = 0; i < count && found[i] * found[i] <= k; i++) {
            if (k % found[i] == 0) {
                prime = 0;
                break;
            }
        }
        if (!prime)
            continue;
        if (count == cap)
            found = realloc(found, (cap *= 2) * sizeof *found);
        found[count++] = k;
        sum += k;
    }
    printf("%u primes below %u, sum %llu\n", count, n, (unsigned long long)sum);
    free(found);
    return 0;
}
