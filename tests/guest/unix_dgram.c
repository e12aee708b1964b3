/* UNIX datagram sockets: sendto/recvfrom between bound sockets with the
   sender's address, message boundaries, truncation with MSG_TRUNC, connect
   to fix a destination (and refusal by a receiver connected elsewhere),
   autobind, FIONREAD, poll readiness and socketcall-style send/recv. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static socklen_t abstract(struct sockaddr_un *a, const char *name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    size_t n = strlen(name);
    memcpy(a->sun_path + 1, name, n);
    return offsetof(struct sockaddr_un, sun_path) + 1 + n;
}

int main(void) {
    struct sockaddr_un aa, ab, from;
    socklen_t la = abstract(&aa, "dgram-a"), lb = abstract(&ab, "dgram-b");
    int a = socket(AF_UNIX, SOCK_DGRAM, 0), b = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    bind(a, (struct sockaddr *)&aa, la);
    bind(b, (struct sockaddr *)&ab, lb);

    char buf[64];
    ssize_t n = recv(b, buf, sizeof buf, 0);
    printf("empty %zd EAGAIN=%d\n", n, errno == EAGAIN);
    struct pollfd p = {b, POLLIN | POLLOUT, 0};
    poll(&p, 1, 0);
    printf("poll empty %#x\n", p.revents);
    sendto(a, "first message", 13, 0, (struct sockaddr *)&ab, lb);
    sendto(a, "second", 6, 0, (struct sockaddr *)&ab, lb);
    poll(&p, 1, 0);
    printf("poll ready %#x\n", p.revents);
    int avail = 0;
    ioctl(b, FIONREAD, &avail);
    printf("FIONREAD %d\n", avail);
    socklen_t fl = sizeof from;
    n = recvfrom(b, buf, 5, 0, (struct sockaddr *)&from, &fl);
    printf("truncated %zd '%.*s' from '%s' len %u\n", n, (int)n, buf, from.sun_path + 1,
           (unsigned)fl);
    n = recv(b, buf, 2, MSG_TRUNC | MSG_PEEK);
    printf("MSG_TRUNC peek %zd\n", n);
    n = recv(b, buf, sizeof buf, 0);
    printf("whole %zd '%.*s'\n", n, (int)n, buf);

    /* recvmsg reports truncation in msg_flags. */
    sendto(a, "0123456789", 10, 0, (struct sockaddr *)&ab, lb);
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov,
                       .msg_iovlen = 1};
    n = recvmsg(b, &m, 0);
    printf("recvmsg %zd flags MSG_TRUNC=%d namelen %u\n", n, !!(m.msg_flags & MSG_TRUNC),
           (unsigned)m.msg_namelen);

    /* An unbound sender: no address. */
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    sendto(u, "anon", 4, 0, (struct sockaddr *)&ab, lb);
    fl = sizeof from;
    n = recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("from unbound %zd addrlen %u\n", n, (unsigned)fl);

    /* Connected: plain send goes to the peer; b, connected to a, refuses u. */
    connect(a, (struct sockaddr *)&ab, lb);
    send(a, "via connect", 11, 0);
    n = recv(b, buf, sizeof buf, 0);
    printf("connected %zd '%.*s'\n", n, (int)n, buf);
    connect(b, (struct sockaddr *)&aa, la);
    n = sendto(u, "x", 1, 0, (struct sockaddr *)&ab, lb);
    printf("to a receiver connected elsewhere %zd EPERM=%d\n", n, errno == EPERM);
    struct sockaddr_un peer;
    socklen_t pl = sizeof peer;
    getpeername(b, (struct sockaddr *)&peer, &pl);
    printf("peer '%.*s'\n", (int)(pl - 3), peer.sun_path + 1);
    pl = sizeof peer;
    n = getpeername(u, (struct sockaddr *)&peer, &pl);
    printf("unconnected getpeername %zd ENOTCONN=%d\n", n, errno == ENOTCONN);
    n = send(u, "x", 1, 0);
    printf("unconnected send %zd ENOTCONN=%d\n", n, errno == ENOTCONN);

    /* Autobind: a family-only address gets an abstract 5-hex-digit name. */
    struct sockaddr_un auto_addr = {.sun_family = AF_UNIX};
    bind(u, (struct sockaddr *)&auto_addr, sizeof(sa_family_t));
    pl = sizeof peer;
    getsockname(u, (struct sockaddr *)&peer, &pl);
    printf("autobind len %u abstract %d\n", (unsigned)pl, peer.sun_path[0] == 0);

    /* sendmmsg/recvmmsg move several datagrams per call. */
    struct iovec iv[3] = {{"one", 3}, {"two", 3}, {"three", 5}};
    struct mmsghdr out[3], in[4];
    memset(out, 0, sizeof out);
    for (int i = 0; i < 3; i++) {
        out[i].msg_hdr.msg_iov = &iv[i];
        out[i].msg_hdr.msg_iovlen = 1;
    }
    int pair[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, pair);
    n = sendmmsg(pair[0], out, 3, 0);
    printf("sendmmsg %zd lens %u %u %u\n", n, out[0].msg_len, out[1].msg_len, out[2].msg_len);
    char rb[4][8];
    struct iovec riv[4];
    memset(in, 0, sizeof in);
    for (int i = 0; i < 4; i++) {
        riv[i].iov_base = rb[i];
        riv[i].iov_len = sizeof rb[i];
        in[i].msg_hdr.msg_iov = &riv[i];
        in[i].msg_hdr.msg_iovlen = 1;
    }
    n = recvmmsg(pair[1], in, 4, MSG_WAITFORONE, NULL);
    printf("recvmmsg %zd:", n);
    for (int i = 0; i < n; i++)
        printf(" '%.*s'", (int)in[i].msg_len, rb[i]);
    printf("\n");

    struct sockaddr_un none;
    socklen_t nl = abstract(&none, "nobody");
    n = sendto(u, "x", 1, 0, (struct sockaddr *)&none, nl);
    printf("to nobody %zd ECONNREFUSED=%d\n", n, errno == ECONNREFUSED);
    close(a);
    n = send(b, "x", 1, 0);
    printf("peer closed %zd ECONNREFUSED=%d\n", n, errno == ECONNREFUSED);
    return 0;
}
