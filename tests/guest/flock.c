/* flock: shared and exclusive locks between processes and between open
   file descriptions, LOCK_NB, conversion, release at the last close of a
   description (not at close of a dup), and a waiter woken by the unlock. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#define F "flock.tmp"

static int try(int fd, int op) {
    int r = flock(fd, op | LOCK_NB);
    return r == 0 ? 0 : errno == EWOULDBLOCK ? 1 : -errno;
}

int main(void) {
    int a = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);
    int b = open(F, O_RDONLY);
    printf("a shared %d\n", try(a, LOCK_SH));
    printf("b shared %d\n", try(b, LOCK_SH));
    printf("b exclusive while a shares: busy %d\n", try(b, LOCK_EX));
    printf("a unlock %d\n", flock(a, LOCK_UN));
    printf("b exclusive %d\n", try(b, LOCK_EX));
    printf("a shared while b exclusive: busy %d\n", try(a, LOCK_SH));

    /* A dup shares the description: closing it keeps the lock. */
    int b2 = dup(b);
    close(b2);
    printf("after closing a dup: busy %d\n", try(a, LOCK_EX));
    close(b);
    printf("after last close: %d\n", try(a, LOCK_EX));
    printf("bad op %d\n", flock(a, 3) == -1 && errno == EINVAL);
    printf("obsolete LOCK_MAND ignored %d\n", flock(a, 32 | LOCK_EX));

    /* A child blocks on a shared lock until the parent unlocks. */
    int sync[2];
    pipe(sync);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int c = open(F, O_RDONLY);
        printf("child sees busy %d\n", try(c, LOCK_SH));
        fflush(stdout);
        write(sync[1], "", 1);
        flock(c, LOCK_SH); /* waits */
        printf("child got shared lock\n");
        fflush(stdout);
        _exit(0);
    }
    char token;
    read(sync[0], &token, 1);
    usleep(20000);
    printf("parent unlocks\n");
    fflush(stdout);
    flock(a, LOCK_UN);
    waitpid(pid, NULL, 0);

    /* The forked child inherits the description and so the lock. */
    flock(a, LOCK_EX);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        printf("child converts inherited lock %d\n", try(a, LOCK_SH));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    unlink(F);
    return 0;
}
