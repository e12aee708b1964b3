/* /proc/self: stat, status, statm, maps, cmdline, environ, task/, fd/ and
 * limits agree with what the process knows about itself. Only consistency
 * is printed (ids, addresses and sizes differ between runs). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

extern char **environ;

static char buf[65536];

/* Reads a whole file into buf; returns its length or -1. */
static int slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

/* The value after "Key:\t" in status, as a long (first number). */
static long status_num(const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\n%s:", key);
    char *p = strstr(buf, pat);
    return p ? strtol(p + strlen(pat), NULL, 0) : -999;
}

static unsigned long long status_hex(const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\n%s:", key);
    char *p = strstr(buf, pat);
    return p ? strtoull(p + strlen(pat), NULL, 16) : 0;
}

/* The program's name as the kernel shows it: at most 15 bytes. */
static char prog[16];

static void on_hup(int sig) { (void)sig; }

static void check_stat(void) {
    slurp("/proc/self/stat");
    int pid, ppid, pgrp, session, tty, tpgid;
    char comm[64], state;
    int n = sscanf(buf, "%d (%63[^)]) %c %d %d %d %d %d", &pid, comm, &state, &ppid, &pgrp,
                   &session, &tty, &tpgid);
    printf("stat: parsed %d, pid %d, ppid %d, pgrp %d, session %d, state %c\n", n,
           pid == getpid(), ppid == getppid(), pgrp == getpgrp(), session == getsid(0), state);
    printf("stat: comm is the program name %d\n", strcmp(comm, prog) == 0);
    int fields = 0;
    for (char *p = strrchr(buf, ')') + 1; *p; p++)
        if (*p == ' ')
            fields++;
    printf("stat: fields %d\n", fields + 2);
}

static void check_status(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGHUP, on_hup);
    mode_t old = umask(027);
    slurp("/proc/self/status");
    char name[32];
    snprintf(name, sizeof name, "Name:\t%s\n", prog);
    printf("status: Name %d\n", strncmp(buf, name, strlen(name)) == 0);
    printf("status: Pid %d Tgid %d PPid %d Threads %ld\n", status_num("Pid") == getpid(),
           status_num("Tgid") == getpid(), status_num("PPid") == getppid(), status_num("Threads"));
    printf("status: Umask %04lo\n", status_num("Umask"));
    unsigned r, e, s, f;
    char *u = strstr(buf, "\nUid:");
    sscanf(u, "\nUid:\t%u\t%u\t%u\t%u", &r, &e, &s, &f);
    printf("status: Uid %d %d %d %d\n", r == getuid(), e == geteuid(), s == geteuid(), f == geteuid());
    char *g = strstr(buf, "\nGid:");
    sscanf(g, "\nGid:\t%u\t%u\t%u\t%u", &r, &e, &s, &f);
    printf("status: Gid %d %d\n", r == getgid(), e == getegid());
    printf("status: SigBlk USR1 %d, SigIgn USR2 %d, SigCgt HUP %d\n",
           (int)(status_hex("SigBlk") >> (SIGUSR1 - 1) & 1),
           (int)(status_hex("SigIgn") >> (SIGUSR2 - 1) & 1),
           (int)(status_hex("SigCgt") >> (SIGHUP - 1) & 1));
    long size = status_num("VmSize"), rss = status_num("VmRSS"), stk = status_num("VmStk");
    printf("status: VmSize > VmRSS > 0 %d, VmStk > 0 %d, VmPeak >= VmSize %d\n",
           size > rss && rss > 0, stk > 0, status_num("VmPeak") >= size);
    umask(old);
    sigprocmask(SIG_UNBLOCK, &set, NULL);

    /* statm counts the same memory in pages. */
    slurp("/proc/self/statm");
    unsigned long pages, resident;
    sscanf(buf, "%lu %lu", &pages, &resident);
    printf("statm: size matches VmSize %d\n", pages * 4 == (unsigned long)size);
}

/* Whether address a lies in a maps line whose name ends with `name` and
 * whose permissions start with `perms`. */
static int mapped_in(unsigned long a, const char *perms, const char *name) {
    char *line = buf;
    while (*line) {
        char *end = strchr(line, '\n');
        *end = 0;
        unsigned long lo, hi;
        char p[5];
        sscanf(line, "%lx-%lx %4s", &lo, &hi, p);
        size_t ln = strlen(line), nn = strlen(name);
        int named = ln >= nn && strcmp(line + ln - nn, name) == 0;
        *end = '\n';
        if (a >= lo && a < hi)
            return named && strncmp(p, perms, strlen(perms)) == 0;
        line = end + 1;
    }
    return 0;
}

static void check_maps(void) {
    int local = 0;
    char *heap = malloc(100);
    int fd = open("mapped", O_RDWR | O_CREAT, 0644);
    write(fd, "hello", 5);
    char *file = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    struct stat st;
    fstat(fd, &st);
    char cwd[512], path[600];
    getcwd(cwd, sizeof cwd);
    snprintf(path, sizeof path, "%s/mapped", cwd);
    slurp("/proc/self/maps");
    printf("maps: stack var in [stack] %d\n", mapped_in((unsigned long)&local, "rw-p", "[stack]"));
    printf("maps: malloc in [heap] %d\n", mapped_in((unsigned long)heap, "rw-p", "[heap]"));
    printf("maps: code executable %d\n", mapped_in((unsigned long)&check_maps, "r-x", ""));
    printf("maps: file mapping named %d\n", mapped_in((unsigned long)file, "r--p", path));
    /* The file line carries its inode. */
    char ino[32];
    snprintf(ino, sizeof ino, " %lu ", (unsigned long)st.st_ino);
    char *line = strstr(buf, path);
    while (line > buf && line[-1] != '\n')
        line--;
    printf("maps: file inode %d\n", line && strstr(line, ino) && strstr(line, ino) < strstr(line, path));
    /* Lines are sorted and well formed. */
    unsigned long prev = 0, lo, hi, off, inode;
    char perms[5], dev[16];
    int ok = 1, lines = 0;
    for (char *l = buf; *l; l = strchr(l, '\n') + 1) {
        if (sscanf(l, "%lx-%lx %4s %lx %15s %lu", &lo, &hi, perms, &off, dev, &inode) != 6 || lo < prev ||
            hi <= lo || strlen(perms) != 4)
            ok = 0;
        prev = hi;
        lines++;
    }
    printf("maps: well formed %d, several lines %d\n", ok, lines > 4);
    munmap(file, 4096);
    close(fd);
    free(heap);
}

static void check_args(int argc, char **argv) {
    int n = slurp("/proc/self/cmdline"), at = 0, same = 1;
    for (int i = 0; i < argc; i++) {
        same &= strcmp(buf + at, argv[i]) == 0;
        at += strlen(argv[i]) + 1;
    }
    printf("cmdline: argv %d, length %d\n", same, n == at);
    n = slurp("/proc/self/environ");
    at = 0;
    same = 1;
    for (char **e = environ; *e; e++) {
        same &= strcmp(buf + at, *e) == 0;
        at += strlen(*e) + 1;
    }
    printf("environ: envp %d, length %d\n", same, n == at);
}

static int count_dir(const char *path, const char *want) {
    DIR *d = opendir(path);
    int n = 0, found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        n++;
        found |= strcmp(e->d_name, want) == 0;
    }
    closedir(d);
    return found ? n : -n;
}

static void check_dirs(void) {
    char me[16], path[64];
    snprintf(me, sizeof me, "%d", getpid());
    printf("task: one thread, named by pid %d\n", count_dir("/proc/self/task", me) == 1);
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", getpid());
    slurp(path);
    printf("task: stat pid %d\n", atoi(buf) == getpid());
    int fd = open("/dev/null", O_RDONLY);
    char fdname[16];
    snprintf(fdname, sizeof fdname, "%d", fd);
    printf("fd: lists new descriptor %d\n", count_dir("/proc/self/fd", fdname) > 0);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    char target[64] = {0};
    readlink(path, target, sizeof target - 1);
    printf("fd: link %s\n", target);
    close(fd);
    char root[64] = {0};
    readlink("/proc/self/root", root, sizeof root - 1);
    printf("root: %s\n", root);
    char cwd[512], cwdlink[512] = {0};
    getcwd(cwd, sizeof cwd);
    readlink("/proc/self/cwd", cwdlink, sizeof cwdlink - 1);
    printf("cwd: matches %d\n", strcmp(cwd, cwdlink) == 0);
}

static void check_limits(void) {
    struct rlimit nofile, stack;
    getrlimit(RLIMIT_NOFILE, &nofile);
    getrlimit(RLIMIT_STACK, &stack);
    slurp("/proc/self/limits");
    printf("limits: header %d\n", strncmp(buf, "Limit                     Soft Limit", 36) == 0);
    char *l = strstr(buf, "\nMax open files");
    unsigned long soft = strtoul(l + 26, NULL, 10);
    printf("limits: open files %d\n", soft == nofile.rlim_cur);
    l = strstr(buf, "\nMax stack size");
    int ok = stack.rlim_cur == RLIM_INFINITY ? strncmp(l + 27, "unlimited", 9) == 0
                                             : strtoul(l + 27, NULL, 10) == stack.rlim_cur;
    printf("limits: stack size %d\n", ok);
}

int main(int argc, char **argv) {
    char *base = strrchr(argv[0], '/');
    snprintf(prog, sizeof prog, "%s", base ? base + 1 : argv[0]);
    check_stat();
    check_status();
    check_maps();
    check_args(argc, argv);
    check_dirs();
    check_limits();
    return 0;
}
