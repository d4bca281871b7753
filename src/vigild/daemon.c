/* The daemon's life: create, serve, stop.
 *
 *     main thread    poll(listeners + self-pipe) -> accept -> pool queue
 *     workers        one client connection each, start to end (clamd_proto.c)
 *     reloader       builds a new engine on RELOAD / SIGHUP (daemon_engine.c)
 *
 * Signals only write one byte into a self-pipe; the main loop does the
 * work. While the pool's queue is full the listeners are not polled, so
 * extra clients wait in the kernel's backlog (MaxConnectionQueueLength)
 * instead of in our memory. On stop the listeners close first, then the
 * workers see the stop flag at their next wait and finish, then the
 * reloader; nothing is killed in the middle of a reply. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon_int.h"

void *vdi_reloader_main(void *arg);

vd_daemon *vdi_daemon_new(const vd_config *cfg)
{
    vd_daemon *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->cfg = cfg;
    d->lock_fd = -1;
    if (pipe2(d->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(d);
        return NULL;
    }
    pthread_mutex_init(&d->engine_lock, NULL);
    pthread_cond_init(&d->reload_cond, NULL);
    atomic_init(&d->serving, false);
    atomic_init(&d->stopping, false);
    return d;
}

void vdi_daemon_free(vd_daemon *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n_listen; i++)
        close(d->listen_fds[i]);
    if (d->bound_local && d->cfg->local_socket != NULL)
        unlink(d->cfg->local_socket);
    if (d->lock_fd >= 0)
        close(d->lock_fd); /* releases the flock; the lock file itself stays */
    vg_engine_unref(d->engine);
    close(d->wake[0]);
    close(d->wake[1]);
    pthread_cond_destroy(&d->reload_cond);
    pthread_mutex_destroy(&d->engine_lock);
    free(d);
}

const vd_config *vd_daemon_config(const vd_daemon *d)
{
    return d->cfg;
}

bool vdi_daemon_stopping(const vd_daemon *d)
{
    return atomic_load(&((vd_daemon *)d)->stopping);
}

void vdi_daemon_signal(vd_daemon *d, char what)
{
    int saved = errno;
    if (what == 'T')
        atomic_store(&d->stopping, true);
    ssize_t w = write(d->wake[1], &what, 1);
    (void)w; /* a full pipe already holds a wake-up */
    errno = saved;
}

void vd_daemon_request_stop(vd_daemon *d)
{
    vdi_daemon_signal(d, 'T');
}

void vd_daemon_add_command(vd_daemon *d, const char *name, vd_cmd_fn fn, void *ud)
{
    if (atomic_load(&d->serving)) {
        vd_log(d, VD_LOG_ERROR, "command.refused", "name=%s reason=\"registered after start\"",
               name);
        return;
    }
    if (d->n_commands >= VDI_MAX_COMMANDS || fn == NULL || name == NULL || name[0] == '\0') {
        vd_log(d, VD_LOG_ERROR, "command.refused", "name=%s reason=\"table full or invalid\"",
               name ? name : "(null)");
        return;
    }
    vdi_command *c = &d->commands[d->n_commands];
    int n =
        snprintf(c->name, sizeof c->name, "%s%s", strncmp(name, "VIGIL-", 6) ? "VIGIL-" : "", name);
    if (n < 0 || (size_t)n >= sizeof c->name || strpbrk(c->name, " \t\n") != NULL) {
        vd_log(d, VD_LOG_ERROR, "command.refused", "name=%s reason=\"bad name\"", name);
        return;
    }
    c->fn = fn;
    c->ud = ud;
    d->n_commands++;
}

const vdi_command *vdi_daemon_find_command(const vd_daemon *d, const char *name)
{
    for (size_t i = 0; i < d->n_commands; i++)
        if (strcmp(d->commands[i].name, name) == 0)
            return &d->commands[i];
    return NULL;
}

void vdi_daemon_command_names(const vd_daemon *d, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < d->n_commands && off < len; i++) {
        int n = snprintf(buf + off, len - off, " %s", d->commands[i].name);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

void vdi_daemon_pool_stats(vd_daemon *d, unsigned *threads, unsigned *busy, unsigned *queued)
{
    vd_pool_stats(d->pool, threads, busy, queued);
}

int vd_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK)
            w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

typedef struct conn_job {
    vd_daemon *d;
    int fd;
} conn_job;

static void serve_job(void *arg)
{
    conn_job *j = arg;
    vdi_conn_serve(j->d, j->fd);
    free(j);
}

static void accept_one(vd_daemon *d, int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE)
            vd_log(d, VD_LOG_ERROR, "socket.accept", "error=\"%s\"", strerror(errno));
        return;
    }
    conn_job *j = malloc(sizeof *j);
    if (j != NULL) {
        j->d = d;
        j->fd = fd;
        if (vd_pool_submit(d->pool, serve_job, j) == 0)
            return;
        free(j);
    }
    /* Only reached when the queue filled between poll and accept. */
    vd_write_all(fd, "Server busy. ERROR\n", 19);
    close(fd);
    vd_log(d, VD_LOG_WARN, "socket.busy", "action=closed");
}

static void drain_wake(vd_daemon *d)
{
    char buf[64];
    ssize_t n;
    while ((n = read(d->wake[0], buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] == 'H') {
                vd_log(d, VD_LOG_INFO, "signal.hup", "action=reload");
                vdi_daemon_request_reload(d);
            }
}

int vdi_daemon_serve(vd_daemon *d)
{
    d->pool = vd_pool_new(d->cfg->max_threads, d->cfg->max_queue);
    if (d->pool == NULL) {
        vd_log(d, VD_LOG_ERROR, "start.failed", "reason=\"cannot start worker threads\"");
        return -1;
    }
    if (pthread_create(&d->reloader, NULL, vdi_reloader_main, d) == 0)
        d->reloader_started = true;
    atomic_store(&d->serving, true);
    vd_log(d, VD_LOG_INFO, "start", "threads=%u queue=%u stream_max=%llu pid=%ld",
           d->cfg->max_threads, d->cfg->max_queue, (unsigned long long)d->cfg->stream_max_length,
           (long)getpid());

    struct pollfd pf[VDI_MAX_LISTEN + 1];
    while (!atomic_load(&d->stopping)) {
        pf[0] = (struct pollfd){.fd = d->wake[0], .events = POLLIN};
        nfds_t n = 1;
        bool room = vd_pool_has_room(d->pool);
        if (room)
            for (size_t i = 0; i < d->n_listen; i++)
                pf[n++] = (struct pollfd){.fd = d->listen_fds[i], .events = POLLIN};
        int r = poll(pf, n, room ? -1 : 50);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        if (pf[0].revents)
            drain_wake(d);
        for (nfds_t i = 1; i < n; i++)
            if (pf[i].revents & POLLIN)
                accept_one(d, pf[i].fd);
    }

    vd_log(d, VD_LOG_INFO, "stop", "reason=request");
    for (size_t i = 0; i < d->n_listen; i++)
        close(d->listen_fds[i]);
    d->n_listen = 0;
    vd_pool_free(d->pool); /* workers see `stopping` at their next wait */
    d->pool = NULL;
    if (d->reloader_started) {
        pthread_mutex_lock(&d->engine_lock);
        pthread_cond_broadcast(&d->reload_cond);
        pthread_mutex_unlock(&d->engine_lock);
        pthread_join(d->reloader, NULL);
    }
    return 0;
}
