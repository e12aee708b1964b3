/* *at() system calls and metadata: openat/mkdirat/unlinkat/renameat/linkat/symlinkat/
 * readlinkat/fstatat/faccessat/fchmodat/utimensat with fixed times, dup3, truncate,
 * link counts, ELOOP, O_NOFOLLOW, ENAMETOOLONG, O_DIRECTORY on a file. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#define SHOW(label, expr)                                                                \
    do {                                                                                \
        errno = 0;                                                                      \
        long r_ = (long)(expr);                                                         \
        int e_ = errno;                                                                 \
        printf("%-28s -> %ld%s%s\n", label, r_ < 0 ? r_ : r_ > 0 ? 1L : 0L, e_ ? " " : "", \
               e_ ? strerrorname_np(e_) : "");                                          \
    } while (0)

int main(void)
{
    umask(022);
    SHOW("mkdirat d", mkdirat(AT_FDCWD, "d", 0750));
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    int ffd = openat(dfd, "f", O_CREAT | O_WRONLY, 0640);
    SHOW("openat d/f", ffd);
    SHOW("dup3 to 20", dup3(ffd, 20, O_CLOEXEC));
    SHOW("dup3 cloexec set", fcntl(20, F_GETFD) & FD_CLOEXEC);
    write(20, "0123456789", 10);
    SHOW("linkat f->g", linkat(dfd, "f", dfd, "g", 0));
    SHOW("symlinkat s->f", symlinkat("f", dfd, "s"));
    SHOW("symlinkat loop1", symlinkat("loop2", dfd, "loop1"));
    SHOW("symlinkat loop2", symlinkat("loop1", dfd, "loop2"));
    char buf[64] = { 0 };
    SHOW("readlinkat s", readlinkat(dfd, "s", buf, sizeof buf));
    printf("  link text %s\n", buf);
    struct stat st;
    SHOW("fstatat f", fstatat(dfd, "f", &st, 0));
    printf("  size %lld nlink %lu mode %03o\n", (long long)st.st_size, (unsigned long)st.st_nlink,
           (unsigned)(st.st_mode & 0777));
    SHOW("fstatat s nofollow", fstatat(dfd, "s", &st, AT_SYMLINK_NOFOLLOW));
    printf("  is link %d size %lld\n", S_ISLNK(st.st_mode), (long long)st.st_size);
    SHOW("open loop1", openat(dfd, "loop1", O_RDONLY));
    SHOW("open s O_NOFOLLOW", openat(dfd, "s", O_RDONLY | O_NOFOLLOW));
    SHOW("open f O_DIRECTORY", openat(dfd, "f", O_RDONLY | O_DIRECTORY));
    SHOW("faccessat f W_OK", faccessat(dfd, "f", W_OK, 0));
    SHOW("fchmodat f 0604", fchmodat(dfd, "f", 0604, 0));
    struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 500000000 } };
    SHOW("utimensat f", utimensat(dfd, "f", ts, 0));
    fstatat(dfd, "f", &st, 0);
    printf("  atime %ld mtime %ld.%09ld mode %03o\n", (long)st.st_atime, (long)st.st_mtime,
           (long)st.st_mtim.tv_nsec, (unsigned)(st.st_mode & 0777));
    SHOW("truncate d/g 3", truncate("d/g", 3));
    fstatat(dfd, "f", &st, 0);
    printf("  f size via hard link truncate %lld\n", (long long)st.st_size);
    SHOW("renameat g->h", renameat(dfd, "g", dfd, "h"));
    /* Both names are links to one inode: rename succeeds and does nothing. */
    SHOW("renameat onto same inode", renameat(dfd, "h", dfd, "f"));
    fstatat(dfd, "f", &st, 0);
    printf("  nlink after rename over %lu\n", (unsigned long)st.st_nlink);
    SHOW("unlinkat dir without flag", unlinkat(AT_FDCWD, "d", 0));
    SHOW("mkdirat d/sub", mkdirat(dfd, "sub", 0700));
    SHOW("unlinkat sub AT_REMOVEDIR", unlinkat(dfd, "sub", AT_REMOVEDIR));
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    SHOW("open 299-char name", openat(dfd, longname, O_CREAT | O_WRONLY, 0600));
    SHOW("stat missing", fstatat(dfd, "missing", &st, 0));
    SHOW("stat through file", fstatat(dfd, "f/x", &st, 0));
    SHOW("rmdir non-empty", rmdir("d"));
    unlinkat(dfd, "f", 0);
    unlinkat(dfd, "h", 0);
    unlinkat(dfd, "s", 0);
    unlinkat(dfd, "loop1", 0);
    unlinkat(dfd, "loop2", 0);
    SHOW("rmdir now empty", rmdir("d"));
    return 0;
}
