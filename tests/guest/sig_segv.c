/* SIGSEGV from touching PROT_NONE and unmapped pages and from writing read-only memory;
 * the SA_SIGINFO handler siglongjmps out and reports si_code and the offset of si_addr
 * inside a known mapping. */
#define _GNU_SOURCE
#include <stdio.h>
#include <signal.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile char *base;
static volatile long fault_off;
static volatile int fault_code, fault_signo, handled;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fault_signo = sig;
    fault_code = si->si_code;
    fault_off = (long)((char *)si->si_addr - (char *)base);
    handled++;
    siglongjmp(env, 1);
}

static void probe(const char *what, volatile char *p, int write)
{
    fault_off = -1;
    fault_code = -1;
    if (sigsetjmp(env, 1) == 0) {
        if (write)
            *p = 42;
        else
            (void)*p;
        printf("%s: no fault, value %d\n", what, *p);
    } else {
        printf("%s: sig=%d code=%s off=%ld\n", what, fault_signo,
               fault_code == SEGV_MAPERR ? "MAPERR" : fault_code == SEGV_ACCERR ? "ACCERR" : "?",
               fault_off);
    }
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);

    long pg = sysconf(_SC_PAGESIZE);
    base = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return 1;
    mprotect((char *)base + pg, pg, PROT_NONE);
    mprotect((char *)base + 2 * pg, pg, PROT_READ);
    munmap((char *)base + 3 * pg, pg);

    probe("rw page write", base + 100, 1);
    probe("none page read", base + pg + 8, 0);
    probe("none page write", base + pg + 4095, 1);
    probe("ro page read", base + 2 * pg + 5, 0);
    probe("ro page write", base + 2 * pg + 5, 1);
    probe("unmapped read", base + 3 * pg + 12, 0);
    probe("unmapped write", base + 3 * pg + 77, 1);
    mprotect((char *)base + pg, pg, PROT_READ | PROT_WRITE);
    probe("reprotected write", base + pg + 8, 1);
    /* The mask is restored by siglongjmp, so repeated faults keep being caught. */
    for (int i = 0; i < 5; i++)
        probe("repeat", base + 2 * pg + i, 1);
    printf("handled %d\n", handled);
    return 0;
}
