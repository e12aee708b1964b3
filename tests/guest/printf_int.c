/* printf/snprintf integer, character and string conversions with flags,
 * widths, precisions and length modifiers; snprintf truncation results. */
#include <stdio.h>
#include <limits.h>
#include <string.h>

int main(void)
{
    static const int iv[] = { 0, 1, -1, 42, -42, 255, 65535, INT_MAX, INT_MIN, 100000 };
    for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++) {
        int v = iv[i];
        printf("[%d][%i][%u][%x][%X][%o][%5d][%-5d|][%05d][%+d][% d][%#x][%#o][%.3d][%*d]"
               "[%-*d|][%hd][%hhd][%hu][%hhx]\n",
               v, v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, v, v, v, v, v,
               (unsigned)v, (unsigned)v, v, 8, v, 7, v, (short)v, (signed char)v,
               (unsigned short)v, (unsigned char)v);
    }
    static const long long lv[] = { 0, -1, LLONG_MAX, LLONG_MIN, 0x123456789LL, -99999999999LL };
    for (size_t i = 0; i < sizeof lv / sizeof lv[0]; i++)
        printf("[%lld][%llu][%llx][%20lld][%-20lld|][%ld][%lu][%lx]\n", lv[i],
               (unsigned long long)lv[i], (unsigned long long)lv[i], lv[i], lv[i],
               (long)lv[i], (unsigned long)lv[i], (unsigned long)lv[i]);
    printf("[%c][%c][%3c][%-3c|]\n", 'A', 'z', 'q', 'w');
    printf("[%s][%10s][%-10s|][%.3s][%10.2s][%-*s|][%.*s]\n", "str", "right", "left", "truncate",
           "ab", 6, "star", 2, "precision");
    printf("[%%]\n");
    char buf[16];
    for (int n = 0; n <= 16; n += 3) {
        memset(buf, '@', sizeof buf);
        int r = snprintf(buf, (size_t)n, "%s-%d", "abcdefghij", 12345);
        printf("snprintf n=%d ret=%d buf=%.*s\n", n, r, n ? (int)strlen(buf) : 0, buf);
    }
    int count = 0;
    printf("abc%n", &count);
    printf(" counted %d\n", count);
    char big[200];
    int len = sprintf(big, "%d:%s:%x:%c:%lld", -7, "mid", 0xbeefu, '!', -1LL);
    printf("sprintf len=%d '%s'\n", len, big);
    return 0;
}
