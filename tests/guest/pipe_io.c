/* Pipes between parent and child in both directions, a 1 MiB transfer with
 * checksums, EOF after close, EPIPE/SIGPIPE on a pipe without readers. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <errno.h>
#include <unistd.h>
#include <sys/wait.h>

static uint32_t adler(const unsigned char *p, size_t n, uint32_t *a, uint32_t *b)
{
    for (size_t i = 0; i < n; i++) {
        *a = (*a + p[i]) % 65521;
        *b = (*b + *a) % 65521;
    }
    return (*b << 16) | *a;
}

int main(void)
{
    int down[2], up[2];
    pipe(down);
    pipe(up);
    pid_t p = fork();
    if (p == 0) {
        close(down[1]);
        close(up[0]);
        unsigned char buf[4096];
        uint32_t a = 1, b = 0, total = 0;
        ssize_t n;
        while ((n = read(down[0], buf, sizeof buf)) > 0) {
            adler(buf, (size_t)n, &a, &b);
            total += (uint32_t)n;
        }
        char msg[64];
        int len = snprintf(msg, sizeof msg, "child got %u bytes adler %08x", total,
                           (b << 16) | a);
        write(up[1], msg, (size_t)len);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    static unsigned char data[1 << 20];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 131 + (i >> 9));
    uint32_t a = 1, b = 0;
    printf("parent adler %08x\n", adler(data, sizeof data, &a, &b));
    size_t off = 0;
    while (off < sizeof data) {
        size_t chunk = 1000 + off % 7000;
        if (chunk > sizeof data - off)
            chunk = sizeof data - off;
        ssize_t w = write(down[1], data + off, chunk);
        if (w <= 0)
            return 2;
        off += (size_t)w;
    }
    close(down[1]);
    char reply[128];
    ssize_t n, got = 0;
    while ((n = read(up[0], reply + got, sizeof reply - 1 - (size_t)got)) > 0)
        got += n;
    reply[got] = 0;
    printf("reply: %s\n", reply);
    printf("read at EOF: %zd\n", read(up[0], reply, 1));
    int st;
    waitpid(p, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));

    int lone[2];
    pipe(lone);
    close(lone[0]);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    {
        long ret = (long)(write(lone[1], "x", 1));
        int hit = errno == EPIPE;
        printf("write without reader: %ld EPIPE=%d\n", ret, hit);
    }
    signal(SIGPIPE, SIG_DFL);
    pid_t q = fork();
    if (q == 0) {
        write(lone[1], "x", 1);
        _exit(0);
    }
    waitpid(q, &st, 0);
    printf("child writing to broken pipe: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
    return 0;
}
