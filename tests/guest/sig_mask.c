/* sigprocmask: blocked signals stay pending (sigpending), are delivered once on
 * unblock even if raised twice, in the order the kernel picks (lowest first);
 * sigsuspend waits with a temporary mask. */
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static char order[64];
static volatile int nord;

static void h(int sig)
{
    if (nord < 60)
        order[nord++] = (char)('A' + sig % 26);
}

static void show_pending(const char *when)
{
    sigset_t p;
    sigpending(&p);
    printf("%s pending:", when);
    for (int s = 1; s < 32; s++)
        if (sigismember(&p, s))
            printf(" %d", s);
    printf("\n");
}

int main(void)
{
    signal(SIGUSR1, h);
    signal(SIGUSR2, h);
    signal(SIGTERM, h);
    signal(SIGHUP, h);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);
    printf("old mask had USR1: %d\n", sigismember(&old, SIGUSR1));
    show_pending("start");
    raise(SIGUSR2);
    raise(SIGUSR1);
    raise(SIGUSR1);
    kill(getpid(), SIGTERM);
    raise(SIGHUP);
    show_pending("blocked");
    printf("delivered while blocked: %d\n", nord);
    sigprocmask(SIG_SETMASK, &old, NULL);
    order[nord] = 0;
    printf("delivered after unblock: %d order %s\n", nord, order);
    show_pending("end");

    /* SIGKILL/SIGSTOP cannot be blocked. */
    sigset_t all, cur;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("blocked KILL=%d STOP=%d USR1=%d\n", sigismember(&cur, SIGKILL),
           sigismember(&cur, SIGSTOP), sigismember(&cur, SIGUSR1));
    raise(SIGUSR1);
    nord = 0;
    sigset_t wait_mask;
    sigfillset(&wait_mask);
    sigdelset(&wait_mask, SIGUSR1);
    int r = sigsuspend(&wait_mask);
    order[nord] = 0;
    printf("sigsuspend r=%d handled=%s\n", r, order);
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("mask restored USR1=%d\n", sigismember(&cur, SIGUSR1));
    return 0;
}
