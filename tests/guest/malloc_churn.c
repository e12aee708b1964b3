/* malloc/calloc/realloc/free churn driven by a fixed PRNG; every block carries a
 * pattern that is verified before it is freed or resized. Includes large blocks
 * that glibc serves with mmap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

enum { SLOTS = 256, ROUNDS = 20000 };
static unsigned char *blk[SLOTS];
static size_t len[SLOTS];
static uint32_t rs = 0xc0ffee;

static uint32_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 17;
    rs ^= rs << 5;
    return rs;
}

static unsigned char pat(int slot, size_t i) { return (unsigned char)(slot * 31 + i * 7); }

static int check(int s)
{
    for (size_t i = 0; i < len[s]; i++)
        if (blk[s][i] != pat(s, i))
            return 0;
    return 1;
}

static void paint(int s, size_t from)
{
    for (size_t i = from; i < len[s]; i++)
        blk[s][i] = pat(s, i);
}

static size_t pick_size(void)
{
    uint32_t r = rnd();
    if (r % 100 == 0)
        return 128 * 1024 + r % 300000; /* mmap-sized */
    if (r % 10 == 0)
        return r % 8192;
    return r % 200;
}

int main(void)
{
    int bad = 0, allocs = 0, reallocs = 0, frees = 0;
    uint64_t total = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int s = (int)(rnd() % SLOTS);
        uint32_t op = rnd() % 3;
        if (blk[s] && !check(s))
            bad++;
        if (!blk[s] || op == 0) {
            free(blk[s]);
            len[s] = pick_size();
            blk[s] = (rnd() & 1) ? malloc(len[s]) : calloc(1, len[s]);
            if (!blk[s] && len[s])
                bad++;
            paint(s, 0);
            allocs++;
        } else if (op == 1) {
            size_t old = len[s];
            size_t nl = pick_size();
            unsigned char *p = realloc(blk[s], nl ? nl : 1);
            if (!p) {
                bad++;
                continue;
            }
            blk[s] = p;
            len[s] = nl;
            if (nl > old)
                paint(s, old);
            reallocs++;
        } else {
            free(blk[s]);
            blk[s] = NULL;
            len[s] = 0;
            frees++;
        }
        total += len[s];
        if (round % 2000 == 0)
            printf("round %d total %llu\n", round, (unsigned long long)total);
    }
    for (int s = 0; s < SLOTS; s++) {
        if (blk[s] && !check(s))
            bad++;
        free(blk[s]);
    }
    unsigned char *z = calloc(1000, 1000);
    size_t nz = 0;
    for (size_t i = 0; i < 1000000; i++)
        nz += z[i] != 0;
    free(z);
    printf("allocs %d reallocs %d frees %d bad %d calloc-nonzero %zu total %llu\n", allocs,
           reallocs, frees, bad, nz, (unsigned long long)total);
    return 0;
}
