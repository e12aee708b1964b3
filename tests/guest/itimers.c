/* Interval timers: setitimer(ITIMER_REAL) with a 20 ms period delivers repeated
 * SIGALRMs (counted with sigsuspend), getitimer reports the armed state, disarming
 * stops them; alarm and setitimer share one timer; clock_nanosleep relative sleep. */
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static void on_alarm(int sig) { (void)sig; ticks++; }

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);

    struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, cur;
    printf("setitimer %d\n", setitimer(ITIMER_REAL, &it, NULL));
    getitimer(ITIMER_REAL, &cur);
    printf("armed: interval %ld us, value in (0, 20ms] %d\n", (long)cur.it_interval.tv_usec,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 20000);
    while (ticks < 5)
        sigsuspend(&old);
    printf("ticks reached %d\n", (int)ticks);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, &cur);
    printf("old value had interval %ld us\n", (long)cur.it_interval.tv_usec);
    int before = ticks;
    struct timespec d = { 0, 100 * 1000 * 1000 };
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("clock_nanosleep %d\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL));
    printf("no ticks after disarm: %d\n", ticks == before);
    alarm(5);
    getitimer(ITIMER_REAL, &cur);
    printf("alarm(5) seen by getitimer: %d\n", cur.it_value.tv_sec >= 4 && cur.it_value.tv_sec <= 5);
    printf("alarm(0) returns %u\n", alarm(0) >= 4);
    return 0;
}
