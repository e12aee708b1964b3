/* execve of the program itself (with a mode argument and a new environment), from a
 * forked child, a vfork child and posix_spawn; a shell-like pipeline of two re-executed
 * copies joined by a pipe with dup2; close-on-exec descriptors vanish across exec. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/wait.h>

extern char **environ;
static const char *self;

static int child_mode(int argc, char **argv)
{
    const char *mode = argv[1];
    if (strcmp(mode, "show") == 0) {
        printf("exec'd: argc=%d", argc);
        for (int i = 2; i < argc; i++)
            printf(" <%s>", argv[i]);
        printf(" MODE_ENV=%s\n", getenv("MODE_ENV") ? getenv("MODE_ENV") : "(unset)");
        printf("fd 5 open after exec: %d, fd 6 open: %d\n", fcntl(5, F_GETFD) >= 0,
               fcntl(6, F_GETFD) >= 0);
        return 7;
    }
    if (strcmp(mode, "produce") == 0) {
        for (int i = 1; i <= 5; i++)
            printf("item %d\n", i * i);
        return 0;
    }
    if (strcmp(mode, "consume") == 0) {
        char line[64];
        int n = 0, total = 0;
        while (fgets(line, sizeof line, stdin)) {
            n++;
            total += atoi(line + 5);
        }
        printf("consumer read %d lines, total %d\n", n, total);
        return 0;
    }
    return 100;
}

static void run_and_wait(const char *label, pid_t p)
{
    int st;
    waitpid(p, &st, 0);
    printf("%s: exited=%d status=%d\n", label, WIFEXITED(st), WEXITSTATUS(st));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    self = argv[0];
    if (argc > 1)
        return child_mode(argc, argv);
    setvbuf(stdout, NULL, _IONBF, 0);

    int keep = open("/dev/null", O_RDONLY), drop = open("/dev/null", O_RDONLY);
    dup2(keep, 5);
    dup2(drop, 6);
    fcntl(6, F_SETFD, FD_CLOEXEC);

    pid_t p = fork();
    if (p == 0) {
        char *args[] = { (char *)self, "show", "a b", "", "last", NULL };
        char *env[] = { "MODE_ENV=from-execve", NULL };
        execve(self, args, env);
        _exit(99);
    }
    run_and_wait("fork+execve", p);

    p = vfork();
    if (p == 0) {
        char *args[] = { (char *)self, "show", "vforked", NULL };
        execv(self, args); /* keeps the current (empty) environment */
        _exit(98);
    }
    run_and_wait("vfork+execv", p);

    char *sargs[] = { (char *)self, "show", "spawned", NULL };
    char *senv[] = { "MODE_ENV=spawn", NULL };
    if (posix_spawn(&p, self, NULL, NULL, sargs, senv) == 0)
        run_and_wait("posix_spawn", p);
    else
        printf("posix_spawn failed\n");

    int fds[2];
    pipe(fds);
    pid_t prod = fork();
    if (prod == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(self, self, "produce", (char *)NULL);
        _exit(97);
    }
    pid_t cons = fork();
    if (cons == 0) {
        dup2(fds[0], 0);
        close(fds[0]);
        close(fds[1]);
        execl(self, self, "consume", (char *)NULL);
        _exit(96);
    }
    close(fds[0]);
    close(fds[1]);
    /* The consumer prints before it exits; waiting for it first keeps the order fixed. */
    run_and_wait("consumer", cons);
    run_and_wait("producer", prod);

    errno = 0;
    char *none[] = { "missing", NULL };
    {
        long ret = (long)(execve("/nonexistent/prog", none, environ));
        int hit = errno == ENOENT;
        printf("execve missing: %ld ENOENT=%d\n", ret, hit);
    }
    errno = 0;
    {
        long ret = (long)(execve("/", none, environ));
        int hit = errno == EACCES;
        printf("execve directory: %ld EACCES=%d\n", ret, hit);
    }
    return 0;
}
