/* futex(2) operations directly: WAIT/WAKE counts, timeouts (relative, and
 * absolute CLOCK_REALTIME with WAIT_BITSET), bitset selection, REQUEUE and
 * CMP_REQUEUE, and WAKE_OP's arithmetic and conditional second wake. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint32_t word1, word2;
static int parked, done[4];

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts, uint32_t *addr2,
                  uint32_t val3) {
    return syscall(SYS_futex, addr, op, val, ts, addr2, val3);
}

struct waiter {
    int id;
    uint32_t *word;
    uint32_t bitset;
};

static void *wait_on(void *arg) {
    struct waiter *w = arg;
    __atomic_fetch_add(&parked, 1, __ATOMIC_SEQ_CST);
    long r = futex(w->word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, w->bitset);
    __atomic_store_n(&done[w->id], r == 0 ? 1 : -1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Starts n waiters and gives them time to block. */
static void start(pthread_t *t, struct waiter *w, int n) {
    __atomic_store_n(&parked, 0, __ATOMIC_SEQ_CST);
    for (int i = 0; i < n; i++) {
        done[w[i].id] = 0;
        pthread_create(&t[i], NULL, wait_on, &w[i]);
    }
    while (__atomic_load_n(&parked, __ATOMIC_SEQ_CST) < n)
        sched_yield();
    struct timespec settle = {0, 50000000};
    nanosleep(&settle, NULL);
}

static int finished(void) {
    struct timespec settle = {0, 30000000};
    nanosleep(&settle, NULL);
    int n = 0;
    for (int i = 0; i < 4; i++)
        n += __atomic_load_n(&done[i], __ATOMIC_SEQ_CST) == 1;
    return n;
}

int main(void) {
    int p = FUTEX_PRIVATE_FLAG;
    printf("wake nobody: %ld\n", futex(&word1, FUTEX_WAKE | p, 5, NULL, NULL, 0));
    long r = futex(&word1, FUTEX_WAIT | p, 1, NULL, NULL, 0);
    printf("wait on changed word: %ld %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
    struct timespec short_wait = {0, 10000000};
    r = futex(&word1, FUTEX_WAIT | p, 0, &short_wait, NULL, 0);
    printf("relative timeout: %ld %s\n", r, errno == ETIMEDOUT ? "ETIMEDOUT" : "?");
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_nsec += 10000000;
    if (at.tv_nsec >= 1000000000) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000;
    }
    r = futex(&word1, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | p, 0, &at, NULL, ~0u);
    printf("absolute realtime timeout: %ld %s\n", r, errno == ETIMEDOUT ? "ETIMEDOUT" : "?");
    r = futex(&word1, FUTEX_WAIT_BITSET | p, 0, NULL, NULL, 0);
    printf("empty bitset: %ld %s\n", r, errno == EINVAL ? "EINVAL" : "?");

    pthread_t t[4];
    struct waiter all[3] = {{0, &word1, ~0u}, {1, &word1, ~0u}, {2, &word1, ~0u}};
    start(t, all, 3);
    printf("wake 1 of 3: %ld\n", futex(&word1, FUTEX_WAKE | p, 1, NULL, NULL, 0));
    printf("woken so far: %d\n", finished());
    printf("wake all: %ld\n", futex(&word1, FUTEX_WAKE | p, 10, NULL, NULL, 0));
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("woken: %d\n", finished());

    struct waiter bits[2] = {{0, &word1, 1}, {1, &word1, 2}};
    start(t, bits, 2);
    printf("wake bitset 2: %ld\n", futex(&word1, FUTEX_WAKE_BITSET | p, 10, NULL, NULL, 2));
    finished();
    printf("bitset waiters done: %d %d\n", done[0], done[1]);
    futex(&word1, FUTEX_WAKE | p, 10, NULL, NULL, 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);

    start(t, all, 3);
    r = futex(&word1, FUTEX_CMP_REQUEUE | p, 0, (void *)2, &word2, 99);
    printf("cmp_requeue wrong value: %ld %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
    r = futex(&word1, FUTEX_CMP_REQUEUE | p, 1, (void *)1, &word2, 0);
    printf("cmp_requeue wake 1, move 1: %ld\n", r);
    printf("left on word1: %ld\n", futex(&word1, FUTEX_WAKE | p, 10, NULL, NULL, 0));
    printf("moved to word2: %ld\n", futex(&word2, FUTEX_WAKE | p, 10, NULL, NULL, 0));
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("woken: %d\n", finished());

    start(t, all, 2);
    r = futex(&word1, FUTEX_REQUEUE | p, 0, (void *)5, &word2, 0);
    printf("requeue all: %ld\n", r);
    printf("word2 now wakes: %ld\n", futex(&word2, FUTEX_WAKE | p, 10, NULL, NULL, 0));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);

    /* WAKE_OP: word2 += 5 (old 0); wake 1 on word1; wake on word2 if old == 0. */
    struct waiter two[2] = {{0, &word1, ~0u}, {1, &word2, ~0u}};
    word2 = 0;
    start(t, two, 2);
    uint32_t op = FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0);
    r = futex(&word1, FUTEX_WAKE_OP | p, 1, (void *)1, &word2, op);
    printf("wake_op: %ld, word2 %u\n", r, word2);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    op = FUTEX_OP(FUTEX_OP_OR, 8, FUTEX_OP_CMP_GT, 100);
    r = futex(&word1, FUTEX_WAKE_OP | p, 1, (void *)1, &word2, op);
    printf("wake_op or, no second wake: %ld, word2 %u\n", r, word2);
    op = FUTEX_OP(FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_LT, 0);
    futex(&word1, FUTEX_WAKE_OP | p, 0, (void *)0, &word2, op);
    op = FUTEX_OP(FUTEX_OP_SET, 3, FUTEX_OP_CMP_NE, 0) | (FUTEX_OP_OPARG_SHIFT << 28);
    futex(&word1, FUTEX_WAKE_OP | p, 0, (void *)0, &word2, op);
    printf("wake_op andn then set 1<<3: word2 %u\n", word2);
    return 0;
}
