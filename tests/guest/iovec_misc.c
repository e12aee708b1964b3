/* readv/writev, isatty on non-terminals (ENOTTY), pipe2 flags, umask, getpid/getppid
 * relationships, and sysconf values glibc derives from auxv. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/wait.h>

int main(void)
{
    int fds[2];
    printf("pipe2 %d\n", pipe2(fds, O_CLOEXEC | O_NONBLOCK));
    printf("cloexec %d nonblock %d\n", fcntl(fds[0], F_GETFD) & FD_CLOEXEC,
           (fcntl(fds[0], F_GETFL) & O_NONBLOCK) != 0);
    char c;
    errno = 0;
    {
        long ret = (long)(read(fds[0], &c, 1));
        int hit = errno == EAGAIN;
        printf("empty nonblocking read %ld EAGAIN=%d\n", ret, hit);
    }
    struct iovec out[3] = { { "alpha ", 6 }, { "", 0 }, { "beta gamma", 10 } };
    printf("writev %zd\n", writev(fds[1], out, 3));
    char a[4], b[20];
    memset(b, 0, sizeof b);
    struct iovec in[2] = { { a, sizeof a }, { b, sizeof b } };
    ssize_t n = readv(fds[0], in, 2);
    printf("readv %zd: %.4s|%s\n", n, a, b);
    printf("isatty(0)=%d isatty(fd)=%d\n", isatty(0), isatty(fds[0]));
    errno = 0;
    isatty(fds[0]);
    printf("errno ENOTTY=%d\n", errno == ENOTTY);
    mode_t old = umask(077);
    mode_t now = umask(old);
    printf("umask old %03o now %03o\n", (unsigned)old, (unsigned)now);
    pid_t me = getpid();
    pid_t p = fork();
    if (p == 0)
        _exit(getppid() == me ? 0 : 1);
    int st;
    waitpid(p, &st, 0);
    printf("child saw parent pid: %d\n", WEXITSTATUS(st) == 0);
    printf("pagesize %ld clk_tck %ld open_max>=64 %d\n", sysconf(_SC_PAGESIZE),
           sysconf(_SC_CLK_TCK), sysconf(_SC_OPEN_MAX) >= 64);
    int dev = open("/dev/full", O_WRONLY);
    errno = 0;
    {
        long ret = (long)(write(dev, "x", 1));
        int hit = errno == ENOSPC;
        printf("/dev/full write %ld ENOSPC=%d\n", ret, hit);
    }
    return 0;
}
