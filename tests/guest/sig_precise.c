/* Precise state around signals: a fault in the middle of `rep movsb` reports how far
 * the copy got (ecx/esi/edi in the ucontext) and resumes it after the handler makes
 * the page accessible; x87 state and long string copies survive a stream of timer
 * signals whose handler itself does floating-point work. */
#define _GNU_SOURCE
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <stdint.h>
#include <ucontext.h>
#include <sys/mman.h>
#include <sys/time.h>

static char *area;
static volatile int faults;
static volatile double handler_acc;
static volatile int timer_hits;

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    (void)sig;
    faults++;
    printf("fault %d: addr_off=%ld ecx=%ld esi_off=%ld edi_off=%ld\n", faults,
           (long)((char *)si->si_addr - area), (long)g[REG_ECX], (long)((char *)g[REG_ESI] - area),
           (long)((char *)g[REG_EDI] - area));
    /* Open the page and return: the rep instruction continues where it stopped. */
    mprotect(area + 4 * 4096, 4096, PROT_READ | PROT_WRITE);
}

static void on_alarm(int sig)
{
    (void)sig;
    timer_hits++;
    double x = 1.0;
    for (int i = 1; i < 50; i++)
        x = x * 1.0001 + 1.0 / i;
    handler_acc += x;
}

static double series(int n)
{
    double s = 0, t = 1;
    for (int i = 1; i <= n; i++) {
        t = t * 0.999999 + 1e-7 * i;
        s += t / (i + 0.5);
    }
    return s;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    area = mmap(NULL, 6 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < 2 * 4096; i++)
        area[i] = (char)(i * 13);
    mprotect(area + 4 * 4096, 4096, PROT_NONE);
    /* Copy 8 KiB from area[0..] to area[3*4096 - 1000 ..]: crosses into the closed page. */
    void *s = area, *d = area + 3 * 4096 - 1000;
    uint32_t c = 2 * 4096;
    __asm__ volatile("cld; rep movsb" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
    printf("copy finished: ecx=%u faults=%d equal=%d\n", c, faults,
           memcmp(area, area + 3 * 4096 - 1000, 2 * 4096) == 0);

    double expect = series(3000000);
    struct sigaction ta;
    memset(&ta, 0, sizeof ta);
    ta.sa_handler = on_alarm;
    ta.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &ta, NULL);
    struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    double got = 0;
    int rounds = 0, copies_ok = 1;
    static char src[1 << 20], dst[1 << 20];
    for (int i = 0; i < (int)sizeof src; i++)
        src[i] = (char)(i ^ (i >> 8));
    while (timer_hits < 20 && rounds < 200) {
        got = series(3000000);
        memset(dst, 0, sizeof dst);
        memcpy(dst, src, sizeof src);
        copies_ok &= memcmp(dst, src, sizeof src) == 0;
        rounds++;
        if (got != expect)
            break;
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    printf("x87 result identical under signals: %d, copies intact: %d, interrupted: %d\n",
           got == expect, copies_ok, timer_hits > 0);
    printf("series %.15g\n", expect);
    return 0;
}
