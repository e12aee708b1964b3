/* Signed and unsigned bitfields: packing, sign extension, wrap on store. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>

struct bf {
    unsigned a : 3;
    signed b : 5;
    unsigned c : 1;
    unsigned d : 12;
    signed e : 11;
};

struct wide {
    unsigned long long x : 40;
    unsigned long long y : 24;
};

int main(void)
{
    printf("sizeof bf=%zu wide=%zu\n", sizeof(struct bf), sizeof(struct wide));
    struct bf v;
    for (int i = -20; i <= 20; i += 3) {
        memset(&v, 0, sizeof v);
        v.a = (unsigned)i;
        v.b = i;
        v.c = (unsigned)i;
        v.d = (unsigned)(i * 300);
        v.e = i * 77;
        uint32_t raw;
        memcpy(&raw, &v, 4);
        printf("i=%d a=%u b=%d c=%u d=%u e=%d raw=%08x\n", i, v.a, v.b, v.c, v.d, v.e, raw);
    }
    v.b = 15;
    v.b += 1; /* wraps to -16 */
    printf("b wrap %d\n", v.b);
    struct wide w = { 0xffffffffffULL, 0x123456 };
    w.x += 2;
    w.y <<= 4;
    printf("wide x=%llx y=%llx\n", (unsigned long long)w.x, (unsigned long long)w.y);
    struct bf arr[8];
    memset(arr, 0, sizeof arr);
    for (int i = 0; i < 8; i++) {
        arr[i].a = (unsigned)i;
        arr[i].e = -i * 100;
    }
    int s = 0;
    for (int i = 0; i < 8; i++)
        s += arr[i].a * arr[i].e;
    printf("sum %d\n", s);
    return 0;
}
