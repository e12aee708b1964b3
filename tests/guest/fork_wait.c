/* fork/wait/waitpid: exit statuses, death by signal, WNOHANG, ECHILD, memory
 * independence between parent and child. */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>
#include <sys/wait.h>

static int shared_looking = 100;

static void describe(int i, int st)
{
    if (WIFEXITED(st))
        printf("child %d exited %d\n", i, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("child %d killed by %d\n", i, WTERMSIG(st));
    else
        printf("child %d other %x\n", i, st);
}

int main(void)
{
    pid_t kids[6];
    for (int i = 0; i < 6; i++) {
        pid_t p = fork();
        if (p < 0)
            return 1;
        if (p == 0) {
            shared_looking += i;
            switch (i) {
            case 0: _exit(0);
            case 1: exit(1);
            case 2: _exit(255);
            case 3: raise(SIGKILL); break;
            case 4: *(volatile int *)0 = 1; break;
            case 5: return 77;
            }
            _exit(99);
        }
        kids[i] = p;
    }
    for (int i = 5; i >= 0; i--) {
        int st;
        pid_t w = waitpid(kids[i], &st, 0);
        if (w != kids[i])
            printf("waitpid mismatch\n");
        describe(i, st);
    }
    printf("parent value still %d\n", shared_looking);
    int st;
    errno = 0;
    {
        long ret = (long)(wait(&st));
        int hit = errno == ECHILD;
        printf("wait with no children: %ld ECHILD=%d\n", ret, hit);
    }

    int pfd[2];
    pipe(pfd);
    pid_t slow = fork();
    if (slow == 0) {
        char c;
        read(pfd[0], &c, 1); /* wait for the parent's go */
        _exit(c);
    }
    printf("WNOHANG before exit: %d\n", (int)waitpid(slow, &st, WNOHANG));
    write(pfd[1], "\x2a", 1);
    pid_t w = wait(&st);
    printf("wait got slow child %d status %d\n", w == slow, WEXITSTATUS(st));

    /* Grandchildren: a child forks and waits for its own child. */
    pid_t c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0)
            _exit(5);
        int gs;
        waitpid(g, &gs, 0);
        _exit(WEXITSTATUS(gs) + 1);
    }
    waitpid(c, &st, 0);
    printf("grandchild chain status %d\n", WEXITSTATUS(st));
    printf("getppid relation ok: %d\n", getppid() != getpid());
    return 0;
}
