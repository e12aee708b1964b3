/* String instructions via inline asm: rep movsb/movsd, rep stosb/stosd, repne scasb,
 * repe cmpsb, lodsb, with the direction flag both ways; registers checked after. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

static unsigned char src[256], dst[256];

static void dump(const char *label, const unsigned char *p, int n)
{
    printf("%s:", label);
    for (int i = 0; i < n; i++)
        printf(" %02x", p[i]);
    printf("\n");
}

int main(void)
{
    for (int i = 0; i < 256; i++)
        src[i] = (unsigned char)(i * 7 + 3);

    void *s = src + 3, *d = dst + 5;
    uint32_t c = 37;
    __asm__ volatile("cld; rep movsb" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
    printf("movsb: esi+%d edi+%d ecx=%u\n", (int)((unsigned char *)s - src), (int)((unsigned char *)d - dst), c);
    dump("dst", dst, 48);

    memset(dst, 0, sizeof dst);
    s = src + 40 + 15;
    d = dst + 60 + 15;
    c = 16;
    __asm__ volatile("std; rep movsb; cld" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
    printf("backward movsb: esi+%d edi+%d\n", (int)((unsigned char *)s - src), (int)((unsigned char *)d - dst));
    dump("dst", dst + 56, 24);

    s = src;
    d = dst;
    c = 10;
    __asm__ volatile("cld; rep movsl" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
    printf("movsl: edi+%d\n", (int)((unsigned char *)d - dst));
    dump("dst", dst, 44);

    d = dst;
    c = 20;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(c) : "a"(0xab) : "memory");
    d = dst + 20;
    c = 5;
    __asm__ volatile("rep stosl" : "+D"(d), "+c"(c) : "a"(0x11223344) : "memory");
    dump("stos", dst, 44);

    const char *text = "find the letter q in here";
    const char *p = text;
    c = 100;
    __asm__ volatile("cld; repne scasb" : "+D"(p), "+c"(c) : "a"('q') : "cc");
    printf("scasb: found after %d bytes, ecx=%u\n", (int)(p - text), c);
    p = text;
    c = 100;
    __asm__ volatile("repne scasb" : "+D"(p), "+c"(c) : "a"(0) : "cc");
    printf("strlen via scasb: %d\n", (int)(p - text) - 1);

    const char *a = "abcdefgh", *b = "abcdXfgh";
    const char *pa = a, *pb = b;
    c = 8;
    uint8_t eq;
    __asm__ volatile("cld; repe cmpsb; sete %3" : "+S"(pa), "+D"(pb), "+c"(c), "=q"(eq) : : "cc");
    printf("cmpsb: stopped at %d ecx=%u equal=%u\n", (int)(pa - a), c, eq);
    pa = a;
    pb = a;
    c = 8;
    __asm__ volatile("repe cmpsb; sete %3" : "+S"(pa), "+D"(pb), "+c"(c), "=q"(eq) : : "cc");
    printf("cmpsb same: ecx=%u equal=%u\n", c, eq);

    const unsigned char *q = src + 10;
    uint32_t acc = 0, al;
    for (int i = 0; i < 8; i++) {
        __asm__ volatile("lodsb" : "+S"(q), "=a"(al));
        acc = acc * 31 + (al & 0xff);
    }
    printf("lodsb acc=%08x\n", acc);
    c = 0;
    d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(c) : "a"(0x99) : "memory");
    printf("rep with ecx=0 moved edi by %d\n", (int)((unsigned char *)d - dst));
    return 0;
}
