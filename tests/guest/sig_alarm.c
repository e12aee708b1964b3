/* SIGALRM from alarm(): interrupts pause(), then interrupts a busy loop, then a
 * read() on a pipe without SA_RESTART (EINTR). */
#include <stdio.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>

static volatile sig_atomic_t fired;

static void on_alarm(int sig)
{
    (void)sig;
    fired++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);

    printf("alarm(0) before = %u\n", alarm(0));
    alarm(1);
    int r = pause();
    printf("pause returned %d errno EINTR=%d fired=%d\n", r, errno == EINTR, (int)fired);

    alarm(1);
    unsigned long spins = 0;
    while (fired < 2)
        spins++;
    printf("busy loop interrupted, fired=%d spun=%d\n", (int)fired, spins > 0);

    int fds[2];
    pipe(fds);
    char c;
    alarm(1);
    errno = 0;
    ssize_t n = read(fds[0], &c, 1);
    printf("read returned %zd EINTR=%d fired=%d\n", n, errno == EINTR, (int)fired);

    printf("remaining after alarm(100),alarm(0): ");
    alarm(100);
    unsigned left = alarm(0);
    printf("%s\n", left >= 99 && left <= 100 ? "ok" : "bad");
    return 0;
}
