/* Passing descriptors and credentials over UNIX sockets: SCM_RIGHTS to a
   child process (a pipe end and a file, sharing the offset), several fds in
   one message, MSG_CMSG_CLOEXEC, MSG_CTRUNC when the control buffer is too
   small, and SCM_CREDENTIALS with SO_PASSCRED. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int send_fds(int sock, const int *fds, int n, const char *data) {
    char control[CMSG_SPACE(4 * sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                       .msg_controllen = CMSG_SPACE(n * sizeof(int))};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(c), fds, n * sizeof(int));
    return sendmsg(sock, &m, 0);
}

/* Receives into a control buffer of `space` bytes; returns fds got. */
static int recv_fds(int sock, int *fds, size_t space, int flags, int *mflags) {
    char control[256];
    char data[32];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                       .msg_controllen = space};
    ssize_t n = recvmsg(sock, &m, flags);
    *mflags = m.msg_flags;
    printf("  received %zd bytes '%.*s' controllen %u\n", n, (int)n, data,
           (unsigned)m.msg_controllen);
    int got = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds + got, CMSG_DATA(c), k * sizeof(int));
            got += k;
        }
    }
    return got;
}

int main(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int pfd[2];
    pipe(pfd);
    int file = open("scm_rights.tmp", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(file, "abcdef", 6);
    lseek(file, 2, SEEK_SET);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        int fds[4], mflags;
        int got = recv_fds(sv[1], fds, sizeof(int) * 2 + CMSG_LEN(0) + 8, 0, &mflags);
        printf("child got %d fds, distinct from sender's: %d\n", got, fds[0] > 4);
        write(fds[0], "through the passed pipe", 23);
        char b[8] = {0};
        read(fds[1], b, 2);
        printf("child read shared offset: '%s'\n", b);
        fflush(stdout);
        _exit(0);
    }
    close(sv[1]);
    int two[2] = {pfd[1], file};
    send_fds(sv[0], two, 2, "fds");
    close(pfd[1]);
    char b[64];
    ssize_t n = read(pfd[0], b, sizeof b);
    printf("parent read %zd '%.*s'\n", n, (int)n, b);
    waitpid(pid, NULL, 0);
    printf("offset after child %ld\n", (long)lseek(file, 0, SEEK_CUR));
    n = read(pfd[0], b, sizeof b);
    printf("pipe eof after child exit %zd\n", n);

    /* Within one process: cloexec flag, truncated control buffer. */
    int s2[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, s2);
    int three[3] = {0, 1, 2};
    send_fds(s2[0], three, 3, "three");
    int fds[4], mflags;
    int got = recv_fds(s2[1], fds, CMSG_SPACE(3 * sizeof(int)), MSG_CMSG_CLOEXEC, &mflags);
    printf("got %d fds, cloexec %d, ctrunc %d\n", got, fcntl(fds[0], F_GETFD) & FD_CLOEXEC,
           !!(mflags & MSG_CTRUNC));
    for (int i = 0; i < got; i++)
        close(fds[i]);
    send_fds(s2[0], three, 3, "short");
    got = recv_fds(s2[1], fds, CMSG_SPACE(sizeof(int)), 0, &mflags);
    printf("short buffer: got %d fds, ctrunc %d\n", got, !!(mflags & MSG_CTRUNC));
    close(fds[0]);
    n = send_fds(s2[0], (int[]){99}, 1, "bad");
    printf("bad fd %zd EBADF=%d\n", n, errno == EBADF);

    /* Credentials, when the receiver asks for them. */
    int on = 1;
    setsockopt(s2[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    send(s2[0], "cred", 4, 0);
    char control[64];
    struct iovec iov = {b, sizeof b};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                       .msg_controllen = sizeof control};
    n = recvmsg(s2[1], &m, 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    const struct ucred *cr = (const struct ucred *)CMSG_DATA(c);
    printf("cred msg %zd type %d len %u pid ok %d uid %u gid %u\n", n, c->cmsg_type,
           (unsigned)c->cmsg_len, cr->pid == getpid(), cr->uid, cr->gid);
    unlink("scm_rights.tmp");
    return 0;
}
