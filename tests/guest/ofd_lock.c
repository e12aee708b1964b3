/* Open file description locks (F_OFD_SETLK/F_OFD_GETLK): owned by the
   description, so two opens in one process conflict while a dup shares;
   they conflict with POSIX locks of other processes, report l_pid -1,
   go when the description closes, and refuse a nonzero l_pid. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define F "ofd_lock.tmp"

static int ofd(int fd, int cmd, short type, long start, long len) {
    struct flock l = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    int r = fcntl(fd, cmd, &l);
    return r == 0 ? 0 : -errno;
}

int main(void) {
    int a = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);
    int b = open(F, O_RDWR);
    int a2 = dup(a);
    printf("a write-locks [0,10): %d\n", ofd(a, F_OFD_SETLK, F_WRLCK, 0, 10));
    printf("b, another description: %d\n", ofd(b, F_OFD_SETLK, F_RDLCK, 5, 1));
    printf("a dup of a: %d\n", ofd(a2, F_OFD_SETLK, F_RDLCK, 5, 1));
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    fcntl(b, F_OFD_GETLK, &q);
    printf("b sees type write %d start %lld len %lld pid %d\n", q.l_type == F_WRLCK,
           (long long)q.l_start, (long long)q.l_len, q.l_pid);
    struct flock bad = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1};
    printf("nonzero l_pid: %d\n", fcntl(b, F_OFD_SETLK, &bad) == -1 && errno == EINVAL);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 8, .l_len = 4};
        int r = fcntl(b, F_SETLK, &l);
        printf("child POSIX lock over it: %d\n", r == 0 ? 0 : -errno);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);

    close(a);
    printf("after closing a (dup still open): %d\n", ofd(b, F_OFD_SETLK, F_WRLCK, 0, 1));
    close(a2);
    printf("after closing the dup too: %d\n", ofd(b, F_OFD_SETLK, F_WRLCK, 0, 1));
    unlink(F);
    return 0;
}
