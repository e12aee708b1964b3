#define _GNU_SOURCE
/* Credentials and file permissions (run as root): set*id rules as root and
 * after dropping to an unprivileged user, supplementary groups, /proc's
 * view of the ids, and what an unprivileged process may open, create,
 * remove, chmod, chown and execute. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, int r) {
    printf("%-28s %s\n", what, r == 0 ? "ok" : strerror(errno));
}

static void ids(const char *when) {
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    printf("%s: uid %u %u %u gid %u %u %u\n", when, r, e, s, gr, ge, gs);
}

static int try_open(const char *path, int flags) {
    int fd = open(path, flags, 0644);
    if (fd >= 0)
        close(fd);
    return fd < 0 ? -1 : 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (getuid() != 0) {
        printf("needs root\n");
        return 0;
    }
    /* Files owned by root in a private directory, and a sticky one. */
    mkdir("d", 0755);
    int fd = open("d/secret", O_CREAT | O_WRONLY, 0600);
    close(fd);
    fd = open("d/public", O_CREAT | O_WRONLY, 0644);
    close(fd);
    fd = open("d/tool", O_CREAT | O_WRONLY, 0744);
    write(fd, "#!/bin/true\n", 12);
    close(fd);
    mkdir("sticky", 01777);
    fd = open("sticky/roots", O_CREAT | O_WRONLY, 0666);
    close(fd);
    chmod("sticky", 01777);

    gid_t groups[] = {5, 7};
    show("setgroups", setgroups(2, groups));
    gid_t got[4];
    int n = getgroups(4, got);
    printf("getgroups: %d (%u %u)\n", n, got[0], got[1]);
    int small = getgroups(1, got);
    printf("getgroups too small: %d %s\n", small, strerror(errno));

    pid_t child = fork();
    if (child == 0) {
        /* Keep saved uid 0 at first: the effective id may come back. */
        show("setresgid 100 100 100", setresgid(100, 100, 100));
        show("setresuid 1000 1000 0", setresuid(1000, 1000, 0));
        ids("dropped");
        show("seteuid 0 (saved)", seteuid(0));
        ids("regained");
        show("setresuid 1000 1000 1000", setresuid(1000, 1000, 1000));
        ids("all 1000");
        show("setuid 0", setuid(0));
        show("setreuid -1 0", setreuid(-1, 0));
        show("setgid 0", setgid(0));
        show("setgroups as user", setgroups(0, NULL));
        int old = setfsuid(0);
        printf("setfsuid 0: was %d, now %d\n", old, setfsuid(-1));

        char line[256] = {0};
        FILE *f = fopen("/proc/self/status", "r");
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) || !strncmp(line, "Groups:", 7))
                fputs(line, stdout);
        fclose(f);

        show("open secret for reading", try_open("d/secret", O_RDONLY));
        show("open public for reading", try_open("d/public", O_RDONLY));
        show("open public for writing", try_open("d/public", O_WRONLY));
        show("create in root's dir", try_open("d/new", O_CREAT | O_WRONLY));
        show("unlink in root's dir", unlink("d/public"));
        show("mkdir in root's dir", mkdir("d/sub", 0755));
        show("chmod root's file", chmod("d/public", 0777));
        show("chown root's file", chown("d/public", 1000, 100));
        show("access W public", access("d/public", W_OK));
        show("access R public", access("d/public", R_OK));
        show("create in sticky dir", try_open("sticky/mine", O_CREAT | O_WRONLY));
        show("chmod own file", chmod("sticky/mine", 0600));
        show("chown own file to my group", chown("sticky/mine", -1, 100));
        show("chown own file to group 0", chown("sticky/mine", -1, 0));
        show("unlink root's in sticky", unlink("sticky/roots"));
        show("unlink own in sticky", unlink("sticky/mine"));
        show("signal root's process", kill(getppid(), 0));
        show("signal myself", kill(getpid(), 0));
        show("chdir d", chdir("d"));
        struct stat st;
        fd = open("../sticky/owned", O_CREAT | O_WRONLY, 0644);
        fstat(fd, &st);
        printf("new file owner %u:%u\n", st.st_uid, st.st_gid);
        close(fd);
        unlink("../sticky/owned");
        char *argv[] = {"tool", NULL};
        execv("tool", argv);
        printf("exec root's 0744 tool: %s\n", strerror(errno));
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    printf("child exit %d\n", WEXITSTATUS(status));
    ids("parent");
    unlink("d/public");
    unlink("d/secret");
    unlink("d/tool");
    rmdir("d");
    unlink("sticky/roots");
    rmdir("sticky");
    return 0;
}
