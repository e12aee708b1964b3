/* System-wide /proc files (stat, uptime, loadavg, meminfo, version,
 * filesystems, mounts, sys/kernel), /sys's CPU files, and /proc/<pid> of
 * another process (a child blocked on a pipe). Consistency only. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char buf[65536];

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

static long field(const char *key) {
    char *p = strstr(buf, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

int main(void) {
    slurp("/proc/stat");
    unsigned long long cpu[10];
    int n = sscanf(buf, "cpu  %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &cpu[0], &cpu[1],
                   &cpu[2], &cpu[3], &cpu[4], &cpu[5], &cpu[6], &cpu[7], &cpu[8], &cpu[9]);
    printf("stat: cpu fields %d, cpu0 line %d\n", n, strstr(buf, "\ncpu0 ") != NULL);
    long btime = field("\nbtime ");
    long processes = field("\nprocesses "), running_now = field("\nprocs_running ");
    printf("stat: processes %d, procs_running %d\n", processes >= 1, running_now >= 1);

    slurp("/proc/uptime");
    double up, idle;
    printf("uptime: parsed %d\n", sscanf(buf, "%lf %lf", &up, &idle));
    long now = time(NULL);
    printf("stat: btime + uptime is now %d\n", labs(btime + (long)up - now) <= 2);

    slurp("/proc/loadavg");
    double l1, l5, l15;
    int running, total, last;
    n = sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &running, &total, &last);
    printf("loadavg: parsed %d, running <= total %d\n", n, running >= 1 && running <= total);

    slurp("/proc/meminfo");
    long memtotal = field("MemTotal:"), memfree = field("MemFree:");
    struct sysinfo si;
    sysinfo(&si);
    printf("meminfo: free <= total %d, total matches sysinfo %d, available %d\n",
           memfree > 0 && memfree <= memtotal,
           (unsigned long long)si.totalram * si.mem_unit / 1024 == (unsigned long long)memtotal,
           strstr(buf, "\nMemAvailable:") != NULL);

    struct utsname u;
    uname(&u);
    slurp("/proc/version");
    printf("version: names release %d\n", strncmp(buf, "Linux version ", 14) == 0 && strstr(buf, u.release) != NULL);
    slurp("/proc/sys/kernel/ostype");
    printf("ostype: %s", buf);
    slurp("/proc/sys/kernel/osrelease");
    printf("osrelease: matches uname %d\n", strncmp(buf, u.release, strlen(u.release)) == 0);
    slurp("/proc/sys/kernel/hostname");
    printf("hostname: matches uname %d\n", strncmp(buf, u.nodename, strlen(u.nodename)) == 0);
    slurp("/proc/sys/kernel/pid_max");
    printf("pid_max: above pid %d\n", atol(buf) > getpid());
    slurp("/proc/filesystems");
    printf("filesystems: proc %d\n", strstr(buf, "\tproc\n") != NULL);
    slurp("/proc/self/mountinfo");
    printf("mountinfo: /proc %d\n", strstr(buf, " /proc ") != NULL && strstr(buf, " - proc ") != NULL);
    slurp("/proc/mounts");
    printf("mounts: /proc %d\n", strstr(buf, " /proc proc ") != NULL);

    int online = slurp("/sys/devices/system/cpu/online");
    printf("sys: online read %d, starts with 0 %d\n", online > 0, buf[0] == '0');
    printf("sys: possible read %d\n", slurp("/sys/devices/system/cpu/possible") > 0);
    printf("sys: cpu0 %d\n", access("/sys/devices/system/cpu/cpu0", F_OK) == 0);
    int procs = get_nprocs(), conf = get_nprocs_conf();
    printf("nprocs: %d\n", procs >= 1 && procs <= conf);

    /* A child blocked reading a pipe, seen from its parent. */
    int go[2], ready[2];
    pipe(go);
    pipe(ready);
    pid_t child = fork();
    if (child == 0) {
        char c;
        write(ready[1], "r", 1);
        read(go[0], &c, 1);
        _exit(0);
    }
    char c;
    read(ready[0], &c, 1);
    usleep(100000);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", child);
    slurp(path);
    int pid, ppid;
    char comm[32], state;
    sscanf(buf, "%d (%31[^)]) %c %d", &pid, comm, &state, &ppid);
    printf("child: pid %d, ppid %d, state %c\n", pid == child, ppid == getpid(), state);
    snprintf(path, sizeof path, "/proc/%d/status", child);
    slurp(path);
    printf("child: status PPid %d\n", field("\nPPid:\t") == getpid());
    snprintf(path, sizeof path, "/proc/%d/cmdline", child);
    int cmdline = slurp(path);
    printf("child: cmdline readable %d\n", cmdline > 0);
    write(go[1], "g", 1);
    int status;
    waitpid(child, &status, 0);
    int gone = access(path, F_OK) != 0;
    printf("child: gone after wait %d\n", gone);

    /* A child that exited and is not waited for yet is a zombie. */
    child = fork();
    if (child == 0)
        _exit(3);
    usleep(100000);
    snprintf(path, sizeof path, "/proc/%d/stat", child);
    slurp(path);
    sscanf(buf, "%d (%31[^)]) %c %d", &pid, comm, &state, &ppid);
    printf("zombie: state %c, ppid %d\n", state, ppid == getpid());
    snprintf(path, sizeof path, "/proc/%d/status", child);
    slurp(path);
    printf("zombie: %.15s\n", strstr(buf, "State:"));
    waitpid(child, &status, 0);
    printf("zombie: reaped status %d\n", WEXITSTATUS(status));
    return 0;
}
