/* 32-bit signed and unsigned division and remainder, incl. negative operands. */
#include <stdio.h>
#include <limits.h>

int main(void)
{
    static const int vals[] = { 1, -1, 2, -2, 3, -3, 7, -7, 10, -10, 255, 65536, -65536,
                                1000000007, INT_MAX, INT_MIN, 0x7ffffffe, 12345, -98765 };
    const int n = sizeof vals / sizeof vals[0];
    volatile int sink;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            int a = vals[i], b = vals[j];
            if (a == INT_MIN && b == -1) {
                printf("skip INT_MIN/-1\n");
                continue;
            }
            unsigned ua = a, ub = b;
            printf("%d/%d=%d %%=%d  %u/%u=%u %%=%u\n", a, b, a / b, a % b, ua, ub, ua / ub,
                   ua % ub);
        }
    }
    /* Division by constants goes through multiply-high sequences at -O2. */
    for (int a = -40; a <= 40; a += 3) {
        sink = a;
        int v = sink;
        printf("%d: /3=%d /7=%d /10=%d %%3=%d %%7=%d %%10=%d u/3=%u u/7=%u\n", v, v / 3, v / 7,
               v / 10, v % 3, v % 7, v % 10, (unsigned)v / 3, (unsigned)v / 7);
    }
    short s = -300;
    signed char c = -7;
    printf("short/char: %d %d %d %d\n", s / 7, s % 7, c / 2, c % 2);
    return 0;
}
