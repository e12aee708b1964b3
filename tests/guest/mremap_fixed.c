/* mremap: moving to a fixed address, moving a file-backed mapping (which
 * keeps its file: MADV_DONTNEED reads the file again), shrinking, and the
 * argument checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *a = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *spot = mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(a, "anonymous data");
    char *b = mremap(a, 2 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, spot + 2 * pg);
    printf("fixed move: %s, at the spot: %d\n", b == MAP_FAILED ? strerror(errno) : b,
           b == spot + 2 * pg);
    b[3 * pg] = 1; /* the grown part is mapped and writable */
    printf("old place unmapped: %d\n", msync(a, pg, MS_ASYNC) == -1 && errno == ENOMEM);

    errno = 0;
    void *r = mremap(b, pg, pg, MREMAP_FIXED, spot);
    printf("fixed without maymove: %s\n", r == MAP_FAILED ? strerror(errno) : "moved");
    r = mremap(b, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, b + pg);
    printf("overlapping fixed: %s\n", r == MAP_FAILED ? strerror(errno) : "moved");
    r = mremap(b + 1, pg, pg, 0);
    printf("unaligned: %s\n", r == MAP_FAILED ? strerror(errno) : "moved");

    char *s = mremap(b, 4 * pg, pg, 0);
    printf("shrink in place: %d, still reads: %s\n", s == b, s);

    int fd = open("mremap.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char page[4096];
    memset(page, 'f', sizeof page);
    for (int i = 0; i < 3; i++)
        write(fd, page, sizeof page);
    char *f = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    f[pg] = 'X';
    char *g = mremap(f, 3 * pg, 3 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, spot);
    printf("file mapping moved: %d, private change kept: %c\n", g == spot, g[pg]);
    madvise(g, 3 * pg, MADV_DONTNEED);
    printf("after MADV_DONTNEED the file shows again: %c%c\n", g[pg], g[2 * pg]);
    return 0;
}
