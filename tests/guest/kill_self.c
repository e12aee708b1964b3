/* A process that dies from an uncaught SIGTERM after flushing output: exit status 143. */
#include <stdio.h>
#include <signal.h>
#include <unistd.h>

int main(void)
{
    printf("about to die\n");
    fflush(stdout);
    fprintf(stderr, "stderr before death\n");
    kill(getpid(), SIGTERM);
    printf("not reached\n");
    return 0;
}
