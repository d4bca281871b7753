/* Listening sockets and the one-daemon-per-socket lock.
 *
 * The lock is flock() on "<socket>.lock", held for the daemon's life (the
 * kernel drops it when the process dies, even on SIGKILL, so it is never
 * stale). Only the lock holder may remove a leftover socket file: without
 * that rule a second daemon would unlink the first one's live socket and
 * steal its clients. A path that exists but is not a socket is never
 * removed. TCP listens on TCPAddr, loopback unless configured otherwise:
 * the clamd protocol has no authentication. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon_int.h"

static int listen_local(vd_daemon *d, const char *path, char *err, size_t errlen)
{
    char lockpath[4200];
    snprintf(lockpath, sizeof lockpath, "%s.lock", path);
    int lfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0) {
        snprintf(err, errlen, "cannot open the lock %s: %s", lockpath, strerror(errno));
        return -1;
    }
    if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(lfd);
        if (e == EWOULDBLOCK)
            snprintf(err, errlen, "another vigild is running on %s (it holds %s)", path, lockpath);
        else
            snprintf(err, errlen, "cannot lock %s: %s", lockpath, strerror(e));
        return -1;
    }
    d->lock_fd = lfd;

    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a socket: not removing it", path);
            return -1;
        }
        if (unlink(path) != 0) {
            snprintf(err, errlen, "cannot remove the stale socket %s: %s", path, strerror(errno));
            return -1;
        }
        vd_log(d, VD_LOG_INFO, "socket.stale_removed", "path=%s", path);
    }

    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "socket path too long: %s", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(fd, (int)d->cfg->max_queue) != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    d->bound_local = true;
    d->listen_fds[d->n_listen++] = fd;
    vd_log(d, VD_LOG_INFO, "socket.listen", "unix=%s", path);
    return 0;
}

static int listen_tcp(vd_daemon *d, const char *addr, unsigned port, char *err, size_t errlen)
{
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%u", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(addr, portstr, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "TCPAddr %s: %s", addr, gai_strerror(gai));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, (int)d->cfg->max_queue) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%u: %s", addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    d->listen_fds[d->n_listen++] = fd;
    vd_log(d, VD_LOG_INFO, "socket.listen", "tcp=%s:%u", addr, port);
    return 0;
}

int vdi_daemon_listen(vd_daemon *d, char *err, size_t errlen)
{
    const vd_config *c = d->cfg;
    if (c->local_socket != NULL && listen_local(d, c->local_socket, err, errlen) != 0)
        return -1;
    if (c->tcp_port != 0 &&
        listen_tcp(d, c->tcp_addr ? c->tcp_addr : "127.0.0.1", c->tcp_port, err, errlen) != 0)
        return -1;
    return 0;
}
