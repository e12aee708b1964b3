/* CRC-32 (IEEE) table-driven and bitwise over generated data, and Adler-32/FNV. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

static uint32_t table[256];

static void init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
}

static uint32_t crc_table(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    while (n--)
        c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static uint32_t crc_bits(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}

int main(void)
{
    init();
    static const char *s[] = { "", "a", "abc", "123456789", "The quick brown fox jumps over the lazy dog" };
    for (size_t i = 0; i < 5; i++)
        printf("crc32(\"%s\") = %08x / %08x\n", s[i], crc_table((const unsigned char *)s[i], strlen(s[i])),
               crc_bits((const unsigned char *)s[i], strlen(s[i])));
    static unsigned char buf[1 << 18];
    uint32_t x = 1;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = (unsigned char)(x >> 24);
    }
    for (size_t n = 1; n <= sizeof buf; n *= 4)
        printf("prefix %zu: %08x %08x\n", n, crc_table(buf, n), crc_bits(buf, n));
    uint64_t fnv = 14695981039346656037ULL;
    for (size_t i = 0; i < sizeof buf; i++)
        fnv = (fnv ^ buf[i]) * 1099511628211ULL;
    printf("fnv1a64 %016llx\n", (unsigned long long)fnv);
    return 0;
}
