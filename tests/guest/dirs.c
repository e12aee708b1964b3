/* Directories in the cwd: mkdir/rmdir/chdir/getcwd (printed relative to the start),
 * readdir listings sorted, stat of dirs and symlinks, errno for non-empty rmdir. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static char start[4096];

static void where(void)
{
    char cwd[4096];
    getcwd(cwd, sizeof cwd);
    size_t n = strlen(start);
    if (strncmp(cwd, start, n) == 0)
        printf("cwd = <start>%s\n", cwd + n);
    else
        printf("cwd outside start\n");
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s failed\n", path);
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        char type = e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : e->d_type == DT_LNK ? 'l' : '?';
        char buf[300];
        snprintf(buf, sizeof buf, "%s(%c)", e->d_name, type);
        names[n++] = strdup(buf);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    printf("ls %s:", path);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(void)
{
    getcwd(start, sizeof start);
    printf("getcwd absolute: %d\n", start[0] == '/');
    printf("mkdir %d\n", mkdir("top", 0755));
    errno = 0;
    {
        long ret = (long)(mkdir("top", 0755));
        int hit = errno == EEXIST;
        printf("mkdir again %ld EEXIST=%d\n", ret, hit);
    }
    mkdir("top/sub1", 0700);
    mkdir("top/sub2", 0755);
    for (int i = 0; i < 12; i++) {
        char name[32];
        snprintf(name, sizeof name, "top/file%02d", (i * 7) % 12);
        close(open(name, O_CREAT | O_WRONLY, 0644));
    }
    symlink("file03", "top/link");
    list("top");
    list("top/sub1");
    chdir("top/sub1");
    where();
    chdir("..");
    where();
    chdir("./sub2/../sub1/.");
    where();
    chdir("../..");
    where();
    struct stat st, lst;
    stat("top/link", &st);
    lstat("top/link", &lst);
    printf("link: stat reg=%d lstat lnk=%d\n", S_ISREG(st.st_mode), S_ISLNK(lst.st_mode));
    char target[64] = { 0 };
    printf("readlink %zd %s\n", readlink("top/link", target, sizeof target - 1), target);
    stat("top/sub1", &st);
    printf("sub1 dir=%d mode=%03o\n", S_ISDIR(st.st_mode), (unsigned)(st.st_mode & 0777));
    errno = 0;
    {
        long ret = (long)(rmdir("top"));
        int hit = errno == ENOTEMPTY;
        printf("rmdir non-empty %ld ENOTEMPTY=%d\n", ret, hit);
    }
    errno = 0;
    {
        long ret = (long)(rmdir("top/file01"));
        int hit = errno == ENOTDIR;
        printf("rmdir file %ld ENOTDIR=%d\n", ret, hit);
    }
    errno = 0;
    {
        long ret = (long)(chdir("missing"));
        int hit = errno == ENOENT;
        printf("chdir missing %ld ENOENT=%d\n", ret, hit);
    }
    int dfd = open("top", O_RDONLY | O_DIRECTORY);
    printf("openat %d\n", openat(dfd, "sub2/x", O_CREAT | O_WRONLY, 0600) >= 0);
    printf("fchdir %d\n", fchdir(dfd));
    where();
    chdir(start);
    unlink("top/sub2/x");
    unlink("top/link");
    for (int i = 0; i < 12; i++) {
        char name[32];
        snprintf(name, sizeof name, "top/file%02d", i);
        unlink(name);
    }
    int r1 = rmdir("top/sub1");
    int r2 = rmdir("top/sub2");
    printf("rmdir %d %d %d\n", r1, r2, rmdir("top"));
    list(".");
    return 0;
}
