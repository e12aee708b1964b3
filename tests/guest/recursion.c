/* Deep-ish recursion: Ackermann, Fibonacci, Hanoi, mutual recursion, and a
 * recursive permutation generator. */
#include <stdio.h>

static unsigned ack(unsigned m, unsigned n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static unsigned long moves;
static void hanoi(int n, int from, int to, int via)
{
    if (n == 0)
        return;
    hanoi(n - 1, from, via, to);
    moves++;
    if (n >= 14)
        printf("move disk %d %d->%d\n", n, from, to);
    hanoi(n - 1, via, to, from);
}

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

static int perm_count;
static void permute(char *s, int k, int n)
{
    if (k == n) {
        if (perm_count++ % 97 == 0)
            printf("perm %s\n", s);
        return;
    }
    for (int i = k; i < n; i++) {
        char t = s[k]; s[k] = s[i]; s[i] = t;
        permute(s, k + 1, n);
        t = s[k]; s[k] = s[i]; s[i] = t;
    }
}

int main(void)
{
    for (unsigned m = 0; m <= 3; m++)
        for (unsigned n = 0; n <= 5; n++)
            printf("ack(%u,%u)=%u\n", m, n, ack(m, n));
    for (unsigned n = 0; n <= 27; n += 3)
        printf("fib(%u)=%u\n", n, fib(n));
    hanoi(16, 1, 3, 2);
    printf("hanoi moves %lu\n", moves);
    printf("even(10001)=%d odd(7777)=%d\n", is_even(10001), is_odd(7777));
    char s[] = "abcdefg";
    permute(s, 0, 7);
    printf("permutations %d\n", perm_count);
    return 0;
}
