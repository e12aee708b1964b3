/* Arithmetic flags after add/adc/sub/sbb/inc/dec/neg/and/or/xor/shl/shr/sar/rol/rcr/imul
 * via inline asm and pushf, for a table of operands (CF PF AF ZF SF OF), starting
 * once with all six flags clear ("c0") and once with all set ("c1"). */
#include <stdio.h>
#include <stdint.h>

#define MASK 0x8d5u /* OF SF ZF AF PF CF */

#define BINOP(name, insn)                                                            \
    static uint32_t name(uint32_t a, uint32_t b, uint32_t flags_in, uint32_t *flags)      \
    {                                                                                \
        uint32_t f;                                                                  \
        __asm__ volatile("push %3\n\tpopf\n\t" insn " %2, %0\n\tpushf\n\tpop %1"           \
                         : "+r"(a), "=r"(f)                                          \
                         : "r"(b), "r"(flags_in)                                          \
                         : "cc");                                                    \
        *flags = f & MASK;                                                           \
        return a;                                                                    \
    }
BINOP(op_add, "addl")
BINOP(op_adc, "adcl")
BINOP(op_sub, "subl")
BINOP(op_sbb, "sbbl")
BINOP(op_and, "andl")
BINOP(op_or, "orl")
BINOP(op_xor, "xorl")
BINOP(op_imul, "imull")

#define BYTEOP(name, insn)                                                           \
    static uint32_t name(uint32_t a, uint32_t b, uint32_t flags_in, uint32_t *flags)      \
    {                                                                                \
        uint32_t f;                                                                  \
        __asm__ volatile("push %3\n\tpopf\n\t" insn " %b2, %b0\n\tpushf\n\tpop %1"         \
                         : "+q"(a), "=r"(f)                                          \
                         : "q"(b), "r"(flags_in)                                          \
                         : "cc");                                                    \
        *flags = f & MASK;                                                           \
        return a & 0xff;                                                             \
    }
BYTEOP(op_addb, "addb")
BYTEOP(op_sbbb, "sbbb")

#define UNOP(name, insn)                                                             \
    static uint32_t name(uint32_t a, uint32_t b, uint32_t flags_in, uint32_t *flags)      \
    {                                                                                \
        uint32_t f;                                                                  \
        (void)b;                                                                     \
        __asm__ volatile("push %2\n\tpopf\n\t" insn " %0\n\tpushf\n\tpop %1"               \
                         : "+r"(a), "=r"(f)                                          \
                         : "r"(flags_in)                                                  \
                         : "cc");                                                    \
        *flags = f & MASK;                                                           \
        return a;                                                                    \
    }
UNOP(op_inc, "incl")
UNOP(op_dec, "decl")
UNOP(op_neg, "negl")

#define SHIFTOP(name, insn)                                                          \
    static uint32_t name(uint32_t a, uint32_t b, uint32_t flags_in, uint32_t *flags)      \
    {                                                                                \
        uint32_t f;                                                                  \
        __asm__ volatile("push %3\n\tpopf\n\t" insn " %%cl, %0\n\tpushf\n\tpop %1"         \
                         : "+r"(a), "=r"(f)                                          \
                         : "c"(b), "r"(flags_in)                                          \
                         : "cc");                                                    \
        *flags = f & MASK;                                                           \
        return a;                                                                    \
    }
SHIFTOP(op_shl, "shll")
SHIFTOP(op_shr, "shrl")
SHIFTOP(op_sar, "sarl")
SHIFTOP(op_rol, "roll")
SHIFTOP(op_rcr, "rcrl")

static const struct { const char *name; uint32_t (*fn)(uint32_t, uint32_t, uint32_t, uint32_t *); int shift; } ops[] = {
    { "add", op_add, 0 }, { "adc", op_adc, 0 }, { "sub", op_sub, 0 }, { "sbb", op_sbb, 0 },
    { "and", op_and, 0 }, { "or", op_or, 0 }, { "xor", op_xor, 0 }, { "imul", op_imul, 0 },
    { "addb", op_addb, 0 }, { "sbbb", op_sbbb, 0 }, { "inc", op_inc, 0 }, { "dec", op_dec, 0 },
    { "neg", op_neg, 0 }, { "shl", op_shl, 1 }, { "shr", op_shr, 1 }, { "sar", op_sar, 1 },
    { "rol", op_rol, 1 }, { "rcr", op_rcr, 1 },
};

int main(void)
{
    static const uint32_t vals[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000,
                                     0xffffffff, 0x12345678, 0xfffffffe, 0x0f0f0f0f };
    static const uint32_t counts[] = { 0, 1, 4, 31, 32, 33 };
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            size_t nb = ops[o].shift ? sizeof counts / sizeof counts[0] : sizeof vals / sizeof vals[0];
            for (size_t j = 0; j < nb; j++) {
                uint32_t b = ops[o].shift ? counts[j] : vals[j];
                for (uint32_t flags_in = 0; flags_in < 2; flags_in++) {
                    uint32_t f;
                    uint32_t r = ops[o].fn(vals[i], b, flags_in ? 0x2 | MASK : 0x2, &f);
                    /* Flags left undefined by the architecture are masked out per op. */
                    if (ops[o].shift && b % 32 != 1)
                        f &= ~0x800u; /* OF undefined for counts other than 1 */
                    if (ops[o].shift)
                        f &= ~0x10u; /* AF undefined after shifts */
                    if (o >= 4 && o <= 6)
                        f &= ~0x10u; /* AF undefined after logic ops */
                    if (o == 7)
                        f &= 0x801u; /* imul defines only CF and OF */
                    printf("%s %08x,%08x c%u -> %08x f=%03x\n", ops[o].name, vals[i], b, flags_in, r, f);
                }
            }
        }
    }
    return 0;
}
