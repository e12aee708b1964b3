/* signalfd: blocked signals read as signalfd_siginfo records (signal,
   code, sender pid/uid, child status), nonblocking reads, poll readiness,
   changing the mask of an existing signalfd, and a child's SIGCHLD. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int fd = signalfd(-1, &mask, SFD_NONBLOCK);
    struct signalfd_siginfo si[4];
    ssize_t r = read(fd, si, sizeof si);
    printf("nothing pending: %zd EAGAIN=%d\n", r, errno == EAGAIN);
    struct pollfd p = {fd, POLLIN, 0};
    printf("poll empty %d\n", poll(&p, 1, 0));

    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
    int ready = poll(&p, 1, 0);
    printf("poll pending %d revents %#x\n", ready, p.revents);
    r = read(fd, si, sizeof si);
    printf("read %zd bytes = %zd records\n", r, r / (ssize_t)sizeof si[0]);
    for (int i = 0; i < r / (ssize_t)sizeof si[0]; i++)
        printf("  signo %u code %d from self %d uid %u\n", si[i].ssi_signo, si[i].ssi_code,
               si[i].ssi_pid == (unsigned)getpid(), si[i].ssi_uid);
    r = read(fd, si, 10);
    printf("small buffer %zd EINVAL=%d\n", r, errno == EINVAL);

    /* Only SIGUSR1 now: SIGUSR2 stays pending for sigwait. */
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, SIGUSR1);
    printf("same fd back %d\n", signalfd(fd, &one, 0) == fd);
    kill(getpid(), SIGUSR2);
    r = read(fd, si, sizeof si);
    printf("other signal not read: %zd EAGAIN=%d\n", r, errno == EAGAIN);
    int sig;
    sigwait(&mask, &sig);
    printf("sigwait got %d\n", sig);

    /* A blocking signalfd on SIGCHLD reports the child's exit status. */
    int cfd = signalfd(-1, &mask, SFD_CLOEXEC);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    r = read(cfd, si, sizeof si[0]);
    printf("child: signo %u code %d pid ok %d status %d\n", si[0].ssi_signo, si[0].ssi_code,
           si[0].ssi_pid == (unsigned)pid, si[0].ssi_status);
    waitpid(pid, NULL, 0);
    r = signalfd(0, &mask, 0);
    printf("not a signalfd %zd EINVAL=%d\n", r, errno == EINVAL);
    return 0;
}
