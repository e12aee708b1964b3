/* Rotates of 8/16/32/64-bit values by all counts (compiled to rol/ror/shld/shrd). */
#include <stdio.h>
#include <stdint.h>

static uint8_t rol8(uint8_t v, unsigned c) { c &= 7; return (uint8_t)((v << c) | (v >> ((8 - c) & 7))); }
static uint16_t rol16(uint16_t v, unsigned c) { c &= 15; return (uint16_t)((v << c) | (v >> ((16 - c) & 15))); }
static uint32_t rol32(uint32_t v, unsigned c) { c &= 31; return (v << c) | (v >> ((32 - c) & 31)); }
static uint32_t ror32(uint32_t v, unsigned c) { c &= 31; return (v >> c) | (v << ((32 - c) & 31)); }
static uint64_t rol64(uint64_t v, unsigned c) { c &= 63; return (v << c) | (v >> ((64 - c) & 63)); }
static uint64_t ror64(uint64_t v, unsigned c) { c &= 63; return (v >> c) | (v << ((64 - c) & 63)); }

int main(void)
{
    for (unsigned c = 0; c < 64; c++) {
        printf("%2u: r8=%02x r16=%04x rl32=%08x rr32=%08x rl64=%016llx rr64=%016llx\n", c,
               rol8(0x96, c), rol16(0x1234, c), rol32(0xdeadbeef, c), ror32(0x80000001, c),
               (unsigned long long)rol64(0x0123456789abcdefULL, c),
               (unsigned long long)ror64(0x8000000000000001ULL, c));
    }
    uint32_t h = 0x12345678;
    for (int i = 0; i < 100; i++)
        h = rol32(h ^ (uint32_t)i * 0x9e3779b9u, (unsigned)i) + ror32(h, 7);
    printf("mix=%08x\n", h);
    return 0;
}
