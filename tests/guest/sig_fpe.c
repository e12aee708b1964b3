/* SIGFPE from integer division by zero and INT_MIN/-1 (both #DE on x86), caught by an
 * SA_SIGINFO handler that siglongjmps back; then a final uncaught one kills the process. */
#include <stdio.h>
#include <signal.h>
#include <setjmp.h>
#include <string.h>
#include <limits.h>

static sigjmp_buf env;
static volatile int code, count;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    (void)sig;
    code = si->si_code;
    count++;
    siglongjmp(env, 1);
}

/* idiv in asm: at -O2 gcc may fold or reorder a C division whose result is unused. */
static int divide(int a, int b)
{
    int q, r;
    __asm__ volatile("cltd; idivl %2" : "=a"(q), "=&d"(r) : "r"(b), "0"(a));
    return q;
}
static int modulo(int a, int b)
{
    int q, r;
    __asm__ volatile("cltd; idivl %2" : "=a"(q), "=&d"(r) : "r"(b), "0"(a));
    return r;
}
static unsigned udivide(volatile unsigned a, volatile unsigned b) { return a / b; }
static long long ldivide(volatile long long a, volatile long long b) { return a / b; }

#define TRY(label, expr)                                                                    \
    do {                                                                                   \
        code = -1;                                                                         \
        if (sigsetjmp(env, 1) == 0)                                                        \
            printf("%s = %lld\n", label, (long long)(expr));                               \
        else                                                                               \
            printf("%s: SIGFPE code=%s\n", label, code == FPE_INTDIV ? "INTDIV" : "other");\
    } while (0)

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);
    TRY("7/2", divide(7, 2));
    TRY("7/0", divide(7, 0));
    TRY("-7%0", modulo(-7, 0));
    TRY("u/0", udivide(5, 0));
    TRY("INT_MIN/-1", divide(INT_MIN, -1));
    TRY("INT_MIN%-1", modulo(INT_MIN, -1));
    TRY("100/7", divide(100, 7));
    TRY("ll/0", ldivide(1LL << 40, 0));
    printf("caught %d\n", count);
    fflush(stdout);
    signal(SIGFPE, SIG_DFL);
    return divide(1, 0);
}
