/* Pseudo-terminals: posix_openpt/grantpt/unlockpt/ptsname, the lock,
   openpty with a window size, the slave's line discipline seen from the
   master (echo, ONLCR, canonical lines, raw mode), ^C from the master
   reaching the slave's foreground group, and forkpty relaying a child's
   output like script(1). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Reads what the master has: until `until` appears (blocking), or what is
   there now when `until` is NULL; shown with escapes. */
static void drain(const char *what, int master, const char *until) {
    char buf[256] = "";
    size_t got = 0;
    struct pollfd p = {master, POLLIN, 0};
    while (got < sizeof buf - 1) {
        if (until ? strstr(buf, until) != NULL : poll(&p, 1, 0) != 1)
            break;
        ssize_t n = read(master, buf + got, sizeof buf - 1 - got);
        if (n <= 0)
            break;
        got += n;
        buf[got] = 0;
    }
    printf("%s: \"", what);
    for (size_t i = 0; i < got; i++) {
        unsigned char c = buf[i];
        if (c == '\r')
            printf("\\r");
        else if (c == '\n')
            printf("\\n");
        else if (c < 0x20 || c == 0x7f)
            printf("^%c", c ^ 0x40);
        else
            putchar(c);
    }
    printf("\"\n");
}

static volatile int got_int, got_hup;
static void on_int(int sig) { (void)sig; got_int = 1; }
static void on_hup(int sig) { (void)sig; got_hup = 1; }

int main(void) {
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    printf("isatty(master) %d\n", isatty(m));
    char *name = ptsname(m);
    printf("ptsname under /dev/pts: %d\n", name && strncmp(name, "/dev/pts/", 9) == 0);
    int s = open(name, O_RDWR | O_NOCTTY);
    printf("open while locked: %d EIO=%d\n", s, errno == EIO);
    printf("grantpt %d unlockpt %d\n", grantpt(m), unlockpt(m));
    s = open(name, O_RDWR | O_NOCTTY);
    struct stat st;
    fstat(s, &st);
    printf("slave is a char device %d, isatty %d\n", S_ISCHR(st.st_mode), isatty(s));
    char tn[64];
    printf("ttyname matches %d\n", ttyname_r(s, tn, sizeof tn) == 0 && strcmp(tn, name) == 0);

    /* Canonical mode with echo: typed text echoes, a line becomes readable. */
    write(m, "hi there\n", 9);
    char line[64];
    ssize_t n = read(s, line, sizeof line);
    printf("slave read %zd '%.*s'\n", n, (int)(n > 0 ? n - 1 : 0), line);
    drain("echo", m, NULL);
    write(s, "out\n", 4);
    drain("output", m, NULL);

    /* Raw mode: no echo, bytes at once. */
    struct termios t;
    tcgetattr(s, &t);
    cfmakeraw(&t);
    tcsetattr(s, TCSANOW, &t);
    write(m, "ab", 2);
    n = read(s, line, sizeof line);
    printf("raw read %zd '%.*s'\n", n, (int)n, line);
    drain("raw echo", m, NULL);
    write(s, "x\n", 2);
    drain("raw output", m, NULL);
    close(s);
    close(m);

    /* A session leader opening a terminal without O_NOCTTY acquires it. */
    int cm = posix_openpt(O_RDWR | O_NOCTTY);
    grantpt(cm);
    unlockpt(cm);
    char *cn = ptsname(cm);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setsid();
        int a = open(cn, O_RDWR | O_NOCTTY);
        pid_t s1 = tcgetsid(a);
        close(a);
        int b = open(cn, O_RDWR);
        pid_t s2 = tcgetsid(b);
        printf("with O_NOCTTY no session %d; without, my session %d, foreground %d\n",
               s1 == -1, s2 == getsid(0), tcgetpgrp(b) == getpgrp());
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    close(cm);

    /* openpty with a size; forkpty runs a child on the slave. */
    struct winsize ws = {.ws_row = 30, .ws_col = 100};
    int am, as;
    openpty(&am, &as, NULL, NULL, &ws);
    struct winsize got;
    ioctl(as, TIOCGWINSZ, &got);
    printf("openpty size %dx%d\n", got.ws_row, got.ws_col);
    close(am);
    close(as);

    fflush(stdout);
    int fm;
    pid_t pid = forkpty(&fm, NULL, NULL, &ws);
    if (pid == 0) {
        signal(SIGINT, on_int);
        printf("child: stdin tty %d, foreground is me %d, pgrp==sid %d\n", isatty(0),
               tcgetpgrp(0) == getpgrp(), getpgrp() == getsid(0));
        fflush(stdout);
        char b[64];
        ssize_t k = read(0, b, sizeof b);
        printf("child read %zd\n", k);
        fflush(stdout);
        while (!got_int)
            pause();
        printf("child got SIGINT\n");
        fflush(stdout);
        _exit(3);
    }
    drain("child said", fm, "\n");
    write(fm, "line\n", 5);
    drain("after input", fm, "read 5\r\n");
    write(fm, "\x03", 1);
    int status;
    waitpid(pid, &status, 0);
    drain("child end", fm, NULL);
    printf("child exit %d\n", WEXITSTATUS(status));
    n = read(fm, line, sizeof line);
    printf("master read after slave closed %zd EIO=%d\n", n, errno == EIO);
    close(fm);

    /* Closing the master hangs up the session: SIGHUP, then end of file. */
    int report[2];
    pipe(report);
    fflush(stdout);
    pid = forkpty(&fm, NULL, NULL, NULL);
    if (pid == 0) {
        signal(SIGHUP, on_hup);
        close(report[0]);
        write(1, "ready\n", 6);
        char b[16];
        ssize_t k = read(0, b, sizeof b);
        char msg[64];
        /* Linux returns 0 or EIO here, depending on a race in its hangup. */
        int len = snprintf(msg, sizeof msg, "after hangup: read ended %d, SIGHUP %d\n", k <= 0,
                           got_hup);
        write(report[1], msg, len);
        _exit(0);
    }
    close(report[1]);
    n = read(fm, line, sizeof line); /* "ready" */
    close(fm);
    n = read(report[0], line, sizeof line);
    printf("%.*s", (int)(n > 0 ? n : 0), line);
    waitpid(pid, &status, 0);
    return 0;
}
