/* exit(255) and exit status truncation: exit(511) from a child gives 255. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

int main(void)
{
    pid_t p = fork();
    if (p == 0)
        exit(511);
    int st;
    waitpid(p, &st, 0);
    printf("child exit(511) -> %d\n", WEXITSTATUS(st));
    p = fork();
    if (p == 0)
        exit(-1);
    waitpid(p, &st, 0);
    printf("child exit(-1) -> %d\n", WEXITSTATUS(st));
    exit(255);
}
