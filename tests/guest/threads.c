/* POSIX threads: creation and join with return values, a mutex-protected counter,
 * a condition variable hand-off, thread-local storage and pthread_once. Output is
 * printed only by the main thread, after joins, so it is deterministic. */
#include <stdio.h>
#include <pthread.h>
#include <stdint.h>

enum { THREADS = 4, ITERS = 20000 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;
static char trace[64];
static int ntrace;
static __thread int tls_value = 7;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;

static void init_once(void) { once_runs++; }

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    pthread_once(&once, init_once);
    tls_value = id * 100;
    for (int i = 0; i < ITERS; i++) {
        pthread_mutex_lock(&lock);
        counter += id + 1;
        pthread_mutex_unlock(&lock);
    }
    /* Take turns in id order using the condition variable. */
    pthread_mutex_lock(&lock);
    while (turn != id)
        pthread_cond_wait(&cond, &lock);
    trace[ntrace++] = (char)('A' + id);
    turn++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    return (void *)(intptr_t)(tls_value + id);
}

int main(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) != 0)
            return 1;
    long rets = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        printf("thread %d returned %ld\n", i, (long)(intptr_t)r);
        rets += (long)(intptr_t)r;
    }
    trace[ntrace] = 0;
    printf("counter %ld (expected %ld)\n", counter, (long)ITERS * (1 + 2 + 3 + 4));
    printf("turn order %s, once ran %d time(s), main tls %d, sum %ld\n", trace, once_runs,
           tls_value, rets);
    pthread_t self = pthread_self();
    printf("pthread_equal(self, self) %d\n", pthread_equal(self, self) != 0);
    return 0;
}
