/* SIGILL from ud2 caught by a handler: si_code ILL_ILLOPN and si_addr at the
 * faulting instruction; then hlt (privileged) gives SIGSEGV; finally an
 * uncaught ud2 kills the process (status 132). */
#define _GNU_SOURCE
#include <stdio.h>
#include <signal.h>
#include <setjmp.h>
#include <string.h>

extern const char ud2_site[], hlt_site[];
static sigjmp_buf env;
static volatile int got_sig, got_code, addr_ok;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    addr_ok = si->si_addr == (void *)ud2_site ? 1 : si->si_addr == (void *)hlt_site ? 2 : 0;
    siglongjmp(env, 1);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    for (volatile int i = 0; i < 3; i++) {
        if (sigsetjmp(env, 1) == 0)
            __asm__ volatile(".globl ud2_site\nud2_site: ud2");
        printf("ud2: sig=%d ILL_ILLOPN=%d at site=%d\n", got_sig, got_code == ILL_ILLOPN, addr_ok);
    }
    if (sigsetjmp(env, 1) == 0)
        __asm__ volatile(".globl hlt_site\nhlt_site: hlt");
    /* Linux reports a privileged instruction as a #GP: SIGSEGV with SI_KERNEL and addr 0. */
    printf("hlt: sig=%d SI_KERNEL=%d\n", got_sig, got_code == SI_KERNEL);
    fflush(stdout);
    signal(SIGILL, SIG_DFL);
    __asm__ volatile("ud2");
    return 0;
}
