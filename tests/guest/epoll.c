/* epoll: level-triggered, edge-triggered (drain to EAGAIN) and one-shot
   entries over pipes, an eventfd and a timerfd; ctl errors; timeouts;
   entries vanishing when their file closes; a nested epoll; a blocked
   epoll_wait woken by a child; epoll_pwait with a signal mask. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
    const struct epoll_event *x = a, *y = b;
    return (int)x->data.u32 - (int)y->data.u32;
}

/* Waits and prints the events, sorted by their data tag. */
static void show(const char *what, int ep, int timeout) {
    struct epoll_event ev[8];
    int n = epoll_wait(ep, ev, 8, timeout);
    qsort(ev, n > 0 ? n : 0, sizeof ev[0], cmp);
    printf("%s: %d", what, n);
    for (int i = 0; i < n; i++)
        printf(" [%u %#x]", ev[i].data.u32, ev[i].events);
    printf("\n");
}

static int add(int ep, int fd, uint32_t events, uint32_t tag) {
    struct epoll_event e = {.events = events, .data.u32 = tag};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

int main(void) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int a[2], b[2];
    pipe(a);
    pipe2(b, O_NONBLOCK);
    add(ep, a[0], EPOLLIN, 1);
    add(ep, a[1], EPOLLOUT, 2);
    add(ep, b[0], EPOLLIN | EPOLLET, 3);
    show("initial", ep, 0);

    int r = add(ep, a[0], EPOLLIN, 1);
    printf("add twice %d EEXIST=%d\n", r, errno == EEXIST);
    r = add(ep, ep, EPOLLIN, 9);
    printf("add self %d EINVAL=%d\n", r, errno == EINVAL);
    r = epoll_ctl(ep, EPOLL_CTL_DEL, b[1], NULL);
    printf("del absent %d ENOENT=%d\n", r, errno == ENOENT);
    r = add(ep, 999, EPOLLIN, 9);
    printf("bad fd %d EBADF=%d\n", r, errno == EBADF);
    int reg = open("/proc/self/cmdline", O_RDONLY);
    r = add(ep, reg, EPOLLIN, 9);
    printf("regular file %d EPERM=%d\n", r, errno == EPERM);
    close(reg);

    write(a[1], "x", 1);
    write(b[1], "yy", 2);
    show("both readable", ep, 0);
    show("level stays, edge does not", ep, 0);
    char buf[8];
    while (read(b[0], buf, sizeof buf) > 0) {
    }
    write(b[1], "z", 1);
    show("new edge after drain", ep, 0);
    read(a[0], buf, 1);

    /* One-shot: reported once until re-armed with EPOLL_CTL_MOD. */
    int efd = eventfd(1, EFD_NONBLOCK);
    add(ep, efd, EPOLLIN | EPOLLONESHOT, 4);
    show("oneshot", ep, 0);
    show("oneshot spent", ep, 0);
    struct epoll_event e = {.events = EPOLLIN | EPOLLONESHOT, .data.u32 = 5};
    epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e);
    show("rearmed", ep, 0);

    /* Closing every descriptor of a file removes its entry. */
    close(efd);
    epoll_ctl(ep, EPOLL_CTL_DEL, a[1], NULL);
    show("after close", ep, 0);
    show("timeout 30ms", ep, 30);

    /* maxevents smaller than the ready list: level entries rotate. */
    int ep2 = epoll_create(1);
    int ev1 = eventfd(1, 0), ev2 = eventfd(1, 0);
    add(ep2, ev1, EPOLLIN, 11);
    add(ep2, ev2, EPOLLIN, 12);
    struct epoll_event one;
    epoll_wait(ep2, &one, 1, 0);
    uint32_t first = one.data.u32;
    epoll_wait(ep2, &one, 1, 0);
    printf("rotation reaches both: %d\n", first != one.data.u32);
    r = epoll_wait(ep2, &one, 0, 0);
    printf("maxevents 0 %d EINVAL=%d\n", r, errno == EINVAL);

    /* A nested epoll is readable when its entries are. */
    int outer = epoll_create1(0);
    add(outer, ep2, EPOLLIN, 20);
    show("nested", outer, 0);

    /* A timerfd wakes a blocked epoll_wait. */
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec ts = {{0, 0}, {0, 20000000}};
    timerfd_settime(tfd, 0, &ts, NULL);
    int ep3 = epoll_create1(0);
    add(ep3, tfd, EPOLLIN, 30);
    show("timer", ep3, -1);

    /* A child's write wakes a blocked epoll_wait in the parent. */
    int c[2];
    pipe(c);
    add(ep3, c[0], EPOLLIN, 31);
    uint64_t n;
    read(tfd, &n, 8);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        write(c[1], "k", 1);
        _exit(0);
    }
    show("child wrote", ep3, -1);
    close(c[1]);
    waitpid(pid, NULL, 0);
    read(c[0], buf, 1);
    show("hangup", ep3, 0);

    /* epoll_pwait: SIGUSR1 is blocked outside the call, delivered inside. */
    signal(SIGUSR1, SIG_IGN);
    sigset_t block, during;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    struct sigaction sa = {0};
    sa.sa_handler = (void (*)(int))abs; /* any handler: the call ends with EINTR */
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    int ep4 = epoll_create1(0);
    sigemptyset(&during);
    struct epoll_event out;
    r = epoll_pwait(ep4, &out, 1, 1000, &during);
    printf("pwait %d EINTR=%d\n", r, errno == EINTR);
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("mask restored %d\n", sigismember(&now, SIGUSR1));
    return 0;
}
