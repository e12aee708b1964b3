/* Atomic builtins (lock xadd, cmpxchg, xchg, cmpxchg8b) and their results. */
#include <stdio.h>
#include <stdint.h>

int main(void)
{
    volatile int x = 10;
    {
        long long before = __sync_fetch_and_add(&x, 5);
        printf("fetch_add %d -> %d\n", (int)before, x);
    }
    printf("add_fetch %d\n", __sync_add_and_fetch(&x, -20));
    {
        long long before = __sync_fetch_and_or(&x, 0x100);
        printf("fetch_or %d -> %d\n", (int)before, x);
    }
    {
        long long before = __sync_fetch_and_and(&x, 0xff);
        printf("fetch_and %d -> %d\n", (int)before, x);
    }
    {
        long long before = __sync_fetch_and_xor(&x, -1);
        printf("fetch_xor %d -> %d\n", (int)before, x);
    }
    {
        long long before = __sync_bool_compare_and_swap(&x, 0, 1);
        printf("cas fail %d (val %d)\n", (int)before, x);
    }
    int old = x;
    {
        long long before = __sync_bool_compare_and_swap(&x, old, 777);
        printf("cas ok %d (val %d)\n", (int)before, x);
    }
    printf("val cas %d\n", __sync_val_compare_and_swap(&x, 777, 778));
    {
        long long before = __atomic_exchange_n(&x, 42, __ATOMIC_SEQ_CST);
        printf("xchg %d -> %d\n", (int)before, x);
    }
    volatile uint64_t w = 0x1122334455667788ULL;
    uint64_t exp = 0x1122334455667788ULL;
    int ok = __atomic_compare_exchange_n(&w, &exp, 0xaabbccddeeff0011ULL, 0, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST);
    printf("cas64 ok=%d now %016llx\n", ok, (unsigned long long)w);
    exp = 5;
    ok = __atomic_compare_exchange_n(&w, &exp, 6, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    printf("cas64 fail=%d expected updated to %016llx\n", !ok, (unsigned long long)exp);
    uint64_t prev = __atomic_fetch_add(&w, 0x100000001ULL, __ATOMIC_SEQ_CST);
    printf("fetch_add64 %016llx -> %016llx\n", (unsigned long long)prev, (unsigned long long)w);
    volatile short s = 0x7fff;
    __sync_fetch_and_add(&s, 1);
    volatile char c = 'a';
    __sync_fetch_and_add(&c, 2);
    printf("short wrap %d char %c\n", s, c);
    int counter = 0;
    for (int i = 0; i < 100000; i++)
        __atomic_fetch_add(&counter, i & 3, __ATOMIC_RELAXED);
    printf("counter %d\n", counter);
    __sync_synchronize();
    {
        long long before = __sync_lock_test_and_set(&x, 1);
        printf("lock test_and_set %d %d\n", (int)before, x);
    }
    __sync_lock_release(&x);
    printf("released %d\n", x);
    return 0;
}
