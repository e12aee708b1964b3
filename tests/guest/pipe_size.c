/* F_GETPIPE_SZ/F_SETPIPE_SZ: the default capacity, rounding up to a power
   of two pages, a nonblocking writer filling exactly the capacity, and
   EBUSY when shrinking below the data waiting. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static long fill(int fd) {
    static char chunk[4096];
    long total = 0;
    for (;;) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n <= 0)
            return errno == EAGAIN ? total : -errno;
        total += n;
    }
}

int main(void) {
    int p[2];
    pipe2(p, O_NONBLOCK);
    printf("default %d\n", fcntl(p[0], F_GETPIPE_SZ));
    printf("set 100000 -> %d\n", fcntl(p[1], F_SETPIPE_SZ, 100000));
    int size = fcntl(p[0], F_GETPIPE_SZ);
    printf("now %d, fills %ld\n", size, fill(p[1]));
    int r = fcntl(p[1], F_SETPIPE_SZ, 4096);
    printf("shrink below contents %d EBUSY=%d\n", r, errno == EBUSY);
    char buf[65536];
    while (read(p[0], buf, sizeof buf) > 0) {
    }
    size = fcntl(p[1], F_SETPIPE_SZ, 1);
    printf("set 1 -> %d, fills %ld\n", size, fill(p[1]));
    r = fcntl(0, F_GETPIPE_SZ);
    printf("not a pipe %d EBADF=%d\n", r, errno == EBADF);
    return 0;
}
