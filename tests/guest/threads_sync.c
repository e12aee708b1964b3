/* pthread synchronisation: mutexes (normal, recursive, error-checking),
 * condition variables, barriers, rwlocks, pthread_once, __thread storage
 * and semaphores (including a timed wait that times out). */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

#define THREADS 4
#define ROUNDS 2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread int mine = 7;
static int tls_seen[THREADS];

static void *count(void *arg) {
    int id = (int)(long)arg;
    mine += id;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        if (i % 500 == 0)
            sched_yield();
    }
    tls_seen[id] = mine;
    return (void *)(long)(id * 10);
}

static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready, woken;

static void *sleeper(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!ready)
        pthread_cond_wait(&cond, &lock);
    woken++;
    pthread_mutex_unlock(&lock);
    return NULL;
}

static pthread_barrier_t barrier;
static int before_barrier, after_saw[THREADS];

static void *meet(void *arg) {
    int id = (int)(long)arg;
    __atomic_fetch_add(&before_barrier, 1, __ATOMIC_SEQ_CST);
    int r = pthread_barrier_wait(&barrier);
    after_saw[id] = __atomic_load_n(&before_barrier, __ATOMIC_SEQ_CST);
    return (void *)(long)(r == PTHREAD_BARRIER_SERIAL_THREAD);
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int shared_value;

static void *reader(void *arg) {
    (void)arg;
    int sum = 0;
    for (int i = 0; i < 100; i++) {
        pthread_rwlock_rdlock(&rw);
        sum += shared_value;
        pthread_rwlock_unlock(&rw);
    }
    return (void *)(long)(sum >= 0);
}

static void *writer(void *arg) {
    (void)arg;
    for (int i = 0; i < 100; i++) {
        pthread_rwlock_wrlock(&rw);
        shared_value++;
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static void init_once(void) { once_runs++; }
static void *call_once(void *arg) {
    (void)arg;
    pthread_once(&once, init_once);
    return NULL;
}

static sem_t items;
static void *producer(void *arg) {
    (void)arg;
    for (int i = 0; i < 5; i++)
        sem_post(&items);
    return NULL;
}

int main(void) {
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, count, (void *)i);
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    printf("mutex: counter %ld, join values %ld, main tls %d\n", counter, total, mine);
    printf("tls: %d %d %d %d\n", tls_seen[0], tls_seen[1], tls_seen[2], tls_seen[3]);

    pthread_mutex_t rec;
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&rec, &ma);
    int a = pthread_mutex_lock(&rec), b = pthread_mutex_lock(&rec);
    int c = pthread_mutex_unlock(&rec), d = pthread_mutex_unlock(&rec);
    printf("recursive: %d %d %d %d\n", a, b, c, d);
    pthread_mutex_t chk;
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&chk, &ma);
    pthread_mutex_lock(&chk);
    int again = pthread_mutex_lock(&chk);
    pthread_mutex_unlock(&chk);
    int not_owner = pthread_mutex_unlock(&chk);
    printf("errorcheck: relock %s, unlock unowned %s\n", again == EDEADLK ? "EDEADLK" : "?",
           not_owner == EPERM ? "EPERM" : "?");
    int busy;
    pthread_mutex_lock(&lock);
    busy = pthread_mutex_trylock(&lock);
    pthread_mutex_unlock(&lock);
    printf("trylock held: %s\n", busy == EBUSY ? "EBUSY" : "?");

    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, sleeper, NULL);
    struct timespec pause = {0, 20000000};
    nanosleep(&pause, NULL);
    pthread_mutex_lock(&lock);
    ready = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    printf("condvar: woken %d\n", woken);

    pthread_mutex_lock(&lock);
    struct timespec soon;
    clock_gettime(CLOCK_REALTIME, &soon);
    soon.tv_nsec += 30000000;
    if (soon.tv_nsec >= 1000000000) {
        soon.tv_sec++;
        soon.tv_nsec -= 1000000000;
    }
    int timed = pthread_cond_timedwait(&cond, &lock, &soon);
    pthread_mutex_unlock(&lock);
    printf("condvar timedwait: %s\n", timed == ETIMEDOUT ? "ETIMEDOUT" : "?");

    pthread_barrier_init(&barrier, NULL, THREADS);
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, meet, (void *)i);
    int serial = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        serial += (int)(long)r;
    }
    printf("barrier: serial threads %d, all arrived first %d\n", serial,
           after_saw[0] == THREADS && after_saw[1] == THREADS && after_saw[2] == THREADS &&
               after_saw[3] == THREADS);

    pthread_t rd[3], wr;
    for (int i = 0; i < 3; i++)
        pthread_create(&rd[i], NULL, reader, NULL);
    pthread_create(&wr, NULL, writer, NULL);
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(rd[i], &r);
        ok &= (int)(long)r;
    }
    pthread_join(wr, NULL);
    printf("rwlock: readers ok %d, value %d\n", ok, shared_value);
    pthread_rwlock_rdlock(&rw);
    int wr_busy = pthread_rwlock_trywrlock(&rw);
    int rd_ok = pthread_rwlock_tryrdlock(&rw);
    pthread_rwlock_unlock(&rw);
    pthread_rwlock_unlock(&rw);
    printf("rwlock try: write %s, read %d\n", wr_busy == EBUSY ? "EBUSY" : "?", rd_ok);

    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, call_once, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    printf("once: runs %d\n", once_runs);

    sem_init(&items, 0, 0);
    pthread_t p;
    pthread_create(&p, NULL, producer, NULL);
    for (int i = 0; i < 5; i++)
        sem_wait(&items);
    pthread_join(p, NULL);
    int left;
    sem_getvalue(&items, &left);
    int try = sem_trywait(&items);
    printf("semaphore: left %d, trywait %d %s\n", left, try, try ? (errno == EAGAIN ? "EAGAIN" : "?") : "");
    clock_gettime(CLOCK_REALTIME, &soon);
    soon.tv_nsec += 20000000;
    if (soon.tv_nsec >= 1000000000) {
        soon.tv_sec++;
        soon.tv_nsec -= 1000000000;
    }
    int tw = sem_timedwait(&items, &soon);
    printf("semaphore timedwait: %d %s\n", tw, tw ? (errno == ETIMEDOUT ? "ETIMEDOUT" : "?") : "");
    return 0;
}
