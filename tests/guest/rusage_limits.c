/* CPU time accounting (getrusage, times, wait4's rusage, the CPU-time
 * clocks), sysinfo, nice values, and resource limits: RLIMIT_NOFILE
 * enforced on new descriptors, prlimit agreeing with getrlimit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned sink;

static void burn(void) {
    for (unsigned i = 0; i < 3000000; i++)
        sink += i;
}

static long long usec(struct timeval tv) { return tv.tv_sec * 1000000LL + tv.tv_usec; }

static long long cpu_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    long long before = cpu_ns(CLOCK_PROCESS_CPUTIME_ID), thread_before = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    burn();
    long long after = cpu_ns(CLOCK_PROCESS_CPUTIME_ID), thread_after = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    printf("cpu clocks advance: %d %d\n", after > before, thread_after > thread_before);

    struct rusage self, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_THREAD, &thread);
    printf("self: time > 0 %d, maxrss > 0 %d\n", usec(self.ru_utime) + usec(self.ru_stime) > 0,
           self.ru_maxrss > 0);
    printf("thread: time > 0 %d\n", usec(thread.ru_utime) + usec(thread.ru_stime) > 0);
    int bad = getrusage(5, &self);
    printf("bad who: %d %s\n", bad, strerror(errno));

    pid_t child = fork();
    if (child == 0) {
        burn();
        _exit(0);
    }
    struct rusage of_child, children;
    int status;
    wait4(child, &status, 0, &of_child);
    getrusage(RUSAGE_CHILDREN, &children);
    long long c = usec(of_child.ru_utime) + usec(of_child.ru_stime);
    printf("wait4: child time > 0 %d, children total >= it %d\n", c > 0,
           usec(children.ru_utime) + usec(children.ru_stime) >= c);
    struct tms t;
    clock_t elapsed = times(&t);
    printf("times: elapsed > 0 %d, children counted %d\n", elapsed > 0,
           t.tms_cutime + t.tms_cstime >= (clock_t)(c / 10000) - 1);

    struct sysinfo si;
    sysinfo(&si);
    printf("sysinfo: ram %d, free < total %d, procs %d\n", si.totalram > 0,
           si.freeram < si.totalram, si.procs >= 1);

    struct rlimit old, lim, got;
    getrlimit(RLIMIT_NOFILE, &old);
    prlimit(0, RLIMIT_NOFILE, NULL, &got);
    printf("prlimit matches getrlimit: %d\n", got.rlim_cur == old.rlim_cur && got.rlim_max == old.rlim_max);
    lim.rlim_cur = 8;
    lim.rlim_max = old.rlim_max;
    printf("setrlimit nofile 8: %d\n", setrlimit(RLIMIT_NOFILE, &lim));
    int last = -1, fd;
    while ((fd = open("/dev/null", O_RDONLY)) >= 0)
        last = fd;
    printf("opens stop at fd %d: %s\n", last, strerror(errno));
    int d = dup2(0, 8);
    printf("dup2 to 8: %d %s\n", d, strerror(errno));
    d = fcntl(0, F_DUPFD, 9);
    printf("F_DUPFD from 9: %d %s\n", d, strerror(errno));
    for (int i = 3; i <= last; i++)
        close(i);
    lim.rlim_cur = 16;
    lim.rlim_max = 4;
    int inverted = setrlimit(RLIMIT_NOFILE, &lim);
    printf("soft above hard: %d %s\n", inverted, strerror(errno));
    setrlimit(RLIMIT_NOFILE, &old);
    fd = open("/dev/null", O_RDONLY);
    printf("restored: fd %d\n", fd);
    setpriority(PRIO_PROCESS, 0, 7);
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    printf("nice: %d\n", nice);
    child = fork();
    if (child == 0)
        _exit(getpriority(PRIO_PROCESS, 0));
    waitpid(child, &status, 0);
    printf("nice inherited: %d\n", WEXITSTATUS(status));
    errno = 0;
    int none = getpriority(PRIO_PROCESS, 999999);
    printf("no such process: %d %s\n", none, strerror(errno));
    int bad_which = setpriority(7, 0, 0);
    printf("bad which: %d %s\n", bad_which, strerror(errno));
    struct rlimit stack;
    getrlimit(RLIMIT_STACK, &stack);
    printf("stack: soft <= hard %d\n", stack.rlim_cur <= stack.rlim_max);
    return 0;
}
