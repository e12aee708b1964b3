/* Every signed and unsigned comparison over a value table: exercises cmp/setcc/cmov/jcc. */
#include <stdio.h>
#include <limits.h>

int main(void)
{
    static const int v[] = { INT_MIN, INT_MIN + 1, -65536, -2, -1, 0, 1, 2, 255, 65536,
                             INT_MAX - 1, INT_MAX };
    const int n = sizeof v / sizeof v[0];
    unsigned long checksum = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            int a = v[i], b = v[j];
            unsigned ua = a, ub = b;
            int bits = (a < b) | (a <= b) << 1 | (a > b) << 2 | (a >= b) << 3 |
                       (a == b) << 4 | (a != b) << 5 | (ua < ub) << 6 | (ua <= ub) << 7 |
                       (ua > ub) << 8 | (ua >= ub) << 9;
            int mx = a > b ? a : b;
            unsigned umn = ua < ub ? ua : ub;
            checksum = checksum * 31 + (unsigned)bits;
            printf("%d ? %d -> %03x max=%d umin=%u sgn=%d\n", a, b, bits, mx, umn,
                   (a > 0) - (a < 0));
        }
    }
    long long w[] = { LLONG_MIN, -1, 0, 1, 0x100000000LL, LLONG_MAX };
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            printf("ll %d%d: %d%d%d%d\n", i, j, w[i] < w[j], w[i] == w[j],
                   (unsigned long long)w[i] < (unsigned long long)w[j], w[i] >= w[j]);
    printf("checksum %lu\n", checksum);
    return 0;
}
