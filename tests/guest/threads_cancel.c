/* Thread cancellation: deferred cancellation at a condition-variable wait
 * and at a sleep runs cleanup handlers, joins return PTHREAD_CANCELED;
 * disabling cancellation defers it. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int cleanups, started;

static void cleanup(void *arg) {
    cleanups++;
    if (arg)
        pthread_mutex_unlock(arg);
}

static void *wait_forever(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    pthread_cleanup_push(cleanup, &lock);
    __atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
    for (;;)
        pthread_cond_wait(&never, &lock);
    pthread_cleanup_pop(1);
    return NULL;
}

static void *sleep_forever(void *arg) {
    (void)arg;
    pthread_cleanup_push(cleanup, NULL);
    for (;;)
        sleep(100);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *shielded(void *arg) {
    (void)arg;
    int old;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    struct timespec t = {0, 50000000};
    nanosleep(&t, NULL);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
    pthread_testcancel();
    return (void *)1L;
}

int main(void) {
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, wait_forever, NULL);
    while (!__atomic_load_n(&started, __ATOMIC_SEQ_CST))
        sched_yield();
    pthread_cancel(t);
    pthread_join(t, &r);
    printf("cond wait: canceled %d, cleanups %d\n", r == PTHREAD_CANCELED, cleanups);
    /* The cleanup handler released the mutex. */
    printf("mutex free again: %d\n", pthread_mutex_trylock(&lock) == 0);
    pthread_mutex_unlock(&lock);

    pthread_create(&t, NULL, sleep_forever, NULL);
    struct timespec pause = {0, 20000000};
    nanosleep(&pause, NULL);
    pthread_cancel(t);
    pthread_join(t, &r);
    printf("sleep: canceled %d, cleanups %d\n", r == PTHREAD_CANCELED, cleanups);

    pthread_create(&t, NULL, shielded, NULL);
    nanosleep(&pause, NULL);
    pthread_cancel(t);
    pthread_join(t, &r);
    printf("disabled then testcancel: canceled %d\n", r == PTHREAD_CANCELED);
    return 0;
}
