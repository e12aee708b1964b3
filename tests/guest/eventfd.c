/* eventfd: counter and semaphore modes, nonblocking reads, poll readiness,
   overflow refusal, wake-up of a child blocked in read, fstat and flags. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int readable(int fd) {
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    int n = poll(&p, 1, 0);
    return n == 1 ? p.revents : -1;
}

int main(void) {
    int fd = eventfd(3, EFD_NONBLOCK);
    uint64_t v = 0;
    printf("poll initial: %#x\n", readable(fd));
    ssize_t r = read(fd, &v, 8);
    printf("read %zd value %llu\n", r, (unsigned long long)v);
    r = read(fd, &v, 8);
    printf("empty read %zd errno EAGAIN=%d\n", r, errno == EAGAIN);
    printf("poll empty: %#x\n", readable(fd));
    r = read(fd, &v, 4);
    printf("short buffer read %zd EINVAL=%d\n", r, errno == EINVAL);
    v = 5;
    write(fd, &v, 8);
    v = 7;
    write(fd, &v, 8);
    read(fd, &v, 8);
    printf("sum %llu\n", (unsigned long long)v);
    v = UINT64_MAX;
    r = write(fd, &v, 8);
    printf("write max %zd EINVAL=%d\n", r, errno == EINVAL);
    v = UINT64_MAX - 1;
    write(fd, &v, 8);
    v = 1;
    r = write(fd, &v, 8);
    printf("overflow write %zd EAGAIN=%d\n", r, errno == EAGAIN);
    printf("poll full: %#x\n", readable(fd));
    close(fd);

    int sem = eventfd(2, EFD_SEMAPHORE | EFD_CLOEXEC);
    printf("cloexec %d nonblock %d\n", fcntl(sem, F_GETFD) & FD_CLOEXEC,
           !!(fcntl(sem, F_GETFL) & O_NONBLOCK));
    for (int i = 0; i < 2; i++) {
        read(sem, &v, 8);
        printf("semaphore read %llu\n", (unsigned long long)v);
    }
    struct stat st;
    fstat(sem, &st);
    printf("mode %o\n", st.st_mode);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        eventfd_t got;
        eventfd_read(sem, &got); /* blocks until the parent writes */
        printf("child woke with %llu\n", (unsigned long long)got);
        fflush(stdout);
        _exit(0);
    }
    usleep(20000);
    eventfd_write(sem, 1);
    int status;
    waitpid(pid, &status, 0);
    printf("child status %d\n", WEXITSTATUS(status));
    char link[64] = {0};
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", sem);
    readlink(path, link, sizeof link - 1);
    printf("link %s\n", link);
    return 0;
}
