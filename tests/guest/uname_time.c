/* uname sysname (machine differs between a 64-bit host and an i686 guest, so it is
 * not printed), time sanity, clocks monotonic, gettimeofday consistency, nanosleep. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void)
{
    struct utsname u;
    printf("uname %d sysname %s\n", uname(&u), u.sysname);
    printf("release nonempty %d nodename nonempty %d\n", u.release[0] != 0, u.nodename[0] != 0);
    time_t t = time(NULL);
    printf("time > 2020: %d\n", t > 1577836800);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("gettimeofday close to time: %d usec in range %d\n", tv.tv_sec - t < 5,
           tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    struct timespec a, b, r;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec req = { 0, 20 * 1000 * 1000 };
    printf("nanosleep %d\n", nanosleep(&req, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    double el = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("monotonic advanced >= 20ms: %d\n", el >= 0.019);
    printf("clock_getres %d nsec positive %d\n", clock_getres(CLOCK_REALTIME, &r), r.tv_nsec > 0);
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime > 2020: %d\n", a.tv_sec > 1577836800);
    struct tm tm;
    time_t fixed = 1000000000;
    gmtime_r(&fixed, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %j", &tm);
    printf("gmtime(1e9) = %s\n", buf);
    printf("sleep(0) = %u\n", sleep(0));
    printf("pid positive %d uid==euid %d\n", getpid() > 0, getuid() == geteuid());
    return 0;
}
