/* SIGCHLD delivery when children exit, waiting with sigsuspend, reaping with waitpid. */
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

static volatile sig_atomic_t chld;

static void on_chld(int sig)
{
    (void)sig;
    chld++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigemptyset(&empty);
    for (int i = 0; i < 3; i++) {
        sigprocmask(SIG_BLOCK, &block, NULL);
        pid_t p = fork();
        if (p == 0)
            _exit(10 + i);
        while (chld == i)
            sigsuspend(&empty);
        sigprocmask(SIG_UNBLOCK, &block, NULL);
        int st;
        pid_t w = waitpid(p, &st, 0);
        printf("child %d: sigchld count %d reaped_ok %d exited %d status %d\n", i, (int)chld,
               w == p, WIFEXITED(st), WEXITSTATUS(st));
    }
    signal(SIGCHLD, SIG_IGN);
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    int st;
    pid_t w = waitpid(p, &st, 0);
    printf("with SIG_IGN waitpid %s\n", w < 0 ? "fails (auto-reaped)" : "reaped");
    return 0;
}
