/* popcount/clz/ctz/ffs/parity/bswap on 32- and 64-bit values. */
#include <stdio.h>
#include <stdint.h>
#include <strings.h>

static uint32_t next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

int main(void)
{
    uint32_t seed = 2463534242u;
    for (int i = 0; i < 80; i++) {
        uint32_t v = next(&seed) >> (i % 32);
        uint64_t w = ((uint64_t)next(&seed) << 32 | next(&seed)) >> (i % 64);
        printf("%08x pop=%d par=%d ffs=%d", v, __builtin_popcount(v), __builtin_parity(v),
               ffs((int)v));
        if (v)
            printf(" clz=%d ctz=%d", __builtin_clz(v), __builtin_ctz(v));
        printf(" bswap=%08x bs16=%04x", __builtin_bswap32(v), __builtin_bswap16((uint16_t)v));
        printf(" | %016llx pop=%d", (unsigned long long)w, __builtin_popcountll(w));
        if (w)
            printf(" clz=%d ctz=%d", __builtin_clzll(w), __builtin_ctzll(w));
        printf(" bswap=%016llx\n", (unsigned long long)__builtin_bswap64(w));
    }
    /* Classic bit hacks: next power of two, isolate lowest bit, bit reversal. */
    for (uint32_t v = 1; v < 5000; v = v * 3 + 1) {
        uint32_t p = v - 1;
        p |= p >> 1; p |= p >> 2; p |= p >> 4; p |= p >> 8; p |= p >> 16;
        uint32_t r = v;
        r = ((r >> 1) & 0x55555555) | ((r & 0x55555555) << 1);
        r = ((r >> 2) & 0x33333333) | ((r & 0x33333333) << 2);
        r = ((r >> 4) & 0x0f0f0f0f) | ((r & 0x0f0f0f0f) << 4);
        r = __builtin_bswap32(r);
        printf("v=%u np2=%u low=%u rev=%08x\n", v, p + 1, v & -v, r);
    }
    return 0;
}
