/* The signal masks of ppoll, pselect and epoll_pwait2: a pending blocked
   signal interrupts the wait only when the call's mask unblocks it, the
   handler runs, and the caller's mask is back afterwards; a ready
   descriptor wins over the signal (which stays pending). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static volatile int handled;
static void on_usr1(int sig) { (void)sig; handled++; }

static int blocked(void) {
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    return sigismember(&now, SIGUSR1);
}

static int pending(void) {
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, SIGUSR1);
}

int main(void) {
    signal(SIGUSR1, on_usr1);
    sigset_t block, empty;
    sigemptyset(&empty);
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    struct timespec ts = {1, 0}, short_ts = {0, 20000000};

    kill(getpid(), SIGUSR1);
    int r = ppoll(NULL, 0, &short_ts, &block);
    printf("ppoll keeping it blocked: %d, handled %d, pending %d\n", r, handled, pending());
    r = ppoll(NULL, 0, &ts, &empty);
    int e = errno;
    printf("ppoll unblocking: %d EINTR=%d handled %d blocked after %d\n", r, e == EINTR, handled,
           blocked());

    kill(getpid(), SIGUSR1);
    r = pselect(0, NULL, NULL, NULL, &ts, &empty);
    e = errno;
    printf("pselect: %d EINTR=%d handled %d blocked after %d\n", r, e == EINTR, handled,
           blocked());

    int fds[2];
    pipe(fds);
    write(fds[1], "x", 1);
    kill(getpid(), SIGUSR1);
    struct pollfd p = {fds[0], POLLIN, 0};
    r = ppoll(&p, 1, &ts, &empty);
    printf("ready fd: %d revents %#x handled %d pending %d\n", r, p.revents, handled, pending());

    int ep = epoll_create1(0);
    struct epoll_event ev;
    r = epoll_pwait2(ep, &ev, 1, &ts, &empty);
    e = errno;
    printf("epoll_pwait2: %d EINTR=%d handled %d blocked after %d\n", r, e == EINTR, handled,
           blocked());
    r = epoll_pwait2(ep, &ev, 1, &short_ts, NULL);
    printf("epoll_pwait2 timeout: %d\n", r);
    return 0;
}
