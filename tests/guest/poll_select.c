/* poll and select on pipes: readiness before and after writes, zero timeouts,
 * POLLHUP when the writer closes, POLLNVAL for a closed descriptor, and a timed
 * wait that expires. */
#include <stdio.h>
#include <poll.h>
#include <unistd.h>
#include <sys/select.h>

static void show_poll(const char *label, struct pollfd *p, int n, int timeout)
{
    int r = poll(p, (nfds_t)n, timeout);
    printf("%s: poll=%d", label, r);
    for (int i = 0; i < n; i++)
        printf(" [fd%d in=%d out=%d hup=%d nval=%d]", i, !!(p[i].revents & POLLIN),
               !!(p[i].revents & POLLOUT), !!(p[i].revents & POLLHUP), !!(p[i].revents & POLLNVAL));
    printf("\n");
}

int main(void)
{
    int a[2], b[2];
    pipe(a);
    pipe(b);
    struct pollfd p[3] = { { a[0], POLLIN, 0 }, { a[1], POLLOUT, 0 }, { b[0], POLLIN, 0 } };
    show_poll("empty", p, 3, 0);
    write(a[1], "xyz", 3);
    show_poll("after write", p, 3, 0);
    char buf[8];
    read(a[0], buf, sizeof buf);
    close(b[1]);
    show_poll("writer of b closed", p, 3, 0);
    show_poll("timeout 50ms", p, 1, 50);
    close(b[0]);
    show_poll("closed fd", p + 2, 1, 0);

    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(a[0], &rd);
    FD_SET(a[1], &wr);
    struct timeval tv = { 0, 0 };
    int r = select(a[1] + 1, &rd, &wr, NULL, &tv);
    printf("select empty: %d read=%d write=%d\n", r, FD_ISSET(a[0], &rd), FD_ISSET(a[1], &wr));
    write(a[1], "q", 1);
    FD_ZERO(&rd);
    FD_SET(a[0], &rd);
    tv.tv_sec = 1;
    r = select(a[0] + 1, &rd, NULL, NULL, &tv);
    printf("select data: %d read=%d\n", r, FD_ISSET(a[0], &rd));
    FD_ZERO(&rd);
    FD_SET(a[0], &rd);
    read(a[0], buf, 1);
    tv.tv_sec = 0;
    tv.tv_usec = 30000;
    r = select(a[0] + 1, &rd, NULL, NULL, &tv);
    printf("select timeout: %d\n", r);
    int big[2];
    pipe(big);
    static char chunk[4096];
    long written = 0;
    struct pollfd w = { big[1], POLLOUT, 0 };
    while (poll(&w, 1, 0) == 1 && written < (1 << 22))
        written += write(big[1], chunk, sizeof chunk);
    printf("pipe filled until not writable: %d\n", written > 0 && written < (1 << 22));
    return 0;
}
