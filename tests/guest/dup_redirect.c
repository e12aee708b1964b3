/* dup/dup2/fcntl: redirect stdout into a file and back, read it, close-on-exec flags,
 * shared file offsets between duplicated descriptors. Files live in the cwd. */
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>

int main(void)
{
    fflush(stdout);
    int saved = dup(1);
    int fd = open("dup_redirect.out", O_CREAT | O_TRUNC | O_RDWR, 0644);
    dup2(fd, 1);
    printf("this line goes to the file\n");
    printf("and this one too %d\n", 42);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    printf("back on the original stdout\n");

    char buf[200];
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("file has %zd bytes:\n%s", n, buf);

    int d = dup(fd);
    lseek(fd, 5, SEEK_SET);
    printf("dup shares offset: %ld\n", (long)lseek(d, 0, SEEK_CUR));
    printf("fd flags: cloexec=%d\n", fcntl(d, F_GETFD) & FD_CLOEXEC);
    fcntl(d, F_SETFD, FD_CLOEXEC);
    printf("after set: cloexec=%d\n", fcntl(d, F_GETFD) & FD_CLOEXEC);
    int e = fcntl(fd, F_DUPFD, 10);
    printf("F_DUPFD >= 10: %d\n", e >= 10);
    int c = fcntl(fd, F_DUPFD_CLOEXEC, 20);
    printf("F_DUPFD_CLOEXEC: %d %d\n", c >= 20, fcntl(c, F_GETFD) & FD_CLOEXEC);
    printf("status flags rdwr=%d\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    printf("dup2 same fd: %d\n", dup2(fd, fd) == fd);
    printf("dup2 bad fd: %d\n", dup2(1000, 5));
    close(fd);
    close(d);
    printf("closed twice: %d\n", close(fd));
    unlink("dup_redirect.out");
    fprintf(stderr, "stderr still works\n");
    return 0;
}
