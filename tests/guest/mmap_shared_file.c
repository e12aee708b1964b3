/* MAP_SHARED file mappings: writes through the mapping are seen by read(2)
 * at once, by a forked child, and by another process's own mapping;
 * write(2) is seen by the mapping; msync and munmap keep the data; a
 * read-only descriptor cannot be mapped shared and writable. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(int fd, off_t at, const char *what)
{
    char buf[16] = {0};
    pread(fd, buf, 15, at);
    printf("%-28s %s\n", what, buf);
}

int main(void)
{
    int fd = open("shared.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    ftruncate(fd, 8192);
    char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (a == MAP_FAILED)
        return 1;
    strcpy(a, "via mapping");
    show(fd, 0, "read after mapped write:");
    strcpy(a + 4096, "second page");
    fflush(stdout);
    if (fork() == 0) {
        int own = open("shared.dat", O_RDONLY);
        char *b = mmap(NULL, 4096, PROT_READ, MAP_SHARED, own, 4096);
        printf("%-28s %s\n", "other process's mapping:", b);
        fflush(stdout);
        _exit(0);
    }
    wait(NULL);
    pwrite(fd, "via pwrite", 11, 100);
    printf("%-28s %s\n", "mapping sees pwrite:", a + 100);

    pid_t pid = fork();
    if (pid == 0) {
        strcpy(a + 200, "from the child");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("%-28s %s\n", "parent mapping sees:", a + 200);
    show(fd, 200, "parent read sees:");

    int *counter = (int *)(a + 1000);
    for (int i = 0; i < 3; i++) {
        if (fork() == 0) {
            __atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
            _exit(0);
        }
        wait(NULL);
    }
    printf("%-28s %d\n", "counter after 3 children:", *counter);

    printf("msync: %d\n", msync(a, 8192, MS_SYNC));
    int bad = msync(a, 4096, MS_SYNC | MS_ASYNC);
    printf("msync bad flags: %d %s\n", bad, strerror(errno));
    strcpy(a + 300, "before munmap");
    munmap(a, 8192);
    close(fd);

    fd = open("shared.dat", O_RDONLY);
    show(fd, 300, "after munmap and close:");
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("rdonly fd shared writable: %s\n", p == MAP_FAILED ? strerror(errno) : "mapped");
    p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    printf("rdonly fd shared readable: %s\n", p == MAP_FAILED ? strerror(errno) : "mapped");
    printf("size %ld\n", (long)lseek(fd, 0, SEEK_END));
    return 0;
}
