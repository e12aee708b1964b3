/* stdio buffering across fork: text printed without a newline before fork is
 * duplicated in both processes when stdout is not a terminal (full buffering). */
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

int main(void)
{
    printf("buffered before fork; ");
    fprintf(stderr, "stderr is unbuffered\n");
    pid_t p = fork();
    if (p == 0) {
        printf("child adds this\n");
        return 3;
    }
    int st;
    waitpid(p, &st, 0);
    printf("parent saw child status %d\n", WEXITSTATUS(st));
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("now unbuffered; ");
    p = fork();
    if (p == 0) {
        printf("child2\n");
        _exit(0);
    }
    waitpid(p, &st, 0);
    printf("parent2\n");
    return 0;
}
