/* sscanf conversions, return counts and partial matches. */
#include <stdio.h>

int main(void)
{
    int a = -1, b = -1, n = -1;
    unsigned u = 0;
    long long ll = 0;
    double d = 0;
    float f = 0;
    char s[32] = "", c = '?', set[32] = "";
    int r;

    r = sscanf("12 34", "%d %d", &a, &b);
    printf("r=%d a=%d b=%d\n", r, a, b);
    r = sscanf("  -17abc", "%d%s", &a, s);
    printf("r=%d a=%d s=%s\n", r, a, s);
    r = sscanf("ff 0x10 017 101", "%x %i %i %o", &u, &a, &b, &n);
    printf("r=%d u=%u a=%d b=%d n=%d\n", r, u, a, b, n);
    r = sscanf("-9223372036854775807 2.5e3 1.25", "%lld %lf %f", &ll, &d, &f);
    printf("r=%d ll=%lld d=%g f=%g\n", r, ll, d, (double)f);
    r = sscanf("key=value;rest", "%31[^=]=%31[^;];%c", s, set, &c);
    printf("r=%d s=%s set=%s c=%c\n", r, s, set, c);
    r = sscanf("abc", "%d", &a);
    printf("mismatch r=%d\n", r);
    r = sscanf("", "%d", &a);
    printf("empty r=%d\n", r);
    r = sscanf("12345", "%2d%3d%n", &a, &b, &n);
    printf("width r=%d a=%d b=%d n=%d\n", r, a, b, n);
    r = sscanf("10:20:30", "%d:%*d:%d", &a, &b);
    printf("skip r=%d a=%d b=%d\n", r, a, b);
    r = sscanf("2024-01-15", "%4d-%2d-%2d", &a, &b, &n);
    printf("date r=%d %d %d %d\n", r, a, b, n);
    r = sscanf("  x", " %c", &c);
    printf("c r=%d c=%c\n", r, c);
    r = sscanf("nan inf", "%lf %f", &d, &f);
    printf("specials r=%d %f %f\n", r, d, (double)f);
    return 0;
}
