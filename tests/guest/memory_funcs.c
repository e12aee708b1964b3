/* memcpy/memmove (overlapping, both directions)/memset/memcmp/memchr on many
 * lengths and alignments, checked against byte loops. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>

static unsigned char a[600], b[600], ref[600];

static uint32_t sum(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 16);
    }
}

int main(void)
{
    static const size_t lens[] = { 0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 33, 64, 100, 255, 256, 300 };
    int bad = 0;
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        size_t len = lens[li];
        for (int so = 0; so < 4; so++) {
            for (int doff = -9; doff <= 9; doff += 3) {
                fill(a, sizeof a, (unsigned)(len * 7 + so));
                memcpy(ref, a, sizeof a);
                size_t src = 150 + so, dst = (size_t)(150 + doff);
                memmove(a + dst, a + src, len);
                for (size_t k = 0; k < len; k++) /* reference via temporary copy */
                    b[k] = ref[src + k];
                for (size_t k = 0; k < len; k++)
                    ref[dst + k] = b[k];
                if (memcmp(a, ref, sizeof a) != 0)
                    bad++;
            }
            fill(b, sizeof b, (unsigned)len);
            memcpy(a + so, b + 3, len);
            printf("len %3zu so %d: memcpy %08x", len, so, sum(a + so, len));
            memset(a + so, 0x5a ^ so, len);
            printf(" memset %08x", sum(a, sizeof a));
            int c = memcmp(a + so, b, len);
            printf(" memcmp %d", (c > 0) - (c < 0));
            const unsigned char *p = memchr(b, 0x5a, len);
            printf(" memchr %d\n", p ? (int)(p - b) : -1);
        }
    }
    printf("overlap mismatches %d\n", bad);
    unsigned char x[16] = "abcdefghijklmno", y[16] = "abcdefghijklmnp";
    for (size_t n = 0; n <= 16; n++) {
        int c = memcmp(x, y, n);
        printf("memcmp n=%zu %d\n", n, (c > 0) - (c < 0));
    }
    x[3] = 0xf0;
    y[3] = 0x10;
    printf("unsigned compare %d\n", memcmp(x, y, 4) > 0);
    return 0;
}
