/* SA_RESTART: a read() blocked on a pipe is restarted after a SIGALRM handler that
 * itself writes into the pipe; without SA_RESTART the same read fails with EINTR.
 * Also a handler running on an alternate signal stack (sigaltstack). */
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

static int fds[2];
static char altstack[65536];
static volatile int on_alt;

static void feed(int sig)
{
    (void)sig;
    write(fds[1], "!", 1);
}

static void where(int sig)
{
    (void)sig;
    char probe;
    uintptr_t p = (uintptr_t)&probe;
    on_alt = p >= (uintptr_t)altstack && p < (uintptr_t)altstack + sizeof altstack;
}

static void attempt(int flags, const char *label)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = feed;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    char c = '?';
    errno = 0;
    ssize_t n = read(fds[0], &c, 1);
    int interrupted = errno == EINTR;
    printf("%s: read=%zd char=%c EINTR=%d\n", label, n, n == 1 ? c : '-', interrupted);
    if (n != 1) {
        n = read(fds[0], &c, 1); /* the byte the handler wrote */
        printf("  then read=%zd char=%c\n", n, c);
    }
}

int main(void)
{
    pipe(fds);
    attempt(SA_RESTART, "with SA_RESTART");
    attempt(0, "without SA_RESTART");

    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    printf("sigaltstack %d\n", sigaltstack(&ss, NULL));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = where;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("without SA_ONSTACK on alt stack: %d\n", on_alt);
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("with SA_ONSTACK on alt stack: %d\n", on_alt);
    stack_t old;
    sigaltstack(NULL, &old);
    printf("altstack query size ok %d disabled %d\n", old.ss_size == sizeof altstack,
           (old.ss_flags & SS_DISABLE) != 0);
    return 0;
}
