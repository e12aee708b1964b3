/* System calls given bad pointers fail with EFAULT (never crash the process), and a
 * write whose buffer runs into an unmapped page is short or EFAULT exactly as on Linux. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#define BAD ((void *)0x10)
#define TRY(label, expr)                                                                 \
    do {                                                                                \
        errno = 0;                                                                      \
        long r_ = (long)(expr);                                                         \
        int e_ = errno;                                                                 \
        printf("%-30s -> %ld %s\n", label, r_, e_ ? strerrorname_np(e_) : "");          \
    } while (0)

int main(void)
{
    /* Raw system calls: glibc wrappers may check some pointers themselves. */
    TRY("stat(BAD)", syscall(SYS_stat64, BAD, BAD));
    TRY("stat(\".\", BAD)", syscall(SYS_stat64, ".", BAD));
    TRY("open(BAD)", syscall(SYS_open, BAD, O_RDONLY));
    TRY("gettimeofday(BAD)", syscall(SYS_gettimeofday, BAD, NULL));
    TRY("clock_gettime(BAD)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD));
    TRY("uname(BAD)", syscall(SYS_uname, BAD));
    TRY("pipe(BAD)", syscall(SYS_pipe, BAD));
    TRY("getcwd(BAD, 100)", syscall(SYS_getcwd, BAD, 100));
    TRY("getcwd(buf, 1)", ({ char b[1]; syscall(SYS_getcwd, b, 1); }));
    TRY("read(/dev/zero, BAD, 10)", syscall(SYS_read, open("/dev/zero", O_RDONLY), BAD, 10));
    TRY("write(1, BAD, 10)", syscall(SYS_write, 1, BAD, 10));
    TRY("rt_sigaction(BAD)", syscall(SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8));
    TRY("nanosleep(BAD)", syscall(SYS_nanosleep, BAD, NULL));
    struct iovec iov[2] = { { "ok", 2 }, { BAD, 5 } };
    int fd = open("out.bin", O_CREAT | O_TRUNC | O_RDWR, 0644);
    TRY("writev with bad 2nd iov", writev(fd, iov, 2));

    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'x', 4096);
    munmap(m + 4096, 4096);
    TRY("write spanning unmapped", write(fd, m + 4000, 200));
    TRY("file size", lseek(fd, 0, SEEK_END));
    mprotect(m, 4096, PROT_READ);
    lseek(fd, 0, SEEK_SET);
    TRY("read into read-only", read(fd, m, 10));
    close(fd);
    unlink("out.bin");
    printf("still alive\n");
    return 0;
}
