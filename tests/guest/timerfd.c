/* timerfd: one-shot and periodic timers on CLOCK_MONOTONIC and an absolute
   CLOCK_REALTIME deadline, blocking and nonblocking reads of the expiration
   count, timerfd_gettime while armed and after disarming, poll readiness. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static struct itimerspec spec(long value_ms, long interval_ms) {
    struct itimerspec s;
    s.it_value.tv_sec = value_ms / 1000;
    s.it_value.tv_nsec = (value_ms % 1000) * 1000000L;
    s.it_interval.tv_sec = interval_ms / 1000;
    s.it_interval.tv_nsec = (interval_ms % 1000) * 1000000L;
    return s;
}

int main(void) {
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    uint64_t n = 0;
    ssize_t r = read(fd, &n, 8);
    printf("unarmed read %zd EAGAIN=%d\n", r, errno == EAGAIN);
    struct itimerspec cur, old;
    timerfd_gettime(fd, &cur);
    printf("unarmed value %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

    struct itimerspec s = spec(30, 0);
    timerfd_settime(fd, 0, &s, &old);
    timerfd_gettime(fd, &cur);
    printf("armed: pending %d interval %ld\n",
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0, cur.it_interval.tv_nsec);
    struct pollfd p = {fd, POLLIN, 0};
    printf("poll before: %d\n", poll(&p, 1, 0));
    int ready = poll(&p, 1, 1000);
    printf("poll wait: %d revents %#x\n", ready, p.revents);
    r = read(fd, &n, 8);
    printf("one-shot read %zd count %llu\n", r, (unsigned long long)n);
    timerfd_gettime(fd, &cur);
    printf("after expiry value %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

    /* A blocking periodic timer: sleep past several periods, then read. */
    int pfd = timerfd_create(CLOCK_MONOTONIC, 0);
    s = spec(10, 10);
    timerfd_settime(pfd, 0, &s, NULL);
    read(pfd, &n, 8);
    printf("first periodic read >= 1: %d\n", n >= 1);
    usleep(55000);
    read(pfd, &n, 8);
    printf("after sleeping 5+ periods count >= 5: %d\n", n >= 5);
    timerfd_gettime(pfd, &cur);
    printf("interval %ld ms\n", cur.it_interval.tv_nsec / 1000000);
    s = spec(0, 0);
    timerfd_settime(pfd, 0, &s, &old);
    printf("old interval %ld ms\n", old.it_interval.tv_nsec / 1000000);
    timerfd_gettime(pfd, &cur);
    printf("disarmed %ld %ld\n", cur.it_value.tv_nsec, cur.it_interval.tv_nsec);

    /* An absolute deadline on the real-time clock. */
    int rfd = timerfd_create(CLOCK_REALTIME, 0);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s = spec(0, 0);
    s.it_value = now;
    s.it_value.tv_nsec += 20000000;
    if (s.it_value.tv_nsec >= 1000000000) {
        s.it_value.tv_sec++;
        s.it_value.tv_nsec -= 1000000000;
    }
    timerfd_settime(rfd, TFD_TIMER_ABSTIME, &s, NULL);
    r = read(rfd, &n, 8);
    printf("absolute read %zd count %llu\n", r, (unsigned long long)n);

    r = timerfd_create(12345, 0);
    printf("bad clock %zd EINVAL=%d\n", r, errno == EINVAL);
    r = timerfd_settime(fd, 99, &s, NULL);
    printf("bad flags %zd EINVAL=%d\n", r, errno == EINVAL);
    r = timerfd_settime(0, 0, &s, NULL);
    printf("not a timerfd %zd EINVAL=%d\n", r, errno == EINVAL);
    return 0;
}
