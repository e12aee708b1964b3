/* mmap: anonymous private/shared mappings across fork, file-backed private mapping
 * (copy on write, file unchanged), MAP_FIXED, mprotect, munmap, brk/sbrk growth. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    printf("page size %ld\n", pg);
    char *anon = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int zero = 1;
    for (long i = 0; i < 3 * pg; i++)
        zero &= anon[i] == 0;
    printf("anon zeroed %d aligned %d\n", zero, ((uintptr_t)anon & (uintptr_t)(pg - 1)) == 0);
    strcpy(anon + pg, "private data");
    int *shared = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    shared[0] = 1;
    pid_t p = fork();
    if (p == 0) {
        strcpy(anon + pg, "child changed");
        shared[0] = 99;
        _exit(0);
    }
    waitpid(p, NULL, 0);
    printf("after fork: private '%s' shared %d\n", anon + pg, shared[0]);

    int fd = open("mapped.bin", O_CREAT | O_TRUNC | O_RDWR, 0644);
    for (int i = 0; i < 3000; i++) {
        char line[16];
        int n = snprintf(line, sizeof line, "%04d\n", i);
        write(fd, line, (size_t)n);
    }
    char *fm = mmap(NULL, 15000, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("file map: %.14s\n", fm + 5 * 2000);
    printf("tail of last page is zero: %d\n", fm[15000] == 0 && fm[4 * pg - 1] == 0);
    fm[0] = 'X';
    char first;
    pread(fd, &first, 1, 0);
    printf("private write not in file: %c %c\n", fm[0], first);
    char *off = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, pg);
    printf("offset map starts: %.4s\n", off);
    munmap(off, pg);
    munmap(fm, 15000);
    close(fd);
    unlink("mapped.bin");

    char *fixed = mmap(anon + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED same addr %d cleared %d\n", fixed == anon + pg, fixed[0] == 0);
    int prot = mprotect(anon, pg, PROT_READ);
    printf("mprotect %d munmap %d\n", prot, munmap(anon, 3 * pg));
    printf("munmap unaligned %d\n", munmap(anon + 1, pg));
    printf("mmap bad fd %d\n", mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 1000, 0) == MAP_FAILED);

    char *b0 = sbrk(0);
    char *b1 = sbrk(100000);
    memset(b1, 7, 100000);
    char *b2 = sbrk(0);
    printf("sbrk grew by %ld, old end returned %d\n", (long)(b2 - b0), b1 == b0);
    sbrk(-50000);
    printf("sbrk shrink %ld\n", (long)((char *)sbrk(0) - b0));
    char *big = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long touched = 0;
    for (long i = 0; i < (64 << 20); i += 1 << 20) {
        big[i] = 1;
        touched += big[i];
    }
    printf("64MiB mapping touched %ld\n", touched);
    munmap(big, 64 << 20);
    return 0;
}
