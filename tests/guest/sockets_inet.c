/* AF_INET sockets over loopback: TCP between a forked client and server,
   ephemeral ports and getsockname/getpeername, EADDRINUSE and
   SO_REUSEADDR, ECONNREFUSED, nonblocking accept and connect, poll
   readiness through a connection's life, shutdown and EOF, writes after
   the peer closed (EPIPE/SIGPIPE), sendfile to a socket, UDP echo with
   connected and unconnected sockets, option round trips and bad
   addresses. Ports are printed only as "in range" (the host picks them). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int pipes;
static void on_pipe(int sig) { (void)sig; pipes++; }

static struct sockaddr_in loopback(unsigned short port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static unsigned short port_of(int fd) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    return ntohs(a.sin_port);
}

static void show_name(const char *what, int fd, int peer) {
    struct sockaddr_in a;
    memset(&a, 0xee, sizeof a);
    socklen_t len = sizeof a;
    int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len)
                 : getsockname(fd, (struct sockaddr *)&a, &len);
    if (r < 0) {
        printf("%s: errno %d\n", what, errno);
        return;
    }
    unsigned short port = ntohs(a.sin_port);
    printf("%s: len %u family %d addr %s port %s\n", what, (unsigned)len, a.sin_family,
           inet_ntoa(a.sin_addr),
           port == 0 ? "0" : port >= 32768 && port <= 60999 ? "ephemeral" : "other");
}

static int listener(int backlog) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = loopback(0);
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, backlog);
    return s;
}

static short polled(int fd) {
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    poll(&p, 1, 0);
    return p.revents;
}

static void addresses(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    show_name("fresh name", s, 0);
    show_name("fresh peer", s, 1);
    struct sockaddr_in a = loopback(0);
    int r = bind(s, (struct sockaddr *)&a, sizeof a - 1);
    printf("bind short %d errno %d\n", r, errno);
    a.sin_family = AF_INET6;
    r = bind(s, (struct sockaddr *)&a, sizeof a);
    printf("bind AF_INET6 %d errno %d\n", r, errno);
    a = loopback(0);
    a.sin_family = AF_UNSPEC;
    r = bind(s, (struct sockaddr *)&a, sizeof a);
    printf("bind AF_UNSPEC loopback %d errno %d\n", r, errno);
    a.sin_addr.s_addr = htonl(0x0a000001);
    a.sin_family = AF_INET;
    r = bind(s, (struct sockaddr *)&a, sizeof a);
    printf("bind 10.0.0.1 %d errno %d\n", r, errno);
    a.sin_family = AF_UNSPEC;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    r = bind(s, (struct sockaddr *)&a, sizeof a);
    printf("bind AF_UNSPEC any %d\n", r);
    show_name("any name", s, 0);
    a = loopback(0);
    r = bind(s, (struct sockaddr *)&a, sizeof a);
    printf("bind again %d errno %d\n", r, errno);
    close(s);

    r = socket(AF_INET, SOCK_SEQPACKET, 0);
    printf("seqpacket %d errno %d\n", r, errno);
    r = socket(AF_INET, SOCK_STREAM, IPPROTO_UDP);
    printf("stream udp %d errno %d\n", r, errno);
    r = socket(AF_INET6, SOCK_STREAM, 0);
    printf("inet6 ok %d\n", r >= 0 || errno == EAFNOSUPPORT);
    if (r >= 0)
        close(r);

    /* The same port twice: refused unless both sides say SO_REUSEADDR
       and neither listens. */
    int x = socket(AF_INET, SOCK_STREAM, 0), y = socket(AF_INET, SOCK_STREAM, 0);
    a = loopback(0);
    bind(x, (struct sockaddr *)&a, sizeof a);
    a.sin_port = htons(port_of(x));
    r = bind(y, (struct sockaddr *)&a, sizeof a);
    printf("same port %d errno %d\n", r, errno);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    r = bind(y, (struct sockaddr *)&a, sizeof a);
    printf("same port on any %d errno %d\n", r, errno);
    int one = 1;
    setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    r = bind(y, (struct sockaddr *)&a, sizeof a);
    printf("both reuseaddr %d\n", r);
    close(y);
    y = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    listen(x, 1);
    r = bind(y, (struct sockaddr *)&a, sizeof a);
    printf("reuseaddr against listener %d errno %d\n", r, errno);
    close(y);

    /* A bound socket that does not listen refuses connections. */
    y = socket(AF_INET, SOCK_STREAM, 0);
    int z = socket(AF_INET, SOCK_STREAM, 0);
    a = loopback(0);
    bind(z, (struct sockaddr *)&a, sizeof a);
    a.sin_port = htons(port_of(z));
    r = connect(y, (struct sockaddr *)&a, sizeof a);
    printf("connect to non-listener %d ECONNREFUSED=%d\n", r, errno == ECONNREFUSED);
    close(x);
    close(y);
    close(z);
}

static void options(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int v;
    socklen_t len = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len);
    printf("SO_TYPE %d", v);
    getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &len);
    printf(" SO_DOMAIN %d", v);
    getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &len);
    printf(" SO_PROTOCOL %d", v);
    getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &len);
    printf(" SO_REUSEADDR %d", v);
    getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    printf(" TCP_NODELAY %d\n", v);
    int opts[][2] = {{SOL_SOCKET, SO_REUSEADDR}, {SOL_SOCKET, SO_REUSEPORT},
                     {SOL_SOCKET, SO_KEEPALIVE}, {IPPROTO_TCP, TCP_NODELAY},
                     {IPPROTO_TCP, TCP_KEEPIDLE}, {IPPROTO_IP, IP_TOS}};
    for (unsigned i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        v = 8;
        int r = setsockopt(s, opts[i][0], opts[i][1], &v, sizeof v);
        len = sizeof v;
        v = -1;
        getsockopt(s, opts[i][0], opts[i][1], &v, &len);
        printf("option %d/%d set %d reads %d len %u\n", opts[i][0], opts[i][1], r, v,
               (unsigned)len);
    }
    v = 65536;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    len = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len);
    printf("rcvbuf %d\n", v);
    struct linger l = {1, 5};
    setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    memset(&l, 0, sizeof l);
    len = sizeof l;
    getsockopt(s, SOL_SOCKET, SO_LINGER, &l, &len);
    printf("linger %d %d len %u\n", l.l_onoff, l.l_linger, (unsigned)len);
    int r = setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, 2);
    printf("short option %d errno %d\n", r, errno);
    r = setsockopt(s, 200, 1, &v, sizeof v);
    printf("unknown level %d errno %d\n", r, errno);
    close(s);
}

/* The server side of the forked tests: echoes each connection's bytes
   upper-cased until EOF, then closes it. */
static void serve(int l, int conns) {
    for (int i = 0; i < conns; i++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int c = accept(l, (struct sockaddr *)&peer, &len);
        char buf[4096];
        ssize_t n;
        while ((n = read(c, buf, sizeof buf)) > 0) {
            for (ssize_t j = 0; j < n; j++)
                if (buf[j] >= 'a' && buf[j] <= 'z')
                    buf[j] -= 32;
            write(c, buf, n);
        }
        close(c);
    }
}

static void tcp(void) {
    int l = listener(4);
    show_name("listener", l, 0);
    int v;
    socklen_t vlen = sizeof v;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vlen);
    printf("acceptconn %d poll idle %#x\n", v, polled(l));
    fcntl(l, F_SETFL, O_NONBLOCK);
    int r = accept(l, NULL, NULL);
    printf("nonblocking accept %d EAGAIN=%d\n", r, errno == EAGAIN);
    fcntl(l, F_SETFL, 0);
    struct sockaddr_in a = loopback(port_of(l));
    r = connect(l, (struct sockaddr *)&a, sizeof a);
    printf("connect a listener %d EISCONN=%d\n", r, errno == EISCONN);

    /* A connection in one process: the accepted end's names mirror. */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    printf("unconnected poll %#x\n", polled(c));
    r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("connect %d poll listener %#x\n", r, polled(l));
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int s = accept(l, (struct sockaddr *)&peer, &len);
    printf("accepted len %u family %d same port %d\n", (unsigned)len, peer.sin_family,
           ntohs(peer.sin_port) == port_of(c));
    show_name("client name", c, 0);
    show_name("client peer", c, 1);
    printf("server name port matches %d\n", port_of(s) == port_of(l));
    r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("connect again %d EISCONN=%d\n", r, errno == EISCONN);
    printf("poll connected %#x\n", polled(c));
    send(c, "hello", 5, 0);
    printf("poll with data %#x\n", polled(s));
    char buf[64];
    ssize_t n = recv(s, buf, sizeof buf, MSG_PEEK);
    printf("peek %zd '%.*s'\n", n, (int)n, buf);
    n = recvfrom(s, buf, 3, 0, (struct sockaddr *)&peer, &len);
    printf("recvfrom %zd '%.*s' addrlen %u\n", n, (int)n, buf, (unsigned)len);
    n = recv(s, buf, sizeof buf, 0);
    printf("recv %zd '%.*s'\n", n, (int)n, buf);
    n = recv(s, buf, sizeof buf, MSG_DONTWAIT);
    printf("dontwait %zd EAGAIN=%d\n", n, errno == EAGAIN);
    shutdown(c, SHUT_WR);
    n = read(s, buf, sizeof buf);
    printf("after SHUT_WR read %zd poll %#x\n", n, polled(s));
    n = write(s, "back", 4);
    n = read(c, buf, sizeof buf);
    printf("half-closed reply %zd '%.*s'\n", n, (int)n, buf);
    close(s);
    n = read(c, buf, sizeof buf);
    printf("after peer close read %zd poll %#x\n", n, polled(c));
    n = write(c, "x", 1);
    printf("write after SHUT_WR %zd EPIPE=%d sigpipes %d\n", n, errno == EPIPE, pipes);
    close(c);

    /* Writing to a connection whose peer closed: the first write is
       answered by a reset, the next fails with EPIPE. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof a);
    s = accept(l, NULL, NULL);
    close(s);
    n = write(c, "one", 3);
    printf("write to closed peer %zd\n", n);
    n = send(c, "two", 3, MSG_NOSIGNAL);
    printf("again %zd EPIPE=%d sigpipes %d\n", n, errno == EPIPE, pipes);
    n = read(c, buf, sizeof buf);
    printf("read after reset %zd\n", n);
    close(c);

    /* A nonblocking connect and a forked echo server. */
    pid_t pid = fork();
    if (pid == 0) {
        serve(l, 2);
        _exit(0);
    }
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("nonblocking connect %d EINPROGRESS=%d\n", r, errno == EINPROGRESS);
    struct pollfd p = {c, POLLOUT, 0};
    poll(&p, 1, -1);
    int err = -1;
    vlen = sizeof err;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &vlen);
    printf("writable %#x SO_ERROR %d\n", p.revents, err);
    r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("connect to finish %d\n", r);
    r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("and again %d EISCONN=%d\n", r, errno == EISCONN);
    fcntl(c, F_SETFL, 0);
    write(c, "echo me", 7);
    shutdown(c, SHUT_WR);
    size_t got = 0;
    while ((n = read(c, buf + got, sizeof buf - got)) > 0)
        got += n;
    printf("echoed '%.*s'\n", (int)got, buf);
    close(c);

    /* sendfile from a file into a socket. */
    int f = open("payload", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char text[3000];
    for (unsigned i = 0; i < sizeof text; i++)
        text[i] = "abcdefghij"[i % 10];
    write(f, text, sizeof text);
    c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof a);
    off_t off = 100;
    ssize_t sent = sendfile(c, f, &off, 2500);
    printf("sendfile %zd offset %ld\n", sent, (long)off);
    shutdown(c, SHUT_WR);
    char back[4096];
    got = 0;
    while ((n = read(c, back + got, sizeof back - got)) > 0)
        got += n;
    int same = got == 2500;
    for (size_t i = 0; same && i < got; i++)
        same = back[i] == text[100 + i] - 32;
    printf("sendfile echoed %zu matches %d\n", got, same);
    close(c);
    close(f);
    int status;
    waitpid(pid, &status, 0);
    printf("server exit %d\n", WEXITSTATUS(status));

    /* Connecting to a listener that is gone. */
    close(l);
    c = socket(AF_INET, SOCK_STREAM, 0);
    r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("connect after close %d ECONNREFUSED=%d\n", r, errno == ECONNREFUSED);
    close(c);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("nonblocking refused %d EINPROGRESS=%d\n", r, errno == EINPROGRESS);
    p.fd = c;
    p.events = POLLIN | POLLOUT;
    poll(&p, 1, -1);
    vlen = sizeof err;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &vlen);
    printf("poll %#x SO_ERROR ECONNREFUSED=%d\n", p.revents, err == ECONNREFUSED);
    r = connect(c, (struct sockaddr *)&a, sizeof a);
    printf("connect to finish %d ECONNABORTED=%d\n", r, errno == ECONNABORTED);
    close(c);
}

static void udp(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = loopback(0);
    bind(s, (struct sockaddr *)&a, sizeof a);
    show_name("udp name", s, 0);
    int v;
    socklen_t vlen = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &vlen);
    printf("udp protocol %d poll %#x\n", v, polled(s));
    a.sin_port = htons(port_of(s));
    int r = listen(s, 1);
    printf("udp listen %d EOPNOTSUPP=%d\n", r, errno == EOPNOTSUPP);

    pid_t pid = fork();
    if (pid == 0) {
        char buf[256];
        struct sockaddr_in from;
        for (int i = 0; i < 3; i++) {
            socklen_t len = sizeof from;
            ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
            buf[n] = '!';
            sendto(s, buf, n + 1, 0, (struct sockaddr *)&from, len);
        }
        _exit(0);
    }
    int c = socket(AF_INET, SOCK_DGRAM, 0);
    show_name("udp client before", c, 0);
    sendto(c, "ping", 4, 0, (struct sockaddr *)&a, sizeof a);
    show_name("udp client after", c, 0);
    char buf[256];
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    printf("reply %zd '%.*s' from server %d len %u\n", n, (int)n, buf,
           from.sin_port == a.sin_port, (unsigned)len);
    connect(c, (struct sockaddr *)&a, sizeof a);
    show_name("udp peer", c, 1);
    send(c, "abcdef", 6, 0);
    n = recv(c, buf, 3, MSG_PEEK);
    printf("peek %zd '%.*s'\n", n, (int)n, buf);
    n = recv(c, buf, 3, MSG_TRUNC);
    printf("truncated %zd '%.3s'\n", n, buf);
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov,
                       .msg_iovlen = 1};
    send(c, "msg", 3, 0);
    n = recvmsg(c, &m, 0);
    printf("recvmsg %zd '%.*s' namelen %u flags %d\n", n, (int)n, buf,
           (unsigned)m.msg_namelen, m.msg_flags);
    n = recv(c, buf, sizeof buf, MSG_DONTWAIT);
    printf("empty %zd EAGAIN=%d\n", n, errno == EAGAIN);
    int status;
    waitpid(pid, &status, 0);

    static char big[65508];
    n = send(c, big, sizeof big, 0);
    printf("send 65508 %zd EMSGSIZE=%d\n", n, errno == EMSGSIZE);
    struct sockaddr_in unspec = {.sin_family = AF_UNSPEC};
    r = connect(c, (struct sockaddr *)&unspec, sizeof unspec);
    len = sizeof from;
    int r2 = getpeername(c, (struct sockaddr *)&from, &len);
    printf("AF_UNSPEC connect %d then getpeername %d ENOTCONN=%d\n", r, r2, errno == ENOTCONN);
    n = send(c, "x", 1, 0);
    printf("send unconnected %zd EDESTADDRREQ=%d\n", n, errno == EDESTADDRREQ);
    a.sin_port = 0;
    n = sendto(c, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
    printf("sendto port 0 %zd errno %d\n", n, errno);
    close(c);
    close(s);

    /* A connected socket learns that nobody listens at the next call. */
    c = socket(AF_INET, SOCK_DGRAM, 0);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    a = loopback(0);
    bind(s, (struct sockaddr *)&a, sizeof a);
    a.sin_port = htons(port_of(s));
    close(s);
    connect(c, (struct sockaddr *)&a, sizeof a);
    n = send(c, "lost", 4, 0);
    printf("send to nobody %zd\n", n);
    n = recv(c, buf, sizeof buf, MSG_DONTWAIT);
    printf("then recv %zd ECONNREFUSED=%d\n", n, errno == ECONNREFUSED);
    close(c);
}

int main(void) {
    signal(SIGPIPE, on_pipe);
    setvbuf(stdout, NULL, _IOLBF, 0);
    addresses();
    options();
    tcp();
    udp();
    return 0;
}
