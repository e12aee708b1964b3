/* qsort of ints, strings and structs (stable tie-break by index), bsearch hits and misses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned state = 12345;
static unsigned rnd(void) { state = state * 1664525u + 1013904223u; return state >> 8; }

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}
struct rec { int key; int idx; char name[8]; };
static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1; /* descending */
    return (x->idx > y->idx) - (x->idx < y->idx);
}

int main(void)
{
    enum { N = 1000 };
    static int v[N];
    for (int i = 0; i < N; i++)
        v[i] = (int)(rnd() % 2001) - 1000;
    qsort(v, N, sizeof v[0], cmp_int);
    long sum = 0;
    for (int i = 0; i < N; i++) {
        sum = sum * 7 + v[i];
        if (i % 50 == 0)
            printf("v[%d]=%d\n", i, v[i]);
    }
    printf("sum %ld sorted %d\n", sum, v[0] <= v[N - 1]);
    for (int k = -1005; k <= 1005; k += 67) {
        int *p = bsearch(&k, v, N, sizeof v[0], cmp_int);
        printf("bsearch %d: %s\n", k, p ? "found" : "missing");
    }
    static const char *words[] = { "pear", "apple", "fig", "banana", "cherry", "date",
                                   "elderberry", "grape", "kiwi", "lemon", "Apple", "" };
    const char *w[12];
    memcpy(w, words, sizeof w);
    qsort(w, 12, sizeof w[0], cmp_str);
    for (int i = 0; i < 12; i++)
        printf("word %d <%s>\n", i, w[i]);
    const char *key = "grape";
    const char **hit = bsearch(&key, w, 12, sizeof w[0], cmp_str);
    printf("grape at %d\n", hit ? (int)(hit - w) : -1);
    static struct rec r[200];
    for (int i = 0; i < 200; i++) {
        r[i].key = (int)(rnd() % 10);
        r[i].idx = i;
        snprintf(r[i].name, sizeof r[i].name, "n%d", i);
    }
    qsort(r, 200, sizeof r[0], cmp_rec);
    for (int i = 0; i < 200; i += 9)
        printf("rec %d key=%d idx=%d %s\n", i, r[i].key, r[i].idx, r[i].name);
    return 0;
}
