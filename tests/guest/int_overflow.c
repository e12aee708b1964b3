/* Signed/unsigned wrap-around and integer conversions (no undefined behaviour:
 * signed overflow is computed through unsigned arithmetic). */
#include <stdio.h>
#include <limits.h>
#include <stdint.h>

static int wrap_add(int a, int b) { return (int)((unsigned)a + (unsigned)b); }
static int wrap_sub(int a, int b) { return (int)((unsigned)a - (unsigned)b); }
static int wrap_mul(int a, int b) { return (int)((unsigned)a * (unsigned)b); }

int main(void)
{
    static const int vals[] = { 0, 1, -1, 2, -2, 127, -128, 255, 32767, -32768,
                                65535, INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1,
                                0x12345678, -0x12345678, 1000003 };
    const int n = sizeof vals / sizeof vals[0];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            int a = vals[i], b = vals[j];
            int ov_add, ov_sub, ov_mul, r;
            ov_add = __builtin_add_overflow(a, b, &r);
            ov_sub = __builtin_sub_overflow(a, b, &r);
            ov_mul = __builtin_mul_overflow(a, b, &r);
            printf("%d %d: add=%d(%d) sub=%d(%d) mul=%d(%d) uadd=%u umul=%u\n", a, b,
                   wrap_add(a, b), ov_add, wrap_sub(a, b), ov_sub, wrap_mul(a, b), ov_mul,
                   (unsigned)a + (unsigned)b, (unsigned)a * (unsigned)b);
        }
    }
    for (int i = 0; i < n; i++) {
        int v = vals[i];
        printf("conv %d: s8=%d u8=%u s16=%d u16=%u neg=%d not=%d abs=%u\n", v,
               (int8_t)v, (uint8_t)v, (int16_t)v, (uint16_t)v, wrap_sub(0, v), ~v,
               v < 0 ? 0u - (unsigned)v : (unsigned)v);
    }
    unsigned u = 0;
    u--;
    printf("0u-1=%u uint_max+1=%u\n", u, u + 1);
    printf("cmp signed/unsigned: %d %d %d\n", -1 < 1, (unsigned)-1 < 1u, (unsigned long long)-1LL < 1ull);
    return 0;
}
