/* UNIX stream and seqpacket sockets: socketpair, bind to a path and to an
   abstract name, listen/accept/connect between processes, getsockname and
   getpeername, SO_PEERCRED/SO_TYPE/SO_RCVBUF, MSG_PEEK and MSG_DONTWAIT,
   shutdown, EOF and EPIPE/SIGPIPE after the peer closes, MSG_NOSIGNAL,
   packet boundaries, and bad socket arguments. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int pipes;
static void on_pipe(int sig) { (void)sig; pipes++; }

static void show_name(const char *what, struct sockaddr_un *a, socklen_t len) {
    printf("%s: len %u family %d ", what, (unsigned)len, a->sun_family);
    if (len > offsetof(struct sockaddr_un, sun_path) && a->sun_path[0] == 0)
        printf("abstract '%.*s'\n", (int)(len - 3), a->sun_path + 1);
    else if (len > offsetof(struct sockaddr_un, sun_path))
        printf("path '%s'\n", a->sun_path);
    else
        printf("unnamed\n");
}

static void pair_tests(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "hello ", 6);
    send(sv[0], "world", 5, 0);
    char buf[32] = {0};
    ssize_t n = recv(sv[1], buf, 4, MSG_PEEK);
    printf("peek %zd '%.*s'\n", n, (int)n, buf);
    n = read(sv[1], buf, sizeof buf);
    printf("read %zd '%.*s'\n", n, (int)n, buf);
    n = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
    printf("dontwait %zd EAGAIN=%d\n", n, errno == EAGAIN);
    int type, rcv;
    socklen_t len = sizeof type;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len);
    printf("SO_TYPE %d len %u\n", type, (unsigned)len);
    struct ucred cr;
    len = sizeof cr;
    getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len);
    printf("peercred pid ok %d uid %u gid %u len %u\n", cr.pid == getpid(), cr.uid, cr.gid,
           (unsigned)len);
    rcv = 65536;
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    len = sizeof rcv;
    getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &rcv, &len);
    printf("rcvbuf %d\n", rcv);
    struct stat st;
    fstat(sv[0], &st);
    printf("S_ISSOCK %d\n", S_ISSOCK(st.st_mode));

    shutdown(sv[0], SHUT_WR);
    n = read(sv[1], buf, sizeof buf);
    printf("after SHUT_WR read %zd\n", n);
    struct pollfd p = {sv[1], POLLIN | POLLOUT | POLLRDHUP, 0};
    poll(&p, 1, 0);
    printf("poll after peer SHUT_WR %#x\n", p.revents);
    n = write(sv[0], "x", 1);
    printf("write after SHUT_WR %zd EPIPE=%d sigpipes %d\n", n, errno == EPIPE, pipes);
    close(sv[0]);
    p.fd = sv[1];
    poll(&p, 1, 0);
    printf("poll after close %#x\n", p.revents);
    n = send(sv[1], "y", 1, MSG_NOSIGNAL);
    printf("send to closed %zd EPIPE=%d sigpipes %d\n", n, errno == EPIPE, pipes);
    close(sv[1]);

    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    send(sv[0], "abcdef", 6, 0);
    send(sv[0], "gh", 2, 0);
    n = recv(sv[1], buf, 4, 0);
    printf("seqpacket %zd '%.*s'\n", n, (int)n, buf);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("seqpacket %zd '%.*s'\n", n, (int)n, buf);
    close(sv[0]);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("seqpacket eof %zd\n", n);
    close(sv[1]);
}

static void server_tests(const char *label, struct sockaddr_un *addr, socklen_t alen) {
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int r = listen(l, 5);
    printf("%s listen unbound %d EINVAL=%d\n", label, r, errno == EINVAL);
    r = bind(l, (struct sockaddr *)addr, alen);
    printf("%s bind %d\n", label, r);
    int again = socket(AF_UNIX, SOCK_STREAM, 0);
    r = bind(again, (struct sockaddr *)addr, alen);
    printf("%s bind in use %d EADDRINUSE=%d\n", label, r, errno == EADDRINUSE);
    close(again);
    listen(l, 5);
    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    getsockname(l, (struct sockaddr *)&got, &glen);
    show_name("getsockname", &got, glen);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)addr, alen) != 0) {
            perror("connect");
            _exit(1);
        }
        struct sockaddr_un peer;
        socklen_t plen = sizeof peer;
        getpeername(c, (struct sockaddr *)&peer, &plen);
        show_name("child getpeername", &peer, plen);
        write(c, "ping", 4);
        char b[16];
        ssize_t n = read(c, b, sizeof b);
        printf("child got %zd '%.*s'\n", n, (int)n, b);
        fflush(stdout);
        _exit(0);
    }
    struct sockaddr_un from;
    socklen_t flen = sizeof from;
    int s = accept(l, (struct sockaddr *)&from, &flen);
    show_name("accepted from", &from, flen);
    char b[16];
    ssize_t n = read(s, b, sizeof b);
    printf("server got %zd '%.*s'\n", n, (int)n, b);
    write(s, "pong", 4);
    int status;
    waitpid(pid, &status, 0);
    n = read(s, b, sizeof b);
    printf("server eof %zd, child status %d\n", n, WEXITSTATUS(status));
    close(s);
    close(l);
    r = connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)addr, alen);
    printf("%s connect after close %d ECONNREFUSED=%d\n", label, r, errno == ECONNREFUSED);
}

int main(void) {
    signal(SIGPIPE, on_pipe);
    pair_tests();

    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, "sock.path");
    server_tests("path", &a, sizeof a);
    struct stat st;
    printf("node is a socket %d\n", stat("sock.path", &st) == 0 && S_ISSOCK(st.st_mode));
    unlink("sock.path");

    struct sockaddr_un ab = {.sun_family = AF_UNIX};
    memcpy(ab.sun_path, "\0tabvm-test", 11);
    server_tests("abstract", &ab, offsetof(struct sockaddr_un, sun_path) + 11);

    int r = socket(AF_UNIX, 99, 0);
    printf("bad type %d EINVAL=%d\n", r, errno == EINVAL);
    r = socket(AF_UNIX, SOCK_RDM, 0);
    printf("unsupported type %d ESOCKTNOSUPPORT=%d\n", r, errno == ESOCKTNOSUPPORT);
    r = socket(AF_UNIX, SOCK_STREAM, 6);
    printf("bad protocol %d EPROTONOSUPPORT=%d\n", r, errno == EPROTONOSUPPORT);
    int sp[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
    struct sockaddr_un any = {.sun_family = AF_UNIX};
    r = sendto(sp[0], "x", 1, 0, (struct sockaddr *)&any, sizeof any);
    printf("stream sendto with an address %d EISCONN=%d\n", r, errno == EISCONN);
    int lone = socket(AF_UNIX, SOCK_STREAM, 0);
    r = sendto(lone, "x", 1, 0, (struct sockaddr *)&any, sizeof any);
    printf("unconnected stream sendto %d EOPNOTSUPP=%d\n", r, errno == EOPNOTSUPP);
    r = send(lone, "x", 1, 0);
    printf("unconnected stream send %d ENOTCONN=%d\n", r, errno == ENOTCONN);
    r = recv(0, &r, 1, 0);
    printf("not a socket %d ENOTSOCK=%d\n", r, errno == ENOTSOCK);
    return 0;
}
