/* Extended attributes in the user namespace: set, get (with a size query
 * and a too-small buffer), list, create/replace rules, remove, the fd and
 * no-follow forms, and the errors for unknown namespaces and symlinks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

static void report(const char *what, long r)
{
    if (r < 0)
        printf("%-28s -1 %s\n", what, strerror(errno));
    else
        printf("%-28s %ld\n", what, r);
}

int main(void)
{
    int fd = open("xattr.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char buf[64] = {0};
    report("set user.colour", setxattr("xattr.dat", "user.colour", "blue", 4, 0));
    report("size query", getxattr("xattr.dat", "user.colour", NULL, 0));
    report("get", getxattr("xattr.dat", "user.colour", buf, sizeof buf));
    printf("value: %.*s\n", 4, buf);
    report("get into 2 bytes", getxattr("xattr.dat", "user.colour", buf, 2));
    report("create existing", setxattr("xattr.dat", "user.colour", "red", 3, XATTR_CREATE));
    report("replace missing", setxattr("xattr.dat", "user.size", "9", 1, XATTR_REPLACE));
    report("replace existing", setxattr("xattr.dat", "user.colour", "red", 3, XATTR_REPLACE));
    report("fset user.size", fsetxattr(fd, "user.size", "", 0, XATTR_CREATE));
    report("fget empty value", fgetxattr(fd, "user.size", buf, sizeof buf));
    long n = listxattr("xattr.dat", buf, sizeof buf);
    report("list", n);
    /* The order of names is the file system's: print them sorted. */
    const char *a = buf, *b = buf + strlen(buf) + 1;
    if (n > 0 && strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    printf("names: %s %s\n", a, b);
    report("list size query", flistxattr(fd, NULL, 0));
    report("remove", removexattr("xattr.dat", "user.size"));
    report("remove again", removexattr("xattr.dat", "user.size"));
    report("get missing", getxattr("xattr.dat", "user.size", buf, sizeof buf));
    report("unknown namespace", setxattr("xattr.dat", "foo.bar", "x", 1, 0));
    report("bad flags", setxattr("xattr.dat", "user.x", "x", 1, 3));
    symlink("xattr.dat", "xattr.link");
    report("get through link", getxattr("xattr.link", "user.colour", buf, sizeof buf));
    report("lset on a symlink", lsetxattr("xattr.link", "user.x", "x", 1, 0));
    report("lget on a symlink", lgetxattr("xattr.link", "user.colour", buf, sizeof buf));
    report("missing file", getxattr("xattr.none", "user.colour", buf, sizeof buf));
    unlink("xattr.link");
    return 0;
}
