/* Process start-up state: auxiliary vector entries that are host-independent,
 * ids, process groups and sessions, and the initial signal state. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/wait.h>

extern char _start[];

int main(int argc, char **argv)
{
    (void)argc;
    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
    printf("AT_ENTRY is _start %d\n", getauxval(AT_ENTRY) == (unsigned long)_start);
    const char *fn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN equals argv[0] %d\n", fn && strcmp(fn, argv[0]) == 0);
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    printf("AT_PLATFORM %s\n", plat ? plat : "(none)");
    printf("AT_RANDOM present %d\n", getauxval(AT_RANDOM) != 0);
    printf("AT_SECURE %lu\n", getauxval(AT_SECURE));
    printf("AT_UID matches %d AT_GID matches %d AT_EUID matches %d\n",
           getauxval(AT_UID) == getuid(), getauxval(AT_GID) == getgid(),
           getauxval(AT_EUID) == geteuid());
    printf("AT_PHNUM > 0 %d AT_PHENT %lu\n", getauxval(AT_PHNUM) > 0, getauxval(AT_PHENT));

    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    int blocked = 0;
    for (int s = 1; s < 32; s++)
        blocked += sigismember(&cur, s);
    printf("signals blocked at start %d\n", blocked);
    struct sigaction sa;
    int ignored = 0;
    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP && sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
            ignored++;
    printf("signals ignored at start %d\n", ignored);

    pid_t p = fork();
    if (p == 0) {
        pid_t sid = setsid();
        int ok = sid == getpid() && getpgrp() == getpid() && getsid(0) == getpid();
        pid_t g = fork();
        if (g == 0) {
            setpgid(0, 0);
            _exit(getpgrp() == getpid() ? 10 : 11);
        }
        int st;
        waitpid(g, &st, 0);
        _exit(ok ? WEXITSTATUS(st) : 1);
    }
    int st;
    waitpid(p, &st, 0);
    printf("setsid/setpgid child status %d\n", WEXITSTATUS(st));

    /* kill(0, sig) reaches every process in the sender's group. This runs in a child
     * that first makes its own group, so the test runner's group is never signalled. */
    p = fork();
    if (p == 0) {
        setpgid(0, 0);
        signal(SIGUSR2, SIG_IGN);
        int ready[2];
        pipe(ready);
        pid_t g = fork();
        if (g == 0) {
            signal(SIGUSR2, SIG_DFL);
            write(ready[1], "r", 1);
            for (;;)
                pause();
        }
        char c;
        read(ready[0], &c, 1);
        kill(0, SIGUSR2);
        int gs;
        waitpid(g, &gs, 0);
        _exit(WIFSIGNALED(gs) ? WTERMSIG(gs) : 0);
    }
    waitpid(p, &st, 0);
    printf("kill(0) reached the group member: killed by %d, sender survived %d\n",
           WEXITSTATUS(st), WIFEXITED(st));
    return 0;
}
