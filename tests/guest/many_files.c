/* A directory with 600 entries of varied name lengths: getdents over several
 * buffers, sorted listing checksum, seekdir/telldir/rewinddir, then cleanup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void)
{
    enum { N = 600 };
    mkdir("many", 0755);
    char name[300];
    for (int i = 0; i < N; i++) {
        int len = 1 + (i * 37) % 200;
        int n = snprintf(name, sizeof name, "many/%04d-", i);
        for (int k = 0; k < len; k++)
            name[n + k] = (char)('a' + (i + k) % 26);
        name[n + len] = 0;
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        write(fd, name, (size_t)(i % 50));
        close(fd);
    }
    DIR *d = opendir("many");
    char **names = malloc(sizeof(char *) * (N + 2));
    int count = 0;
    long pos_at_10 = -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (count == 10)
            pos_at_10 = telldir(d);
        names[count++] = strdup(e->d_name);
    }
    printf("entries %d (with . and ..)\n", count);
    qsort(names, (size_t)count, sizeof names[0], cmp);
    unsigned long h = 5381;
    for (int i = 0; i < count; i++)
        for (const char *p = names[i]; *p; p++)
            h = h * 33 + (unsigned char)*p;
    printf("sorted names hash %lu first %s %s last %.12s\n", h, names[0], names[1], names[count - 1]);
    seekdir(d, pos_at_10);
    int rest = 0;
    while (readdir(d))
        rest++;
    printf("after seekdir to entry 10: %d more\n", rest);
    rewinddir(d);
    rest = 0;
    while (readdir(d))
        rest++;
    printf("after rewinddir: %d\n", rest);
    closedir(d);
    long bytes = 0;
    for (int i = 0; i < count; i++) {
        if (names[i][0] == '.')
            continue;
        snprintf(name, sizeof name, "many/%s", names[i]);
        struct stat st;
        stat(name, &st);
        bytes += st.st_size;
        unlink(name);
    }
    printf("total bytes %ld, rmdir %d\n", bytes, rmdir("many"));
    return 0;
}
