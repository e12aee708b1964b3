/* Generates native.txt, the x87 results of this machine's FPU that the unit
 * tests in arith.rs compare against:
 *   gcc -m32 -O1 -o /tmp/gen gen_native.c && /tmp/gen > native.txt
 * Each line: op cw a b result status, with the control word and status in
 * hex, 80-bit values as 20 hex digits (sign/exponent then significand) and
 * integer results as 16 hex digits. Every rounding mode is covered at
 * extended precision, and + - * / sqrt also at 24 and 53 bits. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

typedef struct { uint64_t m; uint16_t se; } __attribute__((packed)) f80;

static uint64_t seed = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
    return seed;
}

/* Operands: random significands near 1, wide exponents, and specials. */
static f80 operand(void)
{
    f80 v;
    uint64_t r = rnd();
    v.m = rnd() | 1ull << 63;
    switch (r % 16) {
    case 0: v.se = 0; v.m = 0; break;                       /* zero */
    case 1: v.se = 0x7fff; v.m = 1ull << 63; break;         /* infinity */
    case 2: v.se = 0x7fff; v.m |= 1ull << 62; break;        /* QNaN */
    case 3: v.se = 0; v.m >>= 1 + (r >> 8) % 40; break;     /* denormal */
    case 4: v.se = 0x3fff + (r >> 8) % 200; break;          /* large */
    case 5: v.se = 0x3fff - (r >> 8) % 200; break;          /* small */
    case 6: v.m &= ~0ull << ((r >> 8) % 60); v.se = 0x3fff + (r >> 16) % 64; break; /* integral-ish */
    case 7: v.se = 0x7ffe - (r >> 8) % 3; break;            /* near overflow */
    case 8: v.se = 1 + (r >> 8) % 3; break;                 /* near underflow */
    default: v.se = 0x3fff - 8 + (r >> 8) % 16; break;
    }
    if (rnd() & 1)
        v.se |= 0x8000;
    return v;
}

#define OP2(name, insn)                                                         \
    static uint16_t name(uint16_t cw, f80 *a, f80 *b, f80 *r)                   \
    {                                                                           \
        uint16_t sw;                                                            \
        __asm__ volatile("fninit; fldcw %4; fldt %3; fldt %2; " insn "; fnstsw %1; fstpt %0; fstp %%st(0)" \
                         : "=m"(*r), "=m"(sw) : "m"(*a), "m"(*b), "m"(cw));     \
        return sw;                                                              \
    }
OP2(op_add, "fadd %%st(1), %%st")
OP2(op_sub, "fsub %%st(1), %%st")
OP2(op_mul, "fmul %%st(1), %%st")
OP2(op_div, "fdiv %%st(1), %%st")
OP2(op_prem, "fprem")
OP2(op_prem1, "fprem1")
OP2(op_scale, "fscale")
OP2(op_sqrt, "fsqrt")
OP2(op_rndint, "frndint")
OP2(op_com, "fcom %%st(1)")
OP2(op_ucom, "fucom %%st(1)")

static uint16_t op_fist(uint16_t cw, f80 *a, uint64_t *r, int bits)
{
    uint16_t sw;
    *r = 0;
    if (bits == 16)
        __asm__ volatile("fninit; fldcw %3; fldt %2; fistps %0; fnstsw %1" : "=m"(*r), "=m"(sw) : "m"(*a), "m"(cw));
    else if (bits == 32)
        __asm__ volatile("fninit; fldcw %3; fldt %2; fistpl %0; fnstsw %1" : "=m"(*r), "=m"(sw) : "m"(*a), "m"(cw));
    else
        __asm__ volatile("fninit; fldcw %3; fldt %2; fistpll %0; fnstsw %1" : "=m"(*r), "=m"(sw) : "m"(*a), "m"(cw));
    return sw;
}

static uint16_t op_fst(uint16_t cw, f80 *a, uint64_t *r, int bits)
{
    uint16_t sw;
    *r = 0;
    if (bits == 32)
        __asm__ volatile("fninit; fldcw %3; fldt %2; fstps %0; fnstsw %1" : "=m"(*r), "=m"(sw) : "m"(*a), "m"(cw));
    else
        __asm__ volatile("fninit; fldcw %3; fldt %2; fstpl %0; fnstsw %1" : "=m"(*r), "=m"(sw) : "m"(*a), "m"(cw));
    return sw;
}

int main(void)
{
    static const struct { const char *name; uint16_t (*f)(uint16_t, f80 *, f80 *, f80 *); int n; int pc; } ops[] = {
        { "add", op_add, 60, 1 }, { "sub", op_sub, 40, 1 }, { "mul", op_mul, 60, 1 }, { "div", op_div, 60, 1 },
        { "prem", op_prem, 40, 0 }, { "prem1", op_prem1, 40, 0 }, { "scale", op_scale, 30, 0 },
        { "sqrt", op_sqrt, 40, 1 }, { "rndint", op_rndint, 30, 0 }, { "com", op_com, 20, 0 },
        { "ucom", op_ucom, 20, 0 },
    };
    for (int pc = 0; pc < 3; pc++)
        for (int rc = 0; rc < 4; rc++) {
            uint16_t cw = 0x007f | (pc == 0 ? 0 : pc == 1 ? 2 : 3) << 8 | rc << 10;
            for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
                for (int i = 0; i < ops[o].n && (pc == 2 || ops[o].pc); i++) {
                f80 a = operand(), b = operand(), r;
                if (!strcmp(ops[o].name, "scale")) { /* a small scale factor */
                    b.se = (b.se & 0x8000) | (0x3fff + rnd() % 14); }
                uint16_t sw = ops[o].f(cw, &a, &b, &r);
                printf("%s %04x %04x%016llx %04x%016llx %04x%016llx %04x\n", ops[o].name, cw, a.se,
                       (unsigned long long)a.m, b.se, (unsigned long long)b.m, r.se,
                       (unsigned long long)r.m, sw);
            }
        }
    for (int rc = 0; rc < 4; rc++) {
        uint16_t cw = 0x037f | rc << 10;
        for (int bits = 16; bits <= 64; bits *= 2)
            for (int i = 0; i < 30; i++) {
                f80 a = operand();
                uint64_t r;
                if (i % 2) a.se = (a.se & 0x8000) | (0x3fff + rnd() % (bits + 2));
                uint16_t sw = op_fist(cw, &a, &r, bits);
                printf("fist%d %04x %04x%016llx 0 %016llx %04x\n", bits, cw, a.se, (unsigned long long)a.m,
                       (unsigned long long)r, sw);
            }
        for (int bits = 32; bits <= 64; bits *= 2)
            for (int i = 0; i < 40; i++) {
                f80 a = operand();
                uint64_t r;
                if (i % 3 == 0) a.se = (a.se & 0x8000) | (0x3fff + (bits == 32 ? -150 : -1100) + rnd() % 40);
                uint16_t sw = op_fst(cw, &a, &r, bits);
                printf("fst%d %04x %04x%016llx 0 %016llx %04x\n", bits, cw, a.se, (unsigned long long)a.m,
                       (unsigned long long)r, sw);
            }
    }
    return 0;
}
