/* Deterministic i386 system-call fuzzer (DESIGN rule 3: no guest makes the
 * engine panic). Usage: syscalls SEED [CALLS]
 *
 * Calls random numbers in 0..=460 through raw `int $0x80` with arguments
 * drawn from a pool of interesting values. Every value in the pool is safe
 * to use as a pointer: it is small, negative (above the user address
 * space), or points into memory this program owns for the purpose (a
 * scratch area with a guard page, a read-only page, an unmapped page, a
 * sacrificial region). The scratch area itself is filled with pool values,
 * so structures the kernel reads from it (iovecs, msghdrs, sigactions) only
 * hold safe pointers too.
 *
 * Calls that would end or disturb the run, or touch the host when run
 * natively as root, are skipped or have their arguments tamed (see
 * `tame`). A blocking call is ended by an ITIMER_REAL armed around every
 * call, whose SIGALRM handler is installed without SA_RESTART, so the call
 * fails with EINTR. Prints only "calls N" on its saved stdout at the end.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#define PAGE 4096
#define SCRATCH_PAGES 16
#define SAC_PAGES 16
#define SAVED_FD 99
#define MAX_NR 460

static unsigned int rng;
static char *scratch, *ro, *unmapped, *sac;
static long pathv[10];
static int npaths;

static unsigned int next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static unsigned int below(unsigned int n) { return next() % n; }

/* The raw system call: %ebp carries the sixth argument, so it is saved by hand. */
static long raw(long nr, const long *a)
{
    long v[7] = {a[0], a[1], a[2], a[3], a[4], a[5], nr};
    long *p = v;
    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "mov 0(%%eax), %%ebx\n\t"
                     "mov 4(%%eax), %%ecx\n\t"
                     "mov 8(%%eax), %%edx\n\t"
                     "mov 12(%%eax), %%esi\n\t"
                     "mov 16(%%eax), %%edi\n\t"
                     "mov 20(%%eax), %%ebp\n\t"
                     "mov 24(%%eax), %%eax\n\t"
                     "int $0x80\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp"
                     : "+a"(p)
                     :
                     : "ecx", "edx", "esi", "edi", "memory", "cc");
    return (long)p;
}

/* A value that is harmless whatever the kernel takes it for. */
static long pool(void)
{
    static const long fixed[] = {0, 1, 2, 3, -1, -2, -100 /* AT_FDCWD */, 4095, 4096, 65536,
                                 0x7fffffff, (long)0x80000000, (long)0xfffff000, -4096, 0x40000000};
    switch (below(10)) {
    case 0: return fixed[below(sizeof fixed / sizeof fixed[0])];
    case 1: return below(21);                                   /* small ints, fds */
    case 2: return (long)(scratch + below(SCRATCH_PAGES * PAGE)); /* valid, writable */
    case 3: return (long)(scratch + SCRATCH_PAGES * PAGE - 1 - below(8)); /* at the guard */
    case 4: return pathv[below(npaths)];
    case 5: return below(2) ? (long)ro : (long)&pool;           /* read-only */
    case 6: return (long)unmapped + below(PAGE);
    case 7: return next() & 0x07ffffff;                         /* flag bits, low addresses */
    case 8: return below(2) ? 1L << below(32) : (long)(sac + below(SAC_PAGES * PAGE));
    default: return -(long)below(4096) - 1;                     /* errno-like, beyond user space */
    }
}

static void fill_scratch(void)
{
    /* Paths live in the last page; a few variants, one running into the guard. */
    static const char *names[] = {"fz_a", "fz_d", "fz_d/fz_c", "/tmp/fz_b", "/proc/self/maps",
                                  "", "fz_l", "/nonexistent/x"};
    char *p = scratch + (SCRATCH_PAGES - 1) * PAGE;
    npaths = 0;
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        strcpy(p, names[i]);
        pathv[npaths++] = (long)p;
        p += strlen(names[i]) + 1;
    }
    /* A name longer than PATH_MAX, and one without a terminating NUL. */
    memset(p, 'a', 1200);
    p[1200] = 0;
    pathv[npaths++] = (long)p;
    char *end = scratch + SCRATCH_PAGES * PAGE;
    memset(end - 16, 'b', 16);
    pathv[npaths++] = (long)(end - 16);
    /* The other pages hold pool values (which may point at the paths). */
    long *w = (long *)scratch;
    for (unsigned i = 0; i < (SCRATCH_PAGES - 1) * PAGE / sizeof(long); i++)
        w[i] = pool();
}

/* An address inside the sacrificial region, and a length that stays inside it or wraps. */
static long sac_addr(void) { return (long)(sac + below(SAC_PAGES) * PAGE + (below(8) == 0)); }

static long sac_len(long addr)
{
    long room = (long)(sac + SAC_PAGES * PAGE) - addr;
    switch (below(6)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return (long)0xfffff000;
    case 3: return -1;
    default: return room > 0 ? below(room + 1) : 0;
    }
}

static void restore_sac(void)
{
    mmap(sac, SAC_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

static int harmless_signal(void)
{
    static const int s[] = {0, SIGWINCH, SIGURG, 65, -1, 1000};
    return s[below(sizeof s / sizeof s[0])];
}

static void on_alarm(int sig) { (void)sig; }

/* A sigaction for the fuzzer's handled signals: handler, flags, restorer, mask. */
static long act[5];

/* Adjusts the arguments of call `nr`; returns 0 to skip the call altogether. */
static int tame(long nr, long *a)
{
    switch (nr) {
    /* End or replace the process, or change how it runs. */
    case 1: case 29: case 72: case 119: case 136:
    case 173: case 179: case 190: case 243: case 252: case 113: case 166: case 123:
    case 354: case 384: case 435:
    /* Timers the fuzzer itself relies on, and limits that raise SIGXFSZ/SIGKILL. */
    case 27: case 104: case 259:
    /* Host state when run natively as root. */
    case 21: case 22: case 25: case 26: case 36: case 51: case 52: case 61: case 74: case 79:
    case 86: case 87: case 88: case 97: case 101: case 103: case 110: case 111: case 115:
    case 117: case 121: case 124: case 128: case 129: case 131: case 154: case 156: case 169:
    case 217: case 241: case 264: case 283: case 286: case 287: case 288: case 289: case 294:
    case 310: case 317: case 335: case 336: case 343: case 346: case 348: case 350: case 351:
    case 357: case 404: case 405: case 424: case 440:
    /* old_mmap and socketcall read their arguments from memory, out of our control. */
    case 90: case 102:
    /* System V IPC objects outlive the process. */
    case 393: case 394: case 395: case 396: case 397: case 398: case 399: case 400: case 401:
    case 402:
        return 0;
    case 75: case 340: { /* setrlimit, prlimit64: limits that cannot kill or starve us */
        static const long res[] = {1 /* FSIZE: SIGXFSZ is ignored */, 2, 4, 5, 6, 7, 8, 10,
                                   11, 12, 13, 14, 16, 100, -1};
        long r = res[below(sizeof res / sizeof res[0])];
        if (nr == 75) {
            a[0] = r;
        } else {
            a[0] = below(3) == 0 ? 999999 : below(2) ? 0 : getpid();
            a[1] = r;
        }
        return 1;
    }
    case 172: { /* prctl: names, dumpability and no_new_privs only */
        static const long opt[] = {3, 4, 15, 16, 38, 39, 0, 9999};
        a[0] = opt[below(sizeof opt / sizeof opt[0])];
        return 1;
    }
    case 11: case 358: { /* execve, execveat: only names that cannot be executed */
        static const int bad[] = {4 /* /proc/self/maps */, 5 /* "" */, 7, 8, 9};
        long path;
        switch (below(4)) {
        case 0: path = 0; break;
        case 1: path = (long)unmapped; break;
        case 2: path = (long)ro; break;
        default: path = pathv[bad[below(sizeof bad / sizeof bad[0])]];
        }
        if (nr == 11) {
            a[0] = path;
        } else {
            a[1] = path;
            a[4] &= ~0x1000L; /* no AT_EMPTY_PATH: the descriptor could be a file we wrote */
        }
        return 1;
    }
    case 6: /* close */
        return a[0] > 2 && a[0] != SAVED_FD;
    case 63: case 330: /* dup2, dup3 */
        return a[1] > 2 && a[1] != SAVED_FD;
    case 436: /* close_range */
        a[0] = SAVED_FD + 1 + below(4);
        return 1;
    case 37: /* kill */
        a[0] = below(2) ? getpid() : 999999;
        a[1] = harmless_signal();
        return 1;
    case 238: /* tkill */
        a[0] = below(2) ? getpid() : 999999;
        a[1] = harmless_signal();
        return 1;
    case 270: /* tgkill */
        a[0] = getpid();
        a[1] = below(2) ? getpid() : 999999;
        a[2] = harmless_signal();
        return 1;
    case 178: /* rt_sigqueueinfo */
        a[0] = getpid();
        a[1] = harmless_signal();
        return 1;
    case 48: case 67: case 174: { /* signal, sigaction, rt_sigaction */
        static const int s[] = {0, -1, 65, 64, SIGKILL, SIGSTOP, SIGUSR1, SIGUSR2, 1000};
        if (below(2)) {
            a[0] = s[below(sizeof s / sizeof s[0])];
            return 1;
        }
        /* A real handler, or ignore/default, for the signals `harmless_signal` sends. */
        static const int sent[] = {SIGWINCH, SIGURG, SIGCHLD};
        static const long flags[] = {0, SA_RESTART, SA_SIGINFO, SA_NODEFER, SA_RESETHAND,
                                     SA_NOCLDSTOP | SA_NOCLDWAIT};
        const long handler[] = {(long)SIG_DFL, (long)SIG_IGN, (long)on_alarm};
        a[0] = sent[below(3)];
        act[0] = handler[below(3)];
        act[1] = flags[below(6)] | flags[below(6)];
        act[2] = 0; /* no restorer: the kernel provides one */
        act[3] = act[4] = 0;
        a[1] = nr == 48 ? act[0] : (long)act;
        return 1;
    }
    case 14: case 297: /* mknod, mknodat: no device nodes */
        a[nr == 14 ? 1 : 2] = (below(2) ? 0010000 : 0100000) | (a[nr == 14 ? 1 : 2] & 0777);
        return 1;
    case 54: { /* ioctl: terminal and descriptor requests only */
        static const long req[] = {0x5401, 0x5402, 0x5403, 0x5404, 0x540F, 0x5410, 0x5413,
                                   0x5414, 0x541B, 0x5421, 0x5450, 0x5451, 0x5429, 0, -1};
        a[1] = req[below(sizeof req / sizeof req[0])];
        return 1;
    }
    case 55: case 221: /* fcntl, fcntl64: no SIGIO owners */
        if (a[1] == 8 || a[1] == 10 || a[1] == 15)
            a[1] = 3;
        return 1;
    case 324: /* fallocate: keep real allocations small */
        a[4] &= 0xfffff;
        return 1;
    case 359: { /* socket: no netlink or packet sockets */
        static const long dom[] = {1, 2, 10, 0, -1, 999};
        a[0] = dom[below(sizeof dom / sizeof dom[0])];
        return 1;
    }
    case 45: /* brk: query, nonsense, or a little growth */
        switch (below(4)) {
        case 0: a[0] = 0; break;
        case 1: a[0] = -1; break;
        case 2: a[0] = 1; break;
        default: a[0] = (long)sbrk(0) + below(3 * PAGE);
        }
        return 1;
    case 192: /* mmap2: MAP_FIXED only in the sacrificial region */
        if (a[3] & (0x10 | 0x100000)) {
            a[0] = sac_addr();
            a[1] = sac_len(a[0]);
        }
        return 1;
    case 91: case 125: case 219: case 257: case 380: case 274: /* munmap mprotect madvise ... */
        a[0] = sac_addr();
        a[1] = sac_len(a[0]);
        return 1;
    case 163: /* mremap: both ends in the sacrificial region */
        a[0] = sac_addr();
        a[1] = sac_len(a[0]);
        a[3] &= 3;
        a[4] = sac_addr();
        a[2] = sac_len(a[4]); /* MREMAP_FIXED replaces the whole new range */
        return 1;
    /* Calls that take a signal mask to wait with: keep SIGALRM deliverable. */
    case 308: case 413: /* pselect6 */
        a[5] = 0;
        return 1;
    case 309: case 414: /* ppoll */
        a[3] = 0;
        return 1;
    case 319: case 441: case 426: /* epoll_pwait, epoll_pwait2, io_uring_enter */
        a[4] = 0;
        return 1;
    }
    return 1;
}

/* fork or clone: the child ends itself with exit(0) right after the call,
 * touching neither memory nor the stack, so any stack pointer and sharing
 * flags are safe (threads, CLONE_VM, CLONE_VFORK, a garbage CLONE_SETTLS). */
static long fork_exit(long nr, const long *a)
{
    long p = (long)a;
    __asm__ volatile("push %%ebx\n\t"
                     "mov 4(%%eax), %%ecx\n\t"
                     "mov 8(%%eax), %%edx\n\t"
                     "mov 12(%%eax), %%esi\n\t"
                     "mov 16(%%eax), %%edi\n\t"
                     "mov 0(%%eax), %%ebx\n\t"
                     "mov 20(%%eax), %%eax\n\t"
                     "int $0x80\n\t"
                     "test %%eax, %%eax\n\t"
                     "jnz 1f\n\t"
                     "mov $1, %%eax\n\t"
                     "xor %%ebx, %%ebx\n\t"
                     "int $0x80\n"
                     "1:\n\t"
                     "pop %%ebx"
                     : "+a"(p)
                     :
                     : "ecx", "edx", "esi", "edi", "memory", "cc");
    return p;
}

/* Makes a child with random flags and an exit signal that is harmless or no
 * signal at all (clone accepts any byte), then reaps whatever it made. */
static void fork_and_reap(long nr, long *a)
{
    static const long sigs[] = {0, SIGCHLD, SIGWINCH, 65, 100, 255};
    /* Every clone flag but the namespaces, which touch the host when native. */
    const long allowed = (long)0x80fdff00 & ~0x7e020000L;
    a[0] = sigs[below(sizeof sigs / sizeof sigs[0])] | (pool() & allowed);
    a[5] = nr;
    fork_exit(nr, a);
    long w[6] = {-1, 0, 0x40000000 /* __WALL */, 0, 0, 0};
    while (raw(114, w) > 0)
        ;
}


int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    rng = (unsigned)strtoul(argv[1], 0, 0) * 2654435761u + 1;
    long calls = argc > 2 ? strtol(argv[2], 0, 0) : 3000;

    /* Keep stdout for the final line; the fuzzed calls see /dev/null on 0-2. */
    dup2(1, SAVED_FD);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    close(null);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGTTOU, SIG_IGN);
    signal(SIGTTIN, SIG_IGN);

    scratch = mmap(0, (SCRATCH_PAGES + 1) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro = mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unmapped = mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sac = mmap(0, SAC_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (scratch == MAP_FAILED || ro == MAP_FAILED || unmapped == MAP_FAILED || sac == MAP_FAILED)
        return 3;
    mprotect(scratch + SCRATCH_PAGES * PAGE, PAGE, PROT_NONE);
    munmap(unmapped, PAGE);

    struct itimerval arm = {{0, 0}, {0, 20000}}, disarm = {{0, 0}, {0, 0}};
    sigset_t none;
    sigemptyset(&none);
    long made = 0;
    for (long i = 0; i < calls; i++) {
        if (i % 64 == 0) {
            fill_scratch();
            restore_sac();
        }
        long nr = below(MAX_NR + 1);
        long a[6];
        for (int j = 0; j < 6; j++)
            a[j] = pool();
        if (nr == 2 || nr == 120) {
            fork_and_reap(nr, a);
            made++;
            continue;
        }
        if (!tame(nr, a))
            continue;
        setitimer(ITIMER_REAL, &arm, 0);
        raw(nr, a);
        setitimer(ITIMER_REAL, &disarm, 0);
        sigprocmask(SIG_SETMASK, &none, 0);
        made++;
    }
    char line[32];
    int n = snprintf(line, sizeof line, "calls %ld\n", made);
    write(SAVED_FD, line, n);
    return 0;
}
