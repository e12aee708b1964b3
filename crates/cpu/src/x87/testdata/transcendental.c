/* Prints what a real x87 computes for the cases of the transcendental tests
 * in transcendental.rs: gcc -m32 -O0 -o /tmp/t transcendental.c && /tmp/t */
#include <stdio.h>
#include <string.h>
typedef long double ld;
static void hex(const char *w, ld v) { unsigned char b[10]; memcpy(b, &v, 10); printf("%s (0x%02x%02x, 0x", w, b[9], b[8]); for (int i = 7; i >= 0; i--) printf("%02x%s", b[i], i==6||i==4||i==2?"_":""); printf(")\n"); }
int main(void) {
    ld r, s;
    __asm__("fsin" : "=t"(r) : "0"(1.0L)); hex("sin1", r);
    __asm__("fcos" : "=t"(r) : "0"(1.0L)); hex("cos1", r);
    __asm__("fptan" : "=t"(s), "=u"(r) : "0"(0.5L)); hex("tan.5", r); hex("push", s);
    __asm__("fpatan" : "=t"(r) : "0"(-1.0L), "u"(1.0L) : "st(1)"); hex("atan2(1,-1)", r);
    __asm__("fyl2x" : "=t"(r) : "0"(10.0L), "u"(2.0L) : "st(1)"); hex("2log2(10)", r);
    __asm__("f2xm1" : "=t"(r) : "0"(0.5L)); hex("f2xm1(.5)", r);
    __asm__("fsin" : "=t"(r) : "0"(1000.0L)); hex("sin1000", r);
    __asm__("fsin" : "=t"(r) : "0"(3.14159265358979323846L)); hex("sinpi", r);
    __asm__("fcos" : "=t"(r) : "0"(1e10L)); hex("cos1e10", r);
    __asm__("fyl2xp1" : "=t"(r) : "0"(0.25L), "u"(1.0L) : "st(1)"); hex("log2(1.25)", r);
    __asm__("fyl2xp1" : "=t"(r) : "0"(1e-10L), "u"(1.0L) : "st(1)"); hex("log2(1+1e-10)", r);
    __asm__("fyl2x" : "=t"(r) : "0"(3.0L), "u"(1.0L) : "st(1)"); hex("log2(3)", r);
    __asm__("fyl2x" : "=t"(r) : "0"(1e-300L), "u"(1.0L) : "st(1)"); hex("log2(1e-300)", r);
    __asm__("f2xm1" : "=t"(r) : "0"(-0.3L)); hex("f2xm1(-.3)", r);
    __asm__("f2xm1" : "=t"(r) : "0"(1e-10L)); hex("f2xm1(1e-10)", r);
    __asm__("fpatan" : "=t"(r) : "0"(3.0L), "u"(1.0L) : "st(1)"); hex("atan(1/3)", r);
    __asm__("fpatan" : "=t"(r) : "0"(1.0L), "u"(7.0L) : "st(1)"); hex("atan(7)", r);
    __asm__("fsin" : "=t"(r) : "0"(0.1L)); hex("sin.1", r);
    __asm__("fcos" : "=t"(r) : "0"(2.5L)); hex("cos2.5", r);
    return 0;
}
