/* Multi-precision arithmetic on 32-bit limbs using carry/borrow builtins
 * (adc/sbb chains and setcc), printing factorials and Fibonacci numbers. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#define LIMBS 40

typedef struct { uint32_t l[LIMBS]; } big;

static void big_add(big *r, const big *a, const big *b)
{
    unsigned carry = 0;
    for (int i = 0; i < LIMBS; i++) {
        uint32_t s;
        unsigned c1 = __builtin_add_overflow(a->l[i], b->l[i], &s);
        unsigned c2 = __builtin_add_overflow(s, carry, &s);
        r->l[i] = s;
        carry = c1 | c2;
    }
}

static unsigned big_sub(big *r, const big *a, const big *b)
{
    unsigned borrow = 0;
    for (int i = 0; i < LIMBS; i++) {
        uint32_t d;
        unsigned b1 = __builtin_sub_overflow(a->l[i], b->l[i], &d);
        unsigned b2 = __builtin_sub_overflow(d, borrow, &d);
        r->l[i] = d;
        borrow = b1 | b2;
    }
    return borrow;
}

static void big_mul_small(big *r, const big *a, uint32_t m)
{
    uint32_t carry = 0;
    for (int i = 0; i < LIMBS; i++) {
        uint64_t p = (uint64_t)a->l[i] * m + carry;
        r->l[i] = (uint32_t)p;
        carry = (uint32_t)(p >> 32);
    }
}

static void big_mul(big *r, const big *a, const big *b)
{
    big t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < LIMBS; i++) {
        uint32_t carry = 0;
        for (int j = 0; i + j < LIMBS; j++) {
            uint64_t p = (uint64_t)a->l[i] * b->l[j] + t.l[i + j] + carry;
            t.l[i + j] = (uint32_t)p;
            carry = (uint32_t)(p >> 32);
        }
    }
    *r = t;
}

/* Divides in place by a small number and returns the remainder. */
static uint32_t big_divmod_small(big *a, uint32_t d)
{
    uint64_t rem = 0;
    for (int i = LIMBS - 1; i >= 0; i--) {
        uint64_t cur = (rem << 32) | a->l[i];
        a->l[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    return (uint32_t)rem;
}

static int big_is_zero(const big *a)
{
    for (int i = 0; i < LIMBS; i++)
        if (a->l[i])
            return 0;
    return 1;
}

static void big_print(const char *label, const big *a)
{
    char digits[LIMBS * 10 + 2];
    int n = 0;
    big t = *a;
    do {
        digits[n++] = (char)('0' + big_divmod_small(&t, 10));
    } while (!big_is_zero(&t));
    printf("%s ", label);
    while (n)
        putchar(digits[--n]);
    printf("\n");
}

static void big_hex(const char *label, const big *a)
{
    int i = LIMBS - 1;
    while (i > 0 && !a->l[i])
        i--;
    printf("%s %x", label, a->l[i]);
    while (i-- > 0)
        printf("%08x", a->l[i]);
    printf("\n");
}

int main(void)
{
    big f = { { 1 } };
    char label[32];
    for (uint32_t i = 1; i <= 60; i++) {
        big_mul_small(&f, &f, i);
        if (i % 5 == 0) {
            snprintf(label, sizeof label, "%u!", i);
            big_print(label, &f);
            big_hex(label, &f);
        }
    }
    big a = { { 0 } }, b = { { 1 } }, c;
    for (int i = 0; i < 300; i++) {
        big_add(&c, &a, &b);
        a = b;
        b = c;
    }
    big_print("fib300", &a);
    big sq, d;
    big_mul(&sq, &a, &a);
    big_hex("fib300^2", &sq);
    unsigned br = big_sub(&d, &sq, &f);
    big_hex("diff", &d);
    printf("borrow %u\n", br);
    br = big_sub(&d, &f, &sq);
    big_hex("negdiff", &d);
    printf("borrow %u\n", br);
    big all = { { 0 } };
    for (int i = 0; i < LIMBS; i++)
        all.l[i] = 0xffffffffu;
    big one = { { 1 } };
    big_add(&all, &all, &one);
    printf("wrapped zero %d\n", big_is_zero(&all));
    return 0;
}
