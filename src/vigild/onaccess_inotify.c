/* Recursive directory watching with inotify, for two jobs:
 *
 *  - with fanotify, it finds directories created (or moved in) under a
 *    watched tree so they get their fanotify mark (fanotify cannot report
 *    creations to a permission-class group);
 *  - without fanotify (no CAP_SYS_ADMIN, or forced), it is the fallback
 *    protection: a file closed after writing (IN_CLOSE_WRITE) or moved in
 *    (IN_MOVED_TO) is scanned then. It cannot block an open; a detection is
 *    reported and quarantined.
 *
 * inotify watches are not recursive either: every directory gets its own
 * watch, and a wd -> path table turns events back into paths. A directory
 * renamed inside the tree keeps its old path in the table until it is
 * watched again; excluded prefixes are never descended into. */
#include "onaccess_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MASK (IN_CLOSE_WRITE | IN_MOVED_TO)

struct oa_dirwatch {
    vd_onaccess *o;
    oa_dir_fn on_dir;
    oa_file_fn on_file; /* NULL: directories only */
    int in_fd, stop_fd;
    char **paths; /* [wd] */
    size_t n_paths;
    pthread_t thread;
    bool started;
};

static void set_path(oa_dirwatch *dw, int wd, const char *path)
{
    if ((size_t)wd >= dw->n_paths) {
        size_t n = dw->n_paths ? dw->n_paths * 2 : 64;
        while (n <= (size_t)wd)
            n *= 2;
        char **p = realloc(dw->paths, n * sizeof *p);
        if (p == NULL)
            return;
        memset(p + dw->n_paths, 0, (n - dw->n_paths) * sizeof *p);
        dw->paths = p;
        dw->n_paths = n;
    }
    free(dw->paths[wd]);
    dw->paths[wd] = strdup(path);
}

/* Watches dir and every directory below it. Depth is bounded by PATH_MAX. */
static void add_tree(oa_dirwatch *dw, const char *dir, bool initial)
{
    vd_onaccess *o = dw->o;
    if (oa_excluded(o, dir))
        return;
    uint32_t mask = IN_CREATE | IN_MOVED_TO | IN_DONT_FOLLOW | IN_ONLYDIR;
    if (dw->on_file)
        mask |= FILE_MASK;
    int wd = inotify_add_watch(dw->in_fd, dir, mask);
    if (wd < 0) {
        oa_log(o, 1, "onaccess.watch_failed", "path=%s error=\"%s\"", dir, strerror(errno));
        return;
    }
    set_path(dw, wd, dir);
    if (dw->on_dir)
        dw->on_dir(o, dir, initial);
    else
        atomic_fetch_add(&o->st.dirs, 1);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *de;
    char sub[PATH_MAX];
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (snprintf(sub, sizeof sub, "%s/%s", strcmp(dir, "/") ? dir : "", de->d_name) >=
            (int)sizeof sub)
            continue;
        bool is_dir = de->d_type == DT_DIR;
        if (de->d_type == DT_UNKNOWN) {
            struct stat st;
            is_dir = lstat(sub, &st) == 0 && S_ISDIR(st.st_mode);
        }
        if (is_dir)
            add_tree(dw, sub, initial);
        else if (!initial && dw->on_file && de->d_type != DT_LNK)
            /* A directory that arrived with files in it (mkdir -p && write,
             * or mv): they were written before we watched. */
            dw->on_file(o, sub);
    }
    closedir(d);
}

/* The fallback's scan after write. */
static void scan_after_write(vd_onaccess *o, const char *path)
{
    if (!atomic_load(&o->enabled)) {
        atomic_fetch_add(&o->st.events, 1);
        atomic_fetch_add(&o->st.disabled, 1);
        return;
    }
    if (oa_excluded(o, path))
        return;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return; /* gone again, or a symlink: nothing to scan */
    oa_dispatch(o, fd, false, 0);
}

static void handle(oa_dirwatch *dw, const struct inotify_event *ev)
{
    if (ev->mask & IN_IGNORED) {
        if ((size_t)ev->wd < dw->n_paths) {
            free(dw->paths[ev->wd]);
            dw->paths[ev->wd] = NULL;
        }
        return;
    }
    if (ev->mask & IN_Q_OVERFLOW) {
        oa_log(dw->o, 1, "onaccess.overflow", "note=\"inotify events lost\"");
        return;
    }
    if (ev->len == 0 || (size_t)ev->wd >= dw->n_paths || dw->paths[ev->wd] == NULL)
        return;
    char path[PATH_MAX];
    const char *base = dw->paths[ev->wd];
    if (snprintf(path, sizeof path, "%s/%s", strcmp(base, "/") ? base : "", ev->name) >=
        (int)sizeof path)
        return;
    if (ev->mask & IN_ISDIR) {
        if (ev->mask & (IN_CREATE | IN_MOVED_TO))
            add_tree(dw, path, false);
        return;
    }
    if (dw->on_file && (ev->mask & FILE_MASK))
        dw->on_file(dw->o, path);
}

static void *dirwatch_main(void *p)
{
    oa_dirwatch *dw = p;
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    struct pollfd pf[2] = {{.fd = dw->in_fd, .events = POLLIN},
                           {.fd = dw->stop_fd, .events = POLLIN}};
    for (;;) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[1].revents)
            break;
        ssize_t n = read(dw->in_fd, buf, sizeof buf);
        if (n <= 0) {
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            break;
        }
        for (char *q = buf; q < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)q;
            handle(dw, ev);
            q += sizeof *ev + ev->len;
        }
    }
    return NULL;
}

int oa_dirwatch_start(vd_onaccess *o, oa_dir_fn on_dir, oa_file_fn on_file, oa_dirwatch **out,
                      char *why, size_t why_size)
{
    *out = NULL;
    oa_dirwatch *dw = calloc(1, sizeof *dw);
    if (dw == NULL) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    dw->o = o;
    dw->on_dir = on_dir;
    /* No hooks at all: the inotify fallback, which scans after writes. */
    dw->on_file = on_dir == NULL && on_file == NULL ? scan_after_write : on_file;
    dw->stop_fd = -1;
    dw->in_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (dw->in_fd < 0) {
        snprintf(why, why_size, "inotify_init1: %s", strerror(errno));
        goto fail;
    }
    dw->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (dw->stop_fd < 0) {
        snprintf(why, why_size, "eventfd: %s", strerror(errno));
        goto fail;
    }
    for (size_t i = 0; i < o->o.n_include; i++)
        add_tree(dw, o->o.include[i], true);
    int e = pthread_create(&dw->thread, NULL, dirwatch_main, dw);
    if (e != 0) {
        snprintf(why, why_size, "cannot start the directory watcher: %s", strerror(e));
        goto fail;
    }
    dw->started = true;
    *out = dw;
    return 0;
fail:
    oa_dirwatch_stop(dw);
    return -1;
}

void oa_dirwatch_stop(oa_dirwatch *dw)
{
    if (dw == NULL)
        return;
    if (dw->started) {
        uint64_t one = 1;
        if (write(dw->stop_fd, &one, sizeof one) < 0)
            oa_log(dw->o, 0, "onaccess.stop", "error=\"%s\"", strerror(errno));
        pthread_join(dw->thread, NULL);
    }
    if (dw->in_fd >= 0)
        close(dw->in_fd);
    if (dw->stop_fd >= 0)
        close(dw->stop_fd);
    for (size_t i = 0; i < dw->n_paths; i++)
        free(dw->paths[i]);
    free(dw->paths);
    free(dw);
}
