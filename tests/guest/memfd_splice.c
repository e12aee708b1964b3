/* memfd_create (an anonymous file: write, size, mmap, /proc link, close on
 * exec), splice between a file and a pipe both ways with offsets, and
 * pidfd_open + pidfd_send_signal on a child. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int m = memfd_create("scratch", MFD_CLOEXEC);
    write(m, "memfd contents", 14);
    struct stat st;
    fstat(m, &st);
    char link[64] = {0}, path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", m);
    readlink(path, link, sizeof link - 1);
    printf("size %ld, regular %d, cloexec %d, link %s\n", (long)st.st_size, S_ISREG(st.st_mode),
           (fcntl(m, F_GETFD) & FD_CLOEXEC) != 0, link);
    ftruncate(m, 4096);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
    memcpy(p, "MEMFD", 5);
    char buf[32] = {0};
    pread(m, buf, 14, 0);
    printf("mapped write seen by pread: %s\n", buf);
    printf("bad flags: %s\n", memfd_create("x", 0x100) < 0 ? strerror(errno) : "accepted");

    int pp[2];
    pipe(pp);
    __off64_t off = 6;
    ssize_t n = splice(m, &off, pp[1], NULL, 8, 0);
    printf("splice file->pipe: %zd, offset now %lld\n", n, (long long)off);
    int out = open("splice.out", O_RDWR | O_CREAT | O_TRUNC, 0644);
    __off64_t at = 2;
    printf("splice pipe->file: %zd\n", splice(pp[0], NULL, out, &at, 64, 0));
    memset(buf, 0, sizeof buf);
    pread(out, buf, sizeof buf - 1, 0);
    printf("file holds: %zd bytes, tail %s\n", (ssize_t)lseek(out, 0, SEEK_END), buf + 2);
    printf("pipe offset: %s\n",
           splice(m, NULL, pp[1], &off, 1, 0) < 0 ? strerror(errno) : "accepted");
    printf("no pipe: %s\n", splice(m, NULL, out, NULL, 1, 0) < 0 ? strerror(errno) : "accepted");

    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    int pfd = syscall(SYS_pidfd_open, child, 0);
    printf("pidfd_open: %s\n", pfd >= 0 ? "ok" : strerror(errno));
    printf("send: %ld\n", syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0));
    int status;
    waitpid(child, &status, 0);
    printf("child killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    printf("bad fd: %s\n",
           syscall(SYS_pidfd_send_signal, out, SIGTERM, NULL, 0) < 0 ? strerror(errno) : "sent");
    return 0;
}
