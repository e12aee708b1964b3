/* Terminal job control on a pseudo-terminal: a background process group
   reading its controlling terminal is stopped by SIGTTIN, writing with
   TOSTOP by SIGTTOU; ignoring SIGTTOU lets the write through, ignoring
   SIGTTIN makes the read fail with EIO; tcsetpgrp moves the foreground. */
#define _GNU_SOURCE
#include <errno.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Runs `f` in a new background process group and reports how it ended. */
static void background(const char *what, void (*f)(void)) {
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        f();
        _exit(0);
    }
    setpgid(pid, pid);
    int status;
    waitpid(pid, &status, WUNTRACED);
    if (WIFSTOPPED(status)) {
        printf("%s: stopped by %s\n", what, strsignal(WSTOPSIG(status)));
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    } else {
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    }
    fflush(stdout);
}

static void reader(void) {
    char c;
    read(0, &c, 1);
}

static void writer(void) { write(1, "bg write\n", 9); }

static void ignoring_writer(void) {
    signal(SIGTTOU, SIG_IGN);
    write(1, "ignored ttou write\n", 19);
}

static void ignoring_reader(void) {
    signal(SIGTTIN, SIG_IGN);
    char c;
    ssize_t n = read(0, &c, 1);
    _exit(n == -1 && errno == EIO ? 5 : 6);
}

static void foreground_reader(void) {
    tcsetpgrp(0, getpgrp()); /* from the background: SIGTTOU unless ignored */
}

int main(void) {
    int m;
    fflush(stdout);
    pid_t pid = forkpty(&m, NULL, NULL, NULL);
    if (pid == 0) {
        background("reader", reader);
        background("writer without TOSTOP", writer);
        struct termios t;
        tcgetattr(0, &t);
        t.c_lflag |= TOSTOP;
        tcsetattr(0, TCSANOW, &t);
        background("writer with TOSTOP", writer);
        background("writer ignoring SIGTTOU", ignoring_writer);
        background("reader ignoring SIGTTIN", ignoring_reader);
        signal(SIGTTOU, SIG_IGN);
        pid_t g = fork();
        if (g == 0) {
            setpgid(0, 0);
            tcsetpgrp(0, getpgrp());
            printf("ready\n");
            fflush(stdout);
            char c;
            ssize_t n = read(0, &c, 1);
            printf("new foreground read %zd '%c'\n", n, c);
            fflush(stdout);
            _exit(0);
        }
        setpgid(g, g);
        waitpid(g, NULL, 0);
        printf("foreground back %d\n", tcsetpgrp(0, getpgrp()));
        fflush(stdout);
        _exit(0);
    }
    /* Relay everything the session prints; type a line once it is ready. */
    char buf[2048];
    size_t got = 0;
    int typed = 0;
    for (;;) {
        ssize_t n = read(m, buf + got, sizeof buf - 1 - got);
        if (n <= 0)
            break; /* EIO once the last slave descriptor closes */
        got += n;
        buf[got] = 0;
        if (!typed && strstr(buf, "ready\r\n")) {
            write(m, "x\n", 2);
            typed = 1;
        }
    }
    waitpid(pid, NULL, 0);
    for (size_t i = 0; i < got; i++)
        if (buf[i] != '\r')
            putchar(buf[i]);
    return 0;
}
