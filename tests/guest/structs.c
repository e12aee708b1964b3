/* Struct copies by value (small and large), struct returns, arrays of structs,
 * unions for type punning, flexible array members, offsetof/sizeof layout. */
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

struct small { char c; short s; };
struct mixed { char c; int i; double d; long long ll; char tail[3]; };
struct big { int v[50]; char name[20]; };
struct flex { int n; int items[]; };
union pun { float f; uint32_t u; unsigned char b[4]; };

static struct small mk_small(int k) { struct small r = { (char)('a' + k), (short)(k * 1000) }; return r; }

static struct big mk_big(int seed)
{
    struct big b;
    for (int i = 0; i < 50; i++)
        b.v[i] = seed * i - i * i;
    snprintf(b.name, sizeof b.name, "big-%d", seed);
    return b;
}

static long sum_big(struct big b)
{
    long s = 0;
    for (int i = 0; i < 50; i++)
        s += b.v[i];
    b.v[0] = 999999; /* modifies only the copy */
    return s;
}

static struct mixed twice(struct mixed m)
{
    m.c++;
    m.i *= 2;
    m.d *= 2;
    m.ll *= 2;
    m.tail[0] = 'X';
    return m;
}

int main(void)
{
    printf("sizeof small=%zu mixed=%zu big=%zu flex=%zu\n", sizeof(struct small),
           sizeof(struct mixed), sizeof(struct big), sizeof(struct flex));
    printf("offsets c=%zu i=%zu d=%zu ll=%zu tail=%zu\n", offsetof(struct mixed, c),
           offsetof(struct mixed, i), offsetof(struct mixed, d), offsetof(struct mixed, ll),
           offsetof(struct mixed, tail));
    for (int k = 0; k < 5; k++) {
        struct small s = mk_small(k);
        printf("small %c %d\n", s.c, s.s);
    }
    struct big b = mk_big(7), c;
    c = b;
    c.v[3] = -1;
    printf("sum %ld first %d copy differs %d name %s\n", sum_big(b), b.v[0], b.v[3] != c.v[3],
           c.name);
    struct mixed m = { 'A', 21, 1.25, 1LL << 40, "ab" };
    struct mixed t = twice(m);
    printf("mixed orig %c %d %g %lld %s -> %c %d %g %lld %c%c\n", m.c, m.i, m.d, m.ll, m.tail,
           t.c, t.i, t.d, t.ll, t.tail[0], t.tail[1]);
    struct mixed arr[10];
    for (int i = 0; i < 10; i++) {
        arr[i] = m;
        arr[i].i = i;
    }
    struct mixed swap = arr[2];
    arr[2] = arr[7];
    arr[7] = swap;
    for (int i = 0; i < 10; i++)
        printf("%d", arr[i].i);
    printf("\n");
    union pun p;
    p.f = 1.5f;
    printf("pun %08x bytes %02x %02x %02x %02x\n", p.u, p.b[0], p.b[1], p.b[2], p.b[3]);
    p.u = 0xc0490fdb;
    printf("pun back %.6f\n", (double)p.f);
    struct flex *fl = malloc(sizeof *fl + 10 * sizeof(int));
    fl->n = 10;
    for (int i = 0; i < fl->n; i++)
        fl->items[i] = i * i;
    int total = 0;
    for (int i = 0; i < fl->n; i++)
        total += fl->items[i];
    printf("flex total %d\n", total);
    struct { int a[3]; } x = { { 1, 2, 3 } }, y;
    memcpy(&y, &x, sizeof x);
    printf("anon copy %d %d %d equal %d\n", y.a[0], y.a[1], y.a[2], memcmp(&x, &y, sizeof x) == 0);
    return 0;
}
