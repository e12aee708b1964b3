/* The main stack grows on demand (a ~3 MiB recursion and a large alloca), and
 * overflowing it raises SIGSEGV, caught on an alternate stack and escaped with
 * siglongjmp. */
#include <stdio.h>
#include <signal.h>
#include <setjmp.h>
#include <string.h>
#include <alloca.h>

static sigjmp_buf env;
static char altstack[1 << 16];
static volatile unsigned long deepest;

static unsigned long recurse(unsigned long n, unsigned long limit)
{
    volatile char frame[1000];
    frame[0] = (char)n;
    frame[999] = (char)(n >> 8);
    if (n > deepest)
        deepest = n;
    if (n == limit)
        return (unsigned char)frame[0];
    return recurse(n + 1, limit) + (unsigned char)frame[999];
}

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(env, 1);
}

int main(void)
{
    printf("3000 frames of 1000 bytes: %lu\n", recurse(0, 3000));
    char *big = alloca(2 << 20);
    memset(big, 0x5a, 2 << 20);
    unsigned long s = 0;
    for (int i = 0; i < (2 << 20); i += 4096)
        s += (unsigned char)big[i];
    printf("2 MiB alloca sum %lu\n", s);

    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    deepest = 0;
    if (sigsetjmp(env, 1) == 0) {
        recurse(0, (unsigned long)-1);
        printf("unbounded recursion returned?\n");
    } else {
        /* The 8 MiB default limit allows roughly 8000 such frames; print only a range. */
        printf("stack overflow caught after >1000 frames: %d, <100000: %d\n", deepest > 1000,
               deepest < 100000);
    }
    printf("still running\n");
    return 0;
}
