// cflags: -msse2 -mfpmath=sse
/* Unmasked SSE exceptions (#XM): feenableexcept with SSE arithmetic raises
 * SIGFPE at the faulting instruction, the handler leaves with siglongjmp,
 * and the destination was not written. Masked again, the same operations
 * just set their flags. (si_code is not printed: tabvm's kernel does not
 * yet derive it from the exception, it always says FPE_FLTINV.) */
#define _GNU_SOURCE
#include <stdio.h>
#include <signal.h>
#include <setjmp.h>
#include <fenv.h>

static sigjmp_buf back;
static volatile sig_atomic_t caught;

static void on_fpe(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    caught = sig;
    siglongjmp(back, 1);
}

int main(void)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_fpe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, 0);
    volatile double zero = 0.0, one = 1.0, big = 1e308, r = 42.0;
    static const int excs[] = { FE_DIVBYZERO, FE_INVALID, FE_OVERFLOW };
    static const char *names[] = { "divbyzero", "invalid", "overflow" };
    for (int i = 0; i < 3; i++) {
        caught = 0;
        if (sigsetjmp(back, 1) == 0) {
            feclearexcept(FE_ALL_EXCEPT);
            feenableexcept(excs[i]);
            r = i == 0 ? one / zero : i == 1 ? zero / zero : big * big;
            printf("%s: no trap (%g)\n", names[i], r);
        } else {
            printf("%s: trapped, signal %d, r still %g\n", names[i], (int)caught, r);
        }
        fedisableexcept(FE_ALL_EXCEPT);
    }
    r = one / zero;
    printf("masked: %g flags %d\n", r, fetestexcept(FE_DIVBYZERO) != 0);
    return 0;
}
