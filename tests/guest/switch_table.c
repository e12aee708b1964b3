/* Dense switches (jump tables), sparse switches (compare trees), fallthrough and
 * computed goto. */
#include <stdio.h>

static int dense(int x)
{
    switch (x) {
    case 0: return 11;
    case 1: return 22;
    case 2: return 33;
    case 3: return x * 7;
    case 4: return -4;
    case 5: return 1000;
    case 6: return 6 << 3;
    case 7: return 0;
    case 8: return 88;
    case 9: return 99;
    case 10: return 1010;
    case 11: return -11;
    case 12: return 144;
    default: return -1;
    }
}

static const char *sparse(unsigned x)
{
    switch (x) {
    case 1: return "one";
    case 100: return "hundred";
    case 1000: return "thousand";
    case 65535: return "u16max";
    case 1000000: return "million";
    case 0xdeadbeef: return "dead";
    default: return "other";
    }
}

static int fall(int x)
{
    int r = 0;
    switch (x) {
    case 0: r += 1; /* fall through */
    case 1: r += 10; /* fall through */
    case 2: r += 100; break;
    case 3: r += 1000; /* fall through */
    default: r += 10000;
    }
    return r;
}

static int run(const unsigned char *prog)
{
    static void *ops[] = { &&op_inc, &&op_dbl, &&op_neg, &&op_end };
    int acc = 1;
    const unsigned char *pc = prog;
    goto *ops[*pc++];
op_inc: acc++; goto *ops[*pc++];
op_dbl: acc *= 2; goto *ops[*pc++];
op_neg: acc = -acc; goto *ops[*pc++];
op_end: return acc;
}

int main(void)
{
    for (int x = -2; x <= 14; x++)
        printf("dense(%d)=%d fall=%d\n", x, dense(x), fall(x));
    static const unsigned sv[] = { 0, 1, 2, 100, 999, 1000, 65535, 65536, 1000000,
                                   0xdeadbeef, 0xffffffff };
    for (size_t i = 0; i < sizeof sv / sizeof sv[0]; i++)
        printf("sparse(%u)=%s\n", sv[i], sparse(sv[i]));
    static const unsigned char prog[] = { 0, 1, 1, 0, 2, 1, 0, 0, 1, 3 };
    printf("computed goto result %d\n", run(prog));
    long total = 0;
    for (int i = 0; i < 100000; i++)
        total += dense(i % 15) ^ fall(i % 5);
    printf("total %ld\n", total);
    return 0;
}
