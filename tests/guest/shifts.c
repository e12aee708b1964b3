/* Shifts by every count 0..31 (32-bit) and 0..63 (64-bit), logical and arithmetic. */
#include <stdio.h>
#include <stdint.h>

int main(void)
{
    volatile uint32_t u32 = 0x8badf00d;
    volatile int32_t s32 = (int32_t)0x8badf00d;
    volatile uint64_t u64 = 0xfedcba9876543210ULL;
    volatile int64_t s64 = (int64_t)0xfedcba9876543210ULL;
    for (volatile int c = 0; c < 32; c++) {
        printf("32 %2d: shl=%08x shr=%08x sar=%08x\n", c, u32 << c, u32 >> c,
               (uint32_t)(s32 >> c));
    }
    for (volatile int c = 0; c < 64; c++) {
        printf("64 %2d: shl=%016llx shr=%016llx sar=%016llx\n", c,
               (unsigned long long)(u64 << c), (unsigned long long)(u64 >> c),
               (unsigned long long)(s64 >> c));
    }
    volatile uint16_t u16 = 0xa5c3;
    volatile int8_t s8 = -100;
    for (volatile int c = 0; c < 16; c++)
        printf("16 %2d: %04x %04x %d\n", c, (uint16_t)(u16 << c), (uint16_t)(u16 >> c),
               s8 >> (c & 7));
    return 0;
}
