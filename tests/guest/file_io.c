/* File I/O in the cwd: open/creat flags, write/read/lseek/pread/pwrite, fstat sizes,
 * ftruncate, sparse files, O_APPEND, O_EXCL, rename, unlink, errno values. */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>

static void show_size(const char *label, int fd)
{
    struct stat st;
    fstat(fd, &st);
    printf("%s: size=%lld reg=%d mode=%03o\n", label, (long long)st.st_size, S_ISREG(st.st_mode),
           (unsigned)(st.st_mode & 0777));
}

int main(void)
{
    umask(022);
    int fd = open("f1.dat", O_CREAT | O_TRUNC | O_RDWR, 0666);
    printf("open ok %d\n", fd >= 0);
    char line[64];
    for (int i = 0; i < 100; i++) {
        int n = snprintf(line, sizeof line, "line %03d: %s\n", i, i % 2 ? "odd" : "even");
        write(fd, line, (size_t)n);
    }
    show_size("after writes", fd);
    printf("lseek end %ld\n", (long)lseek(fd, 0, SEEK_END));
    printf("lseek set 13 %ld\n", (long)lseek(fd, 13, SEEK_SET));
    char buf[40] = { 0 };
    printf("read %zd: %.14s|\n", read(fd, buf, 14), buf);
    printf("lseek cur -5 %ld\n", (long)lseek(fd, -5, SEEK_CUR));
    memset(buf, 0, sizeof buf);
    printf("pread %zd: %s", pread(fd, buf, 15, 30), buf);
    printf("\noffset unchanged %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    pwrite(fd, "XXXX", 4, 0);
    ftruncate(fd, 50);
    show_size("truncated", fd);
    lseek(fd, 0, SEEK_SET);
    memset(buf, 0, sizeof buf);
    read(fd, buf, 20);
    printf("start now %s\n", buf);
    lseek(fd, 10000, SEEK_SET);
    write(fd, "end", 3);
    show_size("sparse", fd);
    char z[16];
    pread(fd, z, sizeof z, 5000);
    int zeros = 0;
    for (size_t i = 0; i < sizeof z; i++)
        zeros += z[i] == 0;
    printf("hole reads zeros: %d\n", zeros);
    printf("read at EOF: %zd\n", pread(fd, z, 4, 20000));
    close(fd);

    fd = open("f1.dat", O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    write(fd, "APP", 3);
    show_size("append", fd);
    close(fd);

    errno = 0;
    fd = open("f1.dat", O_CREAT | O_EXCL | O_RDWR, 0600);
    printf("O_EXCL on existing: %d EEXIST=%d\n", fd, errno == EEXIST);
    errno = 0;
    {
        long ret = (long)(open("nope/missing", O_RDONLY));
        int hit = errno == ENOENT;
        printf("open missing: %ld ENOENT=%d\n", ret, hit);
    }
    fd = open("f2.dat", O_CREAT | O_WRONLY, 0751);
    show_size("created with 0751 under umask 022", fd);
    close(fd);
    printf("rename %d\n", rename("f1.dat", "f3.dat"));
    struct stat st;
    int old_r = stat("f1.dat", &st);
    int new_r = stat("f3.dat", &st);
    printf("stat old %d new %d size %lld\n", old_r, new_r, (long long)st.st_size);
    printf("access R_OK %d W_OK %d X_OK %d\n", access("f3.dat", R_OK), access("f3.dat", W_OK),
           access("f2.dat", X_OK));
    errno = 0;
    printf("read from O_WRONLY: ");
    fd = open("f2.dat", O_WRONLY);
    {
        long ret = (long)(read(fd, buf, 1));
        int hit = errno == EBADF;
        printf("%ld EBADF=%d\n", ret, hit);
    }
    close(fd);
    int u1 = unlink("f3.dat");
    int u2 = unlink("f2.dat");
    int u3 = unlink("f2.dat");
    printf("unlink %d %d again %d\n", u1, u2, u3);

    FILE *f = fopen("stdio.txt", "w+");
    for (int i = 0; i < 1000; i++)
        fprintf(f, "%d,", i * i);
    rewind(f);
    long total = 0;
    int v;
    while (fscanf(f, "%d,", &v) == 1)
        total += v;
    printf("stdio roundtrip total %ld ftell %ld\n", total, ftell(f));
    fclose(f);
    unlink("stdio.txt");
    /* Left behind on purpose: the harness compares the files a run leaves. */
    f = fopen("left-behind.txt", "w");
    for (int i = 0; i < 50; i++)
        fprintf(f, "%d squared is %d\n", i, i * i);
    fclose(f);
    mkdir("left-dir", 0755);
    symlink("../left-behind.txt", "left-dir/link");
    return 0;
}
