/* Prints argc/argv and the environment (sorted, since the order in which a runner
 * passes variables is not part of the contract) plus a few getenv lookups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv, char **envp)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=<%s> len=%zu\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc] is NULL: %d\n", argv[argc] == NULL);
    printf("envp == environ: %d\n", envp == environ);
    int n = 0;
    while (environ[n])
        n++;
    char **copy = malloc(sizeof(char *) * (size_t)(n + 1));
    memcpy(copy, environ, sizeof(char *) * (size_t)n);
    qsort(copy, (size_t)n, sizeof(char *), cmp);
    printf("%d environment entries\n", n);
    for (int i = 0; i < n; i++)
        printf("env %s\n", copy[i]);
    static const char *keys[] = { "HOME", "PATH", "TABVM_TEST", "EMPTY", "UNSET_VAR", "LANG" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = getenv(keys[i]);
        printf("getenv(%s)=%s%s%s\n", keys[i], v ? "<" : "", v ? v : "(null)", v ? ">" : "");
    }
    setenv("NEW_ONE", "fresh", 1);
    unsetenv("HOME");
    printf("after setenv/unsetenv: NEW_ONE=%s HOME=%s\n", getenv("NEW_ONE"),
           getenv("HOME") ? "set" : "unset");
    return argc;
}
