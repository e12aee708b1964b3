/* Build and run:  gcc -O2 -o hello hello.c && ./hello */
#include <stdio.h>
#include <sys/utsname.h>

int main(void)
{
    struct utsname u;
    uname(&u);
    printf("Hello from %s %s on %s!\n", u.sysname, u.release, u.machine);
    return 0;
}
