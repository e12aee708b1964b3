/* Memory mapping details: munmap in the middle of a mapping splits it, mprotect on
 * part of a range, madvise(MADV_DONTNEED) zero-fills anonymous pages and re-reads
 * private file pages, mremap grow/move,
 * MAP_FIXED_NOREPLACE. (Shared writable file mappings come with the page cache.) */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <setjmp.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile int probing;

/* Only faults inside a probe are expected; any other one kills the process as usual
 * (jumping to a stale buffer would loop forever). */
static void on_segv(int sig)
{
    if (probing)
        siglongjmp(env, 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int readable(volatile char *p)
{
    probing = 1;
    int ok = 0;
    if (sigsetjmp(env, 1) == 0) {
        (void)*p;
        ok = 1;
    }
    probing = 0;
    return ok;
}

static int writable(volatile char *p)
{
    probing = 1;
    int ok = 0;
    if (sigsetjmp(env, 1) == 0) {
        *p = *p;
        ok = 1;
    }
    probing = 0;
    return ok;
}

int main(void)
{
    signal(SIGSEGV, on_segv);
    const long pg = 4096;
    char *m = mmap(NULL, 6 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 0x11, 6 * pg);
    printf("munmap middle %d\n", munmap(m + 2 * pg, pg));
    mprotect(m + 4 * pg, pg, PROT_READ);
    for (int i = 0; i < 6; i++)
        printf("page %d: r=%d w=%d\n", i, readable(m + i * pg), writable(m + i * pg));
    madvise(m, pg, MADV_DONTNEED);
    printf("after DONTNEED first byte %d, page 1 byte %d\n", m[0], m[pg]);

    char *r = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(r, "survives mremap");
    char *r2 = mremap(r, pg, 64 * pg, MREMAP_MAYMOVE);
    if (r2 == MAP_FAILED) {
        printf("mremap failed\n");
        return 1;
    }
    printf("mremap content '%s' tail zero %d\n", r2, r2[63 * pg] == 0);
    char *hint = mmap(r2, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE over existing fails %d\n", hint == MAP_FAILED);

    int fd = open("private.bin", O_CREAT | O_TRUNC | O_RDWR, 0644);
    write(fd, "file bytes", 10);
    char *f = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    unlink("private.bin");
    strcpy(f, "changed!!!");
    f[100] = 1; /* past the end of the file, in its last page */
    madvise(f, pg, MADV_DONTNEED);
    printf("private file page after DONTNEED '%.10s', past EOF %d\n", f, f[100]);
    printf("PROT_NONE mmap readable %d\n",
           readable(mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    return 0;
}
