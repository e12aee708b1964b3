/* POSIX record locks: F_SETLK/F_SETLKW/F_GETLK and the 64-bit forms
   (struct flock64), byte ranges split and merged, whence relative to the
   offset and end, conflicts between processes, a waiter in F_SETLKW,
   release when the owner closes any descriptor of the file, lockf, and
   bad arguments. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define F "fcntl_lock.tmp"

static int lk(int fd, int cmd, short type, short whence, long start, long len) {
    struct flock l = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
    int r = fcntl(fd, cmd, &l);
    return r == 0 ? 0 : -errno;
}

/* Asks (from a child) what conflicts with a write lock of [start, start+len). */
static void probe(int fd, long start, long len) {
    struct flock64 l = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    fcntl(fd, F_GETLK64, &l);
    if (l.l_type == F_UNLCK)
        printf("  [%ld,+%ld): free\n", start, len);
    else
        printf("  [%ld,+%ld): %s lock [%lld,+%lld) by parent %d\n", start, len,
               l.l_type == F_WRLCK ? "write" : "read", (long long)l.l_start,
               (long long)l.l_len, l.l_pid == getppid());
}

static void from_child(int fd, void (*f)(int)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        f(fd);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
}

static void probes(int fd) {
    probe(fd, 0, 10);
    probe(fd, 10, 10);
    probe(fd, 25, 5);
    probe(fd, 50, 0);
    printf("  child setlk on [0,10): %d\n", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10));
    printf("  child setlk on [30,40): %d\n", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 30, 10));
}

int main(void) {
    int fd = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "0123456789012345678901234567890123456789", 40);
    printf("write lock [0,40): %d\n", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 40));
    printf("unlock [10,20): %d\n", lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 10, 10));
    printf("read lock [12,18): %d\n", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 12, 6));
    lseek(fd, 20, SEEK_SET);
    printf("unlock from offset +5 len 5: %d\n", lk(fd, F_SETLK, F_UNLCK, SEEK_CUR, 5, 5));
    printf("write lock from end -40 len 0 (to EOF) at 100: %d\n",
           lk(fd, F_SETLK, F_WRLCK, SEEK_END, 60, 0));
    from_child(fd, probes);

    /* Closing any descriptor of the file drops the process's locks. */
    int other = open(F, O_RDONLY);
    close(other);
    printf("after closing another fd:\n");
    from_child(fd, probes);

    /* A waiter blocks in F_SETLKW until the holder exits. */
    lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
    int sync[2];
    pipe(sync);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int r = lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
        printf("child F_SETLK busy: %d\n", r == -EAGAIN || r == -EACCES);
        fflush(stdout);
        write(sync[1], "", 1);
        r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
        printf("child F_SETLKW: %d\n", r);
        fflush(stdout);
        _exit(0);
    }
    char token;
    read(sync[0], &token, 1);
    usleep(20000);
    printf("parent releases\n");
    fflush(stdout);
    lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
    waitpid(pid, NULL, 0);

    printf("lockf: %d\n", lockf(fd, F_TLOCK, 5));
    printf("bad type: %d\n", lk(fd, F_SETLK, 7, SEEK_SET, 0, 1));
    printf("bad whence: %d\n", lk(fd, F_SETLK, F_RDLCK, 9, 0, 1));
    printf("negative start: %d\n", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, -5, 1));
    printf("negative len: %d\n", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 5, -3));
    int ro = open(F, O_RDONLY);
    printf("write lock on read-only fd: %d\n", lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    unlink(F);
    return 0;
}
