/* Integer CPU benchmark for tabvm: a sieve of Eratosthenes, CRC-32 of a generated
 * buffer and a small integer matrix multiply, repeated ROUNDS times. It prints one
 * checksum line so runners can check that every engine computed the same thing.
 * ROUNDS (argv[1], default below) is tuned for about one second natively at -O2. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

enum { SIEVE_N = 2000000, BUF_LEN = 1 << 20, MAT_N = 64 };

static unsigned char composite[SIEVE_N + 1];
static unsigned char buf[BUF_LEN];
static uint32_t crc_table[256];
static int32_t ma[MAT_N][MAT_N], mb[MAT_N][MAT_N], mc[MAT_N][MAT_N];

static uint32_t sieve(void)
{
    memset(composite, 0, sizeof composite);
    uint32_t count = 0, sum = 0;
    for (uint32_t i = 2; i <= SIEVE_N; i++) {
        if (composite[i])
            continue;
        count++;
        sum += i;
        for (uint32_t j = i * 2; j <= SIEVE_N; j += i)
            composite[j] = 1;
    }
    return count * 31 + sum;
}

static uint32_t crc32(uint32_t seed)
{
    uint32_t x = seed;
    for (uint32_t i = 0; i < BUF_LEN; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = (unsigned char)(x >> 24);
    }
    uint32_t c = 0xffffffffu;
    for (uint32_t i = 0; i < BUF_LEN; i++)
        c = crc_table[(c ^ buf[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

static uint32_t matmul(uint32_t seed)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            ma[i][j] = (int32_t)((i * 7 + j * 3 + seed) % 19) - 9;
            mb[i][j] = (int32_t)((i * 5 + j * 11 + seed) % 23) - 11;
        }
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (int k = 0; k < MAT_N; k++)
                s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
    uint32_t h = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            h = h * 16777619u ^ (uint32_t)mc[i][j];
    return h;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 100;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    uint32_t check = 0;
    for (int r = 0; r < rounds; r++) {
        check = check * 3 + sieve();
        check = check * 3 + crc32((uint32_t)r);
        for (int m = 0; m < 8; m++)
            check = check * 3 + matmul((uint32_t)(r * 8 + m));
    }
    printf("checksum %08x (%d rounds)\n", check, rounds);
    return 0;
}
