/* main returns 3; stdout is flushed by exit. */
#include <stdio.h>

int main(void)
{
    printf("returning 3");
    return 3;
}
