/* x87 instructions one by one, with exact results printed in hex: arithmetic
 * in every rounding mode, integer and BCD conversions, compares, fxam
 * classes, fprem, stack faults, environment images (without the instruction
 * and operand pointers), long double printf. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <fenv.h>

typedef long double ld;

static void hex(const char *what, ld v)
{
    unsigned char b[10];
    memcpy(b, &v, 10);
    printf("%s %02x%02x:", what, b[9], b[8]);
    for (int i = 7; i >= 0; i--)
        printf("%02x", b[i]);
    printf("\n");
}

static uint16_t status(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    return sw;
}

static void set_rc(int rc)
{
    uint16_t cw = 0x037f | rc << 10;
    __asm__ volatile("fldcw %0" ::"m"(cw));
}

int main(void)
{
    static const ld vals[] = { 1.0L, 3.0L, -7.25L, 1e-4000L, 0.1L, 1e300L, -0.0L, 12345678901234567890.0L };
    const int n = sizeof vals / sizeof vals[0];
    for (int rc = 0; rc < 4; rc++) {
        set_rc(rc);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                volatile ld a = vals[i], b = vals[j];
                ld r[6];
                r[0] = a + b; r[1] = a - b; r[2] = a * b; r[3] = a / b;
                __asm__("fsqrt" : "=t"(r[4]) : "0"(a));
                __asm__("frndint" : "=t"(r[5]) : "0"(a / b));
                printf("rc%d %d,%d", rc, i, j);
                for (int k = 0; k < 6; k++) {
                    unsigned char by[10];
                    memcpy(by, &r[k], 10);
                    printf(" %02x%02x%02x%02x", by[9], by[8], by[1], by[0]);
                }
                printf("\n");
            }
        volatile double d = 2.5, e = -2.5, big = 3e9;
        int32_t i32;
        int16_t i16;
        int64_t i64;
        __asm__ volatile("fistpl %0" : "=m"(i32) : "t"(d) : "st");
        __asm__ volatile("fistps %0" : "=m"(i16) : "t"(e) : "st");
        __asm__ volatile("fistpll %0" : "=m"(i64) : "t"(d * 1e15) : "st");
        printf("rc%d fist %d %d %lld", rc, i32, i16, (long long)i64);
        __asm__ volatile("fnclex; fistpl %0" : "=m"(i32) : "t"(big) : "st");
        printf(" overflow %08x sw %04x\n", (unsigned)i32, status() & 0x3f);
        printf("rc%d lrint %ld %ld llrint %lld nearbyint %g rint %g\n", rc, lrint(2.5), lrint(-3.5),
               llrint(1e17 + 0.5), nearbyint(-0.5), rint(7.5));
        hex("rc pi", M_PIl);
        ld c;
        __asm__("fldpi" : "=t"(c));
        hex("fldpi", c);
        __asm__("fldl2e" : "=t"(c));
        hex("fldl2e", c);
        __asm__("fldlg2" : "=t"(c));
        hex("fldlg2", c);
    }
    set_rc(0);

    /* Compares and classes. */
    static const ld cmpv[] = { 1.0L, 2.0L, -0.0L, 0.0L, NAN, INFINITY };
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            uint16_t sw;
            __asm__ volatile("fnclex; fucom %%st(1); fnstsw %0" : "=m"(sw) : "t"(cmpv[i]), "u"(cmpv[j]));
            printf("fucom %d %d -> %04x |", i, j, sw & 0x4707);
            __asm__ volatile("fnclex; fcom %%st(1); fnstsw %0" : "=m"(sw) : "t"(cmpv[i]), "u"(cmpv[j]));
            printf(" fcom %04x | lt %d le %d eq %d\n", sw & 0x4707, cmpv[i] < cmpv[j],
                   cmpv[i] <= cmpv[j], cmpv[i] == cmpv[j]);
        }
    static const ld classes[] = { 1.0L, -0.0L, INFINITY, -NAN, 1e-4940L, 1e-4900L };
    for (int i = 0; i < 6; i++) {
        uint16_t sw;
        __asm__ volatile("fxam; fnstsw %0" : "=m"(sw) : "t"(classes[i]));
        printf("fxam %d -> %04x fpclassify %d signbit %d\n", i, sw & 0x4700, fpclassify(classes[i]),
               signbit(classes[i]) != 0);
    }
    uint16_t sw;
    __asm__ volatile("fninit; fxam; fnstsw %0" : "=m"(sw));
    printf("fxam empty %04x\n", sw & 0x4700);

    /* Remainders. */
    static const double rv[][2] = { { 10.5, 3 }, { -10.5, 3 }, { 1e300, 3.7 }, { 5, 0.3 }, { 7, 2 }, { 1, 1e-300 } };
    for (int i = 0; i < 6; i++) {
        ld a = rv[i][0], b = rv[i][1], r1, r2;
        uint16_t s1, s2;
        __asm__("fprem; fnstsw %1" : "=t"(r1), "=m"(s1) : "0"(a), "u"(b));
        __asm__("fprem1; fnstsw %1" : "=t"(r2), "=m"(s2) : "0"(a), "u"(b));
        printf("fprem %04x fprem1 %04x ", s1 & 0x4700, s2 & 0x4700);
        hex("r", r1);
        printf("fmod %.17g remainder %.17g fmodl %.20Lg remquo", fmod(rv[i][0], rv[i][1]),
               remainder(rv[i][0], rv[i][1]), fmodl(a, b));
        int q;
        printf(" %.17g %d\n", remquo(rv[i][0], rv[i][1], &q), q);
    }

    /* Stack overflow and underflow. */
    ld out[9];
    __asm__ volatile("fninit; fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1; fldz; fnstsw %0" : "=m"(sw));
    printf("overflow sw %04x\n", sw);
    __asm__ volatile("fstpt %0" : "=m"(out[0]));
    hex("overflow top", out[0]);
    __asm__ volatile("fninit; fadd %%st(1), %%st; fnstsw %0; fstpt %1" : "=m"(sw), "=m"(out[1]));
    printf("underflow sw %04x\n", sw);
    hex("underflow result", out[1]);
    __asm__ volatile("fninit");

    /* Environment and save images (instruction/operand pointers masked). */
    unsigned char env[28], save[108];
    set_rc(3);
    __asm__ volatile("fld1; fldz; fdivr %%st(1), %%st; fnstenv %0" : "=m"(env));
    printf("env");
    for (int i = 0; i < 12; i++)
        printf(" %02x", env[i]);
    uint16_t cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    printf(" cw after %04x\n", cw);
    __asm__ volatile("fnsave %0; fnstcw %1" : "=m"(save), "=m"(cw));
    printf("save cw after %04x regs", cw);
    for (int i = 28; i < 48; i++)
        printf(" %02x", save[i]);
    __asm__ volatile("frstor %0; fnstsw %1" : : "m"(save), "m"(sw));
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    printf(" restored sw %04x\n", sw);
    __asm__ volatile("fninit");

    /* BCD. */
    unsigned char bcd[10];
    ld bv = -123456789012345678.0L;
    __asm__ volatile("fbstp %0" : "=m"(bcd) : "t"(bv) : "st");
    printf("bcd");
    for (int i = 0; i < 10; i++)
        printf(" %02x", bcd[i]);
    __asm__("fbld %1" : "=t"(bv) : "m"(bcd));
    printf(" back %.1Lf\n", bv);

    /* fscale, fxtract, fenv rounding via the C library. */
    ld s, m, e;
    __asm__("fscale" : "=t"(s) : "0"(3.0L), "u"(-2.5L));
    __asm__("fxtract" : "=t"(m), "=u"(e) : "0"(-40.0L));
    printf("fscale %Lg fxtract %Lg %Lg\n", s, m, e);
    for (int mode = 0; mode < 4; mode++) {
        static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
        fesetround(modes[mode]);
        volatile double x = 1.0, y = 3.0;
        printf("fesetround %d: %.20g %.20g %ld %d\n", mode, x / y, -x / y, lrint(-2.5), fegetround() == modes[mode]);
    }
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
    volatile double z = 0, one = 1;
    volatile double q = one / z;
    printf("flags after 1/0: %d %g\n", fetestexcept(FE_ALL_EXCEPT), q);

    /* Transcendentals (computed via double precision in tabvm for now). */
    ld t1, t2;
    __asm__("fsin" : "=t"(t1) : "0"(1.0L));
    __asm__("fcos" : "=t"(t2) : "0"(1.0L));
    printf("fsin %.15Lg fcos %.15Lg", t1, t2);
    __asm__("fptan" : "=t"(t2), "=u"(t1) : "0"(0.5L));
    printf(" fptan %.15Lg %Lg", t1, t2);
    __asm__("fpatan" : "=t"(t1) : "0"(-1.0L), "u"(1.0L) : "st(1)");
    __asm__("fyl2x" : "=t"(t2) : "0"(10.0L), "u"(2.0L) : "st(1)");
    printf(" fpatan %.15Lg fyl2x %.15Lg", t1, t2);
    __asm__("f2xm1" : "=t"(t1) : "0"(0.5L));
    printf(" f2xm1 %.15Lg\n", t1);
    printf("long double printf %.25Lf %Le %La %Lg\n", 1.0L / 3, 2.0L / 3, 0.1L, 1e4000L);
    return 0;
}
