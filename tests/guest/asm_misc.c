/* Less common integer instructions via inline asm: shld/shrd, bt/bts/btr/btc,
 * bsf/bsr, xadd, cmpxchg, cmpxchg8b, cmov, lahf/sahf, cbw/cwde/cdq, bswap,
 * enter/leave, BCD adjust (daa/das/aaa/aas/aam/aad) and lea arithmetic. */
#include <stdio.h>
#include <stdint.h>

#define FLAGS 0x8d5u

int main(void)
{
    static const uint32_t v[] = { 0, 1, 0x80000000, 0xffffffff, 0x12345678, 0x00f000f0 };
    for (int i = 0; i < 6; i++) {
        for (unsigned c = 0; c < 34; c += 3) {
            uint32_t d1 = v[i], d2 = v[i], f1, f2;
            __asm__ volatile("shld %%cl, %2, %0; pushf; pop %1" : "+r"(d1), "=r"(f1) : "r"(0x9abcdef0u), "c"(c) : "cc");
            __asm__ volatile("shrd %%cl, %2, %0; pushf; pop %1" : "+r"(d2), "=r"(f2) : "r"(0x9abcdef0u), "c"(c) : "cc");
            /* CF is defined for counts 1..31, OF only for 1, AF never. */
            uint32_t m = (c & 31) == 0 ? 0 : (c & 31) == 1 ? 0x8c5u : 0x0c5u;
            printf("sh%u %08x: shld=%08x f=%03x shrd=%08x f=%03x\n", c, v[i], d1, f1 & m, d2, f2 & m);
        }
    }
    for (int i = 0; i < 6; i++) {
        for (unsigned bit = 0; bit < 40; bit += 7) {
            uint32_t a = v[i], b = v[i], c = v[i];
            uint8_t cf0, cf1, cf2, cf3;
            __asm__("bt %2, %1; setc %0" : "=q"(cf0) : "r"(v[i]), "r"(bit) : "cc");
            __asm__("bts %2, %0; setc %1" : "+r"(a), "=q"(cf1) : "r"(bit) : "cc");
            __asm__("btr %2, %0; setc %1" : "+r"(b), "=q"(cf2) : "r"(bit) : "cc");
            __asm__("btc %2, %0; setc %1" : "+r"(c), "=q"(cf3) : "r"(bit) : "cc");
            printf("bit %2u of %08x: bt=%u bts=%08x/%u btr=%08x/%u btc=%08x/%u\n", bit, v[i], cf0, a, cf1, b, cf2, c, cf3);
        }
        if (v[i]) {
            uint32_t f, r;
            __asm__("bsf %1, %0" : "=r"(f) : "r"(v[i]) : "cc");
            __asm__("bsr %1, %0" : "=r"(r) : "r"(v[i]) : "cc");
            printf("bsf=%u bsr=%u\n", f, r);
        }
        uint8_t z;
        __asm__("bsf %1, %1; setz %0" : "=q"(z) : "r"(v[i]) : "cc");
        printf("bsf zero flag %u\n", z);
    }
    /* Bit string in memory: bt with a register offset beyond 32 addresses later dwords. */
    uint32_t mem[4] = { 0, 0, 0, 0 };
    for (uint32_t bit = 0; bit < 128; bit += 13)
        __asm__ volatile("bts %1, %0" : "+m"(mem) : "r"(bit) : "cc");
    printf("bts memory %08x %08x %08x %08x\n", mem[0], mem[1], mem[2], mem[3]);

    uint32_t x = 10, add = 5;
    __asm__ volatile("xadd %0, %1" : "+r"(add), "+m"(x));
    printf("xadd old=%u new=%u\n", add, x);
    uint32_t mv = 7, expect = 7, repl = 9;
    uint8_t ok;
    __asm__ volatile("cmpxchg %3, %1; sete %2" : "+a"(expect), "+m"(mv), "=q"(ok) : "r"(repl) : "cc");
    printf("cmpxchg ok=%u mem=%u eax=%u\n", ok, mv, expect);
    expect = 1;
    __asm__ volatile("cmpxchg %3, %1; sete %2" : "+a"(expect), "+m"(mv), "=q"(ok) : "r"(repl) : "cc");
    printf("cmpxchg fail ok=%u mem=%u eax=%u\n", ok, mv, expect);
    uint64_t q = 0x1111111122222222ULL;
    uint32_t lo = 0x22222222, hi = 0x11111111;
    __asm__ volatile("cmpxchg8b %0; sete %1" : "+m"(q), "=q"(ok), "+a"(lo), "+d"(hi) : "b"(0x44444444), "c"(0x33333333) : "cc");
    printf("cmpxchg8b ok=%u q=%016llx\n", ok, (unsigned long long)q);
    lo = hi = 0;
    __asm__ volatile("cmpxchg8b %0; sete %1" : "+m"(q), "=q"(ok), "+a"(lo), "+d"(hi) : "b"(0), "c"(0) : "cc");
    printf("cmpxchg8b fail ok=%u edx:eax=%08x%08x\n", ok, hi, lo);

    for (int a = -2; a <= 2; a++) {
        int r1 = 100, r2 = 200;
        __asm__("cmp $0, %2; cmovl %3, %0; cmovg %3, %1" : "+r"(r1), "+r"(r2) : "r"(a), "r"(a * 11) : "cc");
        printf("cmov a=%d r1=%d r2=%d\n", a, r1, r2);
    }
    uint32_t ah_out;
    __asm__ volatile("mov $0xd5, %%ah; sahf; mov $0, %%eax; lahf; movzbl %%ah, %0" : "=r"(ah_out) : : "eax", "cc");
    printf("sahf/lahf %02x\n", ah_out);
    int32_t cw, cd_lo, cd_hi;
    __asm__("mov $0x80, %%eax; cbw; cwde" : "=a"(cw));
    __asm__("cdq" : "=a"(cd_lo), "=d"(cd_hi) : "a"(-5));
    printf("cbw/cwde %08x cdq %08x:%08x\n", (uint32_t)cw, (uint32_t)cd_hi, (uint32_t)cd_lo);
    uint32_t bs = 0x11223344;
    __asm__("bswap %0" : "+r"(bs));
    printf("bswap %08x\n", bs);
    uint32_t depth;
    __asm__ volatile("mov %%esp, %%edx; enter $16, $0; mov %%esp, %0; leave; sub %%esp, %0; neg %0"
                     : "=r"(depth) : : "edx", "memory");
    printf("enter 16 moved esp by %u\n", depth);
    static const uint8_t bcd[][2] = { { 0x19, 0x28 }, { 0x99, 0x01 }, { 0x45, 0x55 }, { 0x09, 0x09 } };
    for (int i = 0; i < 4; i++) {
        uint32_t a1 = bcd[i][0], a2 = bcd[i][0], f1, f2;
        __asm__ volatile("add %b2, %b0; daa; pushf; pop %1" : "+a"(a1), "=r"(f1) : "q"(bcd[i][1]) : "cc");
        __asm__ volatile("sub %b2, %b0; das; pushf; pop %1" : "+a"(a2), "=r"(f2) : "q"(bcd[i][1]) : "cc");
        printf("bcd %02x,%02x: daa=%02x cf=%u das=%02x cf=%u\n", bcd[i][0], bcd[i][1], a1 & 0xff, f1 & 1, a2 & 0xff, f2 & 1);
    }
    uint32_t ax = 0x0009;
    __asm__("add $5, %%al; aaa" : "+a"(ax) : : "cc");
    printf("aaa %04x\n", ax & 0xffff);
    ax = 0x0103;
    __asm__("sub $5, %%al; aas" : "+a"(ax) : : "cc");
    printf("aas %04x\n", ax & 0xffff);
    ax = 79;
    __asm__("aam" : "+a"(ax) : : "cc");
    printf("aam %04x\n", ax & 0xffff);
    ax = 0x0709;
    __asm__("aad" : "+a"(ax) : : "cc");
    printf("aad %04x\n", ax & 0xffff);
    uint32_t l;
    __asm__("lea 0x10(%1,%2,4), %0" : "=r"(l) : "r"(1000), "r"(7));
    printf("lea %u\n", l);
    return 0;
}
