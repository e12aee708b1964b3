/* atexit handlers run in reverse order; a handler that calls exit() changes the status
 * (glibc runs the remaining handlers and uses the new status). */
#include <stdio.h>
#include <stdlib.h>

static void h1(void) { printf("handler 1\n"); }
static void h2(void) { printf("handler 2 calls exit(9)\n"); exit(9); }
static void h3(void) { printf("handler 3\n"); }

int main(void)
{
    atexit(h1);
    atexit(h2);
    atexit(h3);
    printf("main returns 0\n");
    return 0;
}
