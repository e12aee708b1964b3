/* CPU-time interval timers: ITIMER_VIRTUAL fires SIGVTALRM after user
 * time, ITIMER_PROF fires SIGPROF periodically until disarmed; getitimer
 * reports the remaining time. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static volatile int vt, prof;
static volatile unsigned sink;

static void on_vt(int sig) { (void)sig; vt++; }
static void on_prof(int sig) {
    (void)sig;
    if (++prof == 3) {
        struct itimerval off;
        memset(&off, 0, sizeof off);
        setitimer(ITIMER_PROF, &off, NULL);
    }
}

/* Burns CPU until `*flag` reaches `want` (or a generous bound). */
static int burn_until(volatile int *flag, int want) {
    for (unsigned long i = 0; i < 4000000000UL && *flag < want; i++)
        sink += i;
    return *flag >= want;
}

int main(void) {
    signal(SIGVTALRM, on_vt);
    signal(SIGPROF, on_prof);
    struct itimerval t, left;
    memset(&t, 0, sizeof t);
    t.it_value.tv_usec = 50000;
    setitimer(ITIMER_VIRTUAL, &t, NULL);
    getitimer(ITIMER_VIRTUAL, &left);
    printf("virtual armed: %d\n", left.it_value.tv_sec > 0 || left.it_value.tv_usec > 0);
    printf("virtual fired: %d\n", burn_until(&vt, 1));
    getitimer(ITIMER_VIRTUAL, &left);
    printf("virtual after: %ld %ld\n", (long)left.it_value.tv_sec, (long)left.it_value.tv_usec);

    t.it_value.tv_usec = 20000;
    t.it_interval.tv_usec = 20000;
    setitimer(ITIMER_PROF, &t, NULL);
    getitimer(ITIMER_PROF, &left);
    printf("prof interval: %ld\n", (long)left.it_interval.tv_usec);
    printf("prof fired 3 times: %d\n", burn_until(&prof, 3));
    getitimer(ITIMER_PROF, &left);
    printf("prof disarmed: %d, vt total %d\n", left.it_value.tv_usec == 0 && left.it_interval.tv_usec == 0,
           vt);
    return 0;
}
