/* Signal state across fork and exec: handlers and the mask are inherited by fork,
 * pending signals are not; exec resets handled signals to default but keeps ignored
 * ones and the mask. Also stop/continue of a child seen through waitpid. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

static volatile int got;
static void h(int sig) { got = sig; }

static void report(const char *who)
{
    struct sigaction sa;
    sigset_t mask, pend;
    sigprocmask(SIG_SETMASK, NULL, &mask);
    sigpending(&pend);
    printf("%s:", who);
    static const int sigs[] = { SIGUSR1, SIGUSR2, SIGTERM, SIGHUP };
    static const char *names[] = { "USR1", "USR2", "TERM", "HUP" };
    for (int i = 0; i < 4; i++) {
        sigaction(sigs[i], NULL, &sa);
        const char *disp = sa.sa_handler == SIG_DFL ? "dfl" : sa.sa_handler == SIG_IGN ? "ign" : "handler";
        printf(" %s=%s%s%s", names[i], disp, sigismember(&mask, sigs[i]) ? ",blocked" : "",
               sigismember(&pend, sigs[i]) ? ",pending" : "");
    }
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        report("after exec");
        return 0;
    }
    signal(SIGUSR1, h);
    signal(SIGUSR2, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGTERM);
    report("parent");
    pid_t p = fork();
    if (p == 0) {
        report("forked child");
        execl(argv[0], argv[0], "exec", (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));
    signal(SIGTERM, SIG_IGN); /* discards the pending SIGTERM before it is unblocked */
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    report("after ignoring TERM");

    p = fork();
    if (p == 0) {
        alarm(3); /* a safety net: if stop/continue were lost, the child still ends */
        for (;;)
            pause();
    }
    kill(p, SIGSTOP);
    pid_t w = waitpid(p, &st, WUNTRACED);
    printf("stopped: match=%d WIFSTOPPED=%d sig=%d\n", w == p, WIFSTOPPED(st), WIFSTOPPED(st) ? WSTOPSIG(st) : 0);
    kill(p, SIGCONT);
    w = waitpid(p, &st, WCONTINUED);
    printf("continued: match=%d WIFCONTINUED=%d\n", w == p, WIFCONTINUED(st));
    kill(p, SIGKILL);
    waitpid(p, &st, 0);
    printf("killed: %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return 0;
}
