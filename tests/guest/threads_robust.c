/* Robust mutexes (an owner that exits holding one leaves EOWNERDEAD for
 * the next locker, then ENOTRECOVERABLE if not made consistent) and
 * priority-inheritance mutexes (futex LOCK_PI/UNLOCK_PI/TRYLOCK_PI) under
 * contention. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t robust, pi;
static long pi_counter;

static void *die_holding(void *arg) {
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL; /* exits without unlocking */
}

static void *pi_worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&pi);
        pi_counter++;
        if (i % 100 == 0)
            sched_yield();
        pthread_mutex_unlock(&pi);
    }
    return NULL;
}

static void *try_pi(void *arg) {
    (void)arg;
    return (void *)(long)pthread_mutex_trylock(&pi);
}

static const char *name(int e) {
    switch (e) {
    case 0: return "0";
    case EOWNERDEAD: return "EOWNERDEAD";
    case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
    case EBUSY: return "EBUSY";
    case EDEADLK: return "EDEADLK";
    case EPERM: return "EPERM";
    default: return strerror(e);
    }
}

int main(void) {
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &ma);

    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&robust);
    printf("robust lock after owner died: %s\n", name(r));
    int c = pthread_mutex_consistent(&robust);
    pthread_mutex_unlock(&robust);
    r = pthread_mutex_lock(&robust);
    printf("consistent %s, relock %s\n", name(c), name(r));
    pthread_mutex_unlock(&robust);

    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    r = pthread_mutex_lock(&robust);
    pthread_mutex_unlock(&robust); /* not made consistent */
    int again = pthread_mutex_lock(&robust);
    printf("robust without consistent: %s then %s\n", name(r), name(again));

    pthread_mutexattr_t pa;
    pthread_mutexattr_init(&pa);
    pthread_mutexattr_setprotocol(&pa, PTHREAD_PRIO_INHERIT);
    pthread_mutexattr_settype(&pa, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&pi, &pa);
    pthread_t w[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&w[i], NULL, pi_worker, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(w[i], NULL);
    printf("pi mutex: counter %ld\n", pi_counter);

    pthread_mutex_lock(&pi);
    int self_again = pthread_mutex_lock(&pi);
    pthread_create(&t, NULL, try_pi, NULL);
    void *tr;
    pthread_join(t, &tr);
    pthread_mutex_unlock(&pi);
    int unowned = pthread_mutex_unlock(&pi);
    printf("pi: relock %s, trylock from other %s, unlock unowned %s\n", name(self_again),
           name((int)(long)tr), name(unowned));
    struct timespec soon;
    clock_gettime(CLOCK_REALTIME, &soon);
    soon.tv_nsec += 20000000;
    if (soon.tv_nsec >= 1000000000) {
        soon.tv_sec++;
        soon.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&pi);
    r = pthread_mutex_timedlock(&pi, &soon);
    pthread_mutex_unlock(&pi);
    printf("pi timedlock own: %s\n", name(r));
    return 0;
}
