/* abort() raises SIGABRT: exit status 134; unflushed stdio is lost. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    printf("flushed line\n");
    fflush(stdout);
    printf("this stays in the buffer");
    abort();
}
