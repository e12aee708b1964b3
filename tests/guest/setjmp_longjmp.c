/* setjmp/longjmp: return values, volatile locals, nested and deep unwinding. */
#include <stdio.h>
#include <setjmp.h>

static jmp_buf outer, inner;
static int depth_reached;

static void dive(int depth)
{
    char pad[64];
    pad[0] = (char)depth;
    depth_reached = depth + pad[0] - depth;
    if (depth >= 50)
        longjmp(outer, depth);
    dive(depth + 1);
}

static int guarded(int x)
{
    if (setjmp(inner) == 0) {
        if (x % 3 == 0)
            longjmp(inner, 0); /* longjmp with 0 must make setjmp return 1 */
        return x * 10;
    }
    return -x;
}

int main(void)
{
    volatile int counter = 0;
    int r = setjmp(outer);
    printf("setjmp returned %d counter %d\n", r, counter);
    if (counter < 5) {
        counter++;
        longjmp(outer, counter * 11);
    }
    if (r != 50) {
        dive(0);
    }
    printf("dive unwound at depth %d\n", depth_reached);
    for (int i = 0; i < 10; i++)
        printf("guarded(%d)=%d\n", i, guarded(i));
    /* Jump back through a chain of setjmp points in one frame; the value carries
     * the level, since locals modified after setjmp are not reliable. */
    jmp_buf chain[4];
    volatile int level = 0;
    for (int i = 0; i < 4; i++) {
        int r = setjmp(chain[i]);
        if (r != 0) {
            printf("back at level %d\n", r - 1);
            level++;
            if (r > 1)
                longjmp(chain[r - 2], r - 1);
            break;
        }
        if (i == 3)
            longjmp(chain[3], 4);
    }
    printf("levels %d\n", level);
    return 0;
}
