/* On-access protection with fanotify: the group, the marks, the reader.
 *
 * Marks are inode marks on every directory of the watched trees with
 * FAN_EVENT_ON_CHILD, not a mount mark: a mount mark would route every
 * open on the whole filesystem through this daemon (and a stuck daemon
 * would stall the machine -- the ClamAV failure mode this design avoids).
 * Directories created later are marked as the inotify watcher reports them
 * (onaccess_inotify.c); a file opened in the instant between a mkdir and
 * its mark is not seen, which the catch-up scan covers.
 *
 * The reader never blocks on a scan: it answers the daemon's own opens
 * (event pid == our pid, which also covers our threads: fanotify reports
 * the thread group), drops cache entries on FAN_CLOSE_WRITE, and passes
 * the rest to oa_dispatch(). */
#include "onaccess_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define PERM_MASK (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM)
#define MARK_MASK (PERM_MASK | FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD)

void oa_fan_respond(vd_onaccess *o, int fd, bool allow)
{
    struct fanotify_response r = {.fd = fd, .response = allow ? FAN_ALLOW : FAN_DENY};
    while (write(o->fan_fd, &r, sizeof r) < 0) {
        if (errno == EINTR)
            continue;
        /* ENOENT: the kernel no longer waits for it (group closing). */
        oa_log(o, 0, "onaccess.answer_failed", "fd=%d error=\"%s\"", fd, strerror(errno));
        break;
    }
}

void oa_fan_mark_dir(vd_onaccess *o, const char *dir)
{
    if (fanotify_mark(o->fan_fd, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW, MARK_MASK, AT_FDCWD, dir) !=
        0) {
        oa_log(o, 1, "onaccess.mark_failed", "path=%s error=\"%s\"", dir, strerror(errno));
        return;
    }
    atomic_fetch_add(&o->st.dirs, 1);
}

static void on_dir(vd_onaccess *o, const char *dir, bool initial)
{
    (void)initial;
    oa_fan_mark_dir(o, dir);
}

static void handle(vd_onaccess *o, const struct fanotify_event_metadata *m, pid_t self)
{
    if (m->fd == FAN_NOFD) {
        if (m->mask & FAN_Q_OVERFLOW)
            oa_log(o, 1, "onaccess.overflow", "note=\"notification events lost\"");
        return;
    }
    if (m->mask & PERM_MASK) {
        if (m->pid == self) {
            atomic_fetch_add(&o->st.events, 1);
            atomic_fetch_add(&o->st.own, 1);
            oa_fan_respond(o, m->fd, true);
            close(m->fd);
            return;
        }
        oa_dispatch(o, m->fd, true, m->pid);
        return;
    }
    /* FAN_CLOSE_WRITE: the content changed; its cached verdict is void. */
    struct stat st;
    if (o->o.cache && fstat(m->fd, &st) == 0)
        vd_vcache_drop(o->o.cache, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
    close(m->fd);
}

static void *reader_main(void *p)
{
    vd_onaccess *o = p;
    pid_t self = getpid();
    /* Aligned for the metadata structs; large enough for a burst. */
    static _Thread_local struct fanotify_event_metadata buf[512];
    struct pollfd pf[2] = {{.fd = o->fan_fd, .events = POLLIN},
                           {.fd = o->stop_fd, .events = POLLIN}};
    for (;;) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            oa_log(o, 0, "onaccess.poll_failed", "error=\"%s\"", strerror(errno));
            break;
        }
        if (pf[1].revents)
            break;
        ssize_t n = read(o->fan_fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            oa_log(o, 0, "onaccess.read_failed", "error=\"%s\"", strerror(errno));
            break;
        }
        const struct fanotify_event_metadata *m = buf;
        for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
            if (m->vers != FANOTIFY_METADATA_VERSION) {
                oa_log(o, 0, "onaccess.version", "got=%u want=%u", m->vers,
                       FANOTIFY_METADATA_VERSION);
                if (m->fd >= 0) {
                    if (m->mask & PERM_MASK)
                        oa_fan_respond(o, m->fd, true);
                    close(m->fd);
                }
                continue;
            }
            handle(o, m, self);
        }
    }
    return NULL;
}

int oa_fan_start(vd_onaccess *o, char *why, size_t why_size)
{
    o->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_MARKS,
                              O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NONBLOCK);
    if (o->fan_fd < 0) {
        snprintf(why, why_size, "fanotify_init: %s", strerror(errno));
        return -1;
    }
    o->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (o->stop_fd < 0) {
        snprintf(why, why_size, "eventfd: %s", strerror(errno));
        goto fail;
    }
    /* Mark the trees (and learn of new directories) before reading. */
    if (oa_dirwatch_start(o, on_dir, NULL, &o->dw, why, why_size) != 0)
        goto fail;
    if (atomic_load(&o->st.dirs) == 0) {
        snprintf(why, why_size, "no directory could be marked");
        goto fail;
    }
    int e = pthread_create(&o->reader, NULL, reader_main, o);
    if (e != 0) {
        snprintf(why, why_size, "cannot start the reader: %s", strerror(e));
        goto fail;
    }
    o->reader_started = true;
    return 0;
fail:
    oa_dirwatch_stop(o->dw);
    o->dw = NULL;
    atomic_store(&o->st.dirs, 0);
    if (o->stop_fd >= 0)
        close(o->stop_fd);
    o->stop_fd = -1;
    close(o->fan_fd); /* allows anything already pending */
    o->fan_fd = -1;
    return -1;
}

void oa_fan_stop_reader(vd_onaccess *o)
{
    if (!o->reader_started)
        return;
    uint64_t one = 1;
    if (write(o->stop_fd, &one, sizeof one) < 0)
        oa_log(o, 0, "onaccess.stop", "error=\"%s\"", strerror(errno));
    pthread_join(o->reader, NULL);
    o->reader_started = false;
}
