/* sigaction with SA_SIGINFO: si_signo/si_code/si_pid/si_value for raise, kill,
 * sigqueue; handler masks (sa_mask and SA_NODEFER), SA_RESETHAND, old action query. */
#define _GNU_SOURCE
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile int log_signo, log_code, log_pid_ok, log_value, nested;
static volatile int usr2_blocked_in_handler;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    usr2_blocked_in_handler = sigismember(&cur, SIGUSR2);
    log_signo = sig == si->si_signo ? sig : -1;
    log_code = si->si_code;
    log_pid_ok = si->si_pid == getpid();
    log_value = si->si_value.sival_int;
}

static const char *code_name(int c)
{
    switch (c) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    default: return "other";
    }
}

static void report(const char *how)
{
    printf("%s: signo=%d code=%s pid_ok=%d usr2_blocked=%d\n", how, log_signo,
           code_name(log_code), log_pid_ok, usr2_blocked_in_handler);
}

static void counting(int sig)
{
    (void)sig;
    nested++;
}

int main(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);

    raise(SIGUSR1);
    report("raise");
    kill(getpid(), SIGUSR1);
    report("kill");
    union sigval v = { .sival_int = 1234 };
    sigqueue(getpid(), SIGUSR1, v);
    report("sigqueue");
    printf("value %d\n", log_value);

    sigaction(SIGUSR1, NULL, &old);
    printf("old flags has SA_SIGINFO=%d handler_ok=%d mask_has_usr2=%d\n",
           (old.sa_flags & SA_SIGINFO) != 0, old.sa_sigaction == info_handler,
           sigismember(&old.sa_mask, SIGUSR2));

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = counting;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    sigaction(SIGUSR2, NULL, &old);
    printf("after SA_RESETHAND count=%d handler_is_default=%d\n", nested,
           old.sa_handler == SIG_DFL);

    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("ignored SIGUSR2 survived\n");
    sigaction(SIGUSR2, NULL, &old);
    printf("ignore query %d\n", old.sa_handler == SIG_IGN);
    printf("invalid signal: %d\n", sigaction(0, &sa, NULL));
    printf("SIGKILL handler: %d\n", sigaction(SIGKILL, &sa, NULL));
    return 0;
}
