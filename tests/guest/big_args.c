/* The loader copes with large argument and environment vectors: the program
 * re-executes itself with 3000 arguments and 700 environment variables of varied
 * lengths and checks counts, checksums and the last entries. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

enum { NARGS = 3000, NENV = 700 };

static unsigned long hash(const char *s, unsigned long h)
{
    while (*s)
        h = h * 131 + (unsigned char)*s++;
    return h;
}

int main(int argc, char **argv, char **envp)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        unsigned long ha = 0, he = 0;
        size_t bytes = 0;
        for (int i = 2; i < argc; i++) {
            ha = hash(argv[i], ha);
            bytes += strlen(argv[i]);
        }
        int ne = 0;
        for (char **e = envp; *e; e++, ne++)
            he = hash(*e, he);
        printf("child: argc=%d bytes=%zu hash=%lu last=%s\n", argc, bytes, ha, argv[argc - 1]);
        printf("child: env=%d hash=%lu VAR_699=%.20s\n", ne, he, getenv("VAR_699"));
        return 0;
    }
    char **args = calloc(NARGS + 3, sizeof(char *));
    char **env = calloc(NENV + 1, sizeof(char *));
    args[0] = argv[0];
    args[1] = "child";
    for (int i = 0; i < NARGS; i++) {
        int len = 1 + (i * 7) % 40;
        char *s = malloc((size_t)len + 16);
        int n = sprintf(s, "%d:", i);
        for (int k = 0; k < len; k++)
            s[n + k] = (char)('A' + (i + k) % 26);
        s[n + len] = 0;
        args[i + 2] = s;
    }
    for (int i = 0; i < NENV; i++) {
        char *s = malloc(80);
        sprintf(s, "VAR_%d=%0*d", i, 1 + i % 60, i);
        env[i] = s;
    }
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        execve(argv[0], args, env);
        _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    printf("parent: child exited %d\n", WEXITSTATUS(st));
    return 0;
}
