/* Directory walk without PATH_MAX.
 *
 * Paths are only built for printing and filtering; the file system is
 * always addressed relative to an open directory: openat(parent_fd, name).
 * So a tree deeper than PATH_MAX (4096 bytes) is still walked, and a
 * directory renamed or replaced by a symlink while we are inside it cannot
 * redirect us elsewhere.
 *
 * The walk is iterative (an explicit stack of frames, one open directory
 * descriptor each), so a deep tree costs heap, not C stack. Each frame reads
 * all its names at once, then closes the DIR stream: only the descriptor
 * stays open, not glibc's 32 KiB readdir buffer per level.
 *
 *     /data            frame 0: fd of /data, names {a, b, sub}
 *       /data/sub      frame 1: fd of sub, names {c}
 *
 * Loops: a directory whose (dev, ino) equals an ancestor's is a loop (bind
 * mounts make these even without symlinks). With --follow-symlinks one
 * directory may also be reached by many routes, so every directory entered
 * is remembered and entered once. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inoset.h"

typedef struct dent {
    unsigned char type;
    char name[];
} dent;

typedef struct frame {
    int fd;
    char *path;
    dev_t dev;
    ino_t ino;
    bool via_link; /* entered through a symlink, here or above */
    dent **names;
    size_t n, next;
} frame;

typedef struct walker {
    const walk_opts *opts;
    const walk_sink *sink;
    walk_counts *counts;
    frame *stack;
    size_t depth, cap;
    dev_t root_dev;
    inoset seen;
    int oom;
} walker;

static void emit_error(walker *w, const char *path, const char *what, int errnum)
{
    walk_item it = {
        .kind = WALK_ERROR, .path = (char *)path, .fd = -1, .what = what, .errnum = errnum};
    w->sink->emit(w->sink->ctx, &it);
}

static void emit_skip(walker *w, const char *path, walk_skip_reason reason, const char *what,
                      bool on_cmdline)
{
    walk_item it = {.kind = WALK_SKIP,
                    .path = (char *)path,
                    .fd = -1,
                    .reason = reason,
                    .what = what,
                    .on_cmdline = on_cmdline};
    switch (reason) {
    case SKIP_SYMLINK:
    case SKIP_BROKEN_SYMLINK:
        w->counts->skipped_symlinks++;
        break;
    case SKIP_SPECIAL:
        w->counts->skipped_special++;
        break;
    case SKIP_LOOP:
    case SKIP_OTHER_FS:
        w->counts->skipped_other++;
        break;
    }
    w->sink->emit(w->sink->ctx, &it);
}

static void emit_excluded(walker *w, const char *path)
{
    walk_item it = {.kind = WALK_EXCLUDED, .path = (char *)path, .fd = -1};
    w->counts->excluded++;
    w->sink->emit(w->sink->ctx, &it);
}

static const char *special_name(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "fifo";
    if (S_ISSOCK(mode))
        return "socket";
    if (S_ISCHR(mode))
        return "character device";
    if (S_ISBLK(mode))
        return "block device";
    return "special file";
}

static unsigned char mode_to_dtype(mode_t mode)
{
    if (S_ISREG(mode))
        return DT_REG;
    if (S_ISDIR(mode))
        return DT_DIR;
    if (S_ISLNK(mode))
        return DT_LNK;
    return DT_FIFO; /* any special file: the caller skips them alike */
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl > 0 && dir[dl - 1] != '/';
    char *p = malloc(dl + slash + nl + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, dir, dl);
    if (slash)
        p[dl] = '/';
    memcpy(p + dl + slash, name, nl + 1);
    return p;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const dent *const *)a)->name, (*(const dent *const *)b)->name);
}

static void free_names(frame *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->names[i]);
    free(f->names);
    f->names = NULL;
    f->n = f->next = 0;
}

/* Reads every name of the directory open on fd (which stays open). */
static int read_names(walker *w, frame *f)
{
    int dfd = dup(f->fd);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (d == NULL) {
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        emit_error(w, f->path, "cannot read directory", e);
        return 0;
    }
    size_t cap = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (de == NULL) {
            if (errno != 0)
                emit_error(w, f->path, "cannot read directory", errno);
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (f->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            dent **grown = realloc(f->names, ncap * sizeof *grown);
            if (grown == NULL)
                goto oom;
            f->names = grown;
            cap = ncap;
        }
        size_t len = strlen(de->d_name);
        dent *e = malloc(sizeof *e + len + 1);
        if (e == NULL)
            goto oom;
        e->type = de->d_type;
        memcpy(e->name, de->d_name, len + 1);
        f->names[f->n++] = e;
    }
    closedir(d);
    if (f->n > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(f->names, f->n, sizeof *f->names, by_name);
    return 0;
oom:
    closedir(d);
    w->oom = 1;
    return -1;
}

static bool is_ancestor(const walker *w, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < w->depth; i++)
        if (w->stack[i].dev == dev && w->stack[i].ino == ino)
            return true;
    return false;
}

/* Enters the directory open on fd (taken) named path (taken). */
static void enter_dir(walker *w, int fd, char *path, bool on_cmdline, bool via_link)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        emit_error(w, path, "cannot stat", errno);
        goto drop;
    }
    if (!on_cmdline && !w->opts->cross_fs && st.st_dev != w->root_dev) {
        emit_skip(w, path, SKIP_OTHER_FS, "other file system", false);
        goto drop;
    }
    if (is_ancestor(w, st.st_dev, st.st_ino)) {
        emit_skip(w, path, SKIP_LOOP, "directory loop", on_cmdline);
        goto drop;
    }
    if (w->opts->follow_symlinks) {
        int added = inoset_add(&w->seen, st.st_dev, st.st_ino);
        if (added < 0) {
            w->oom = 1;
            goto drop;
        }
        if (added == 0) {
            emit_skip(w, path, SKIP_LOOP, "directory already scanned", on_cmdline);
            goto drop;
        }
    }
    if (w->depth == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 16;
        frame *grown = realloc(w->stack, ncap * sizeof *grown);
        if (grown == NULL) {
            w->oom = 1;
            goto drop;
        }
        w->stack = grown;
        w->cap = ncap;
    }
    frame *f = &w->stack[w->depth++];
    *f = (frame){.fd = fd, .path = path, .dev = st.st_dev, .ino = st.st_ino, .via_link = via_link};
    w->counts->dirs++;
    read_names(w, f);
    return;
drop:
    close(fd);
    free(path);
}

static void pop(walker *w)
{
    frame *f = &w->stack[--w->depth];
    free_names(f);
    close(f->fd);
    free(f->path);
}

/* parent_fd is the caller's: duplicated when the sink wants it. */
static void emit_file(walker *w, int fd, char *path, bool on_cmdline, int parent_fd, bool via_link)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        emit_error(w, path, "cannot stat", errno);
    } else if (!S_ISREG(st.st_mode)) {
        /* Replaced between readdir() and open(): never read a FIFO here. */
        emit_skip(w, path, SKIP_SPECIAL, special_name(st.st_mode), on_cmdline);
    } else {
        walk_item it = {.kind = WALK_FILE,
                        .path = path,
                        .fd = fd,
                        .size = (uint64_t)st.st_size,
                        .st = st,
                        .parent_fd = -1,
                        .via_link = via_link,
                        .on_cmdline = on_cmdline};
        if (w->opts->keep_parent && parent_fd >= 0)
            it.parent_fd = fcntl(parent_fd, F_DUPFD_CLOEXEC, 0);
        w->sink->emit(w->sink->ctx, &it);
        return;
    }
    close(fd);
    free(path);
}

/* One entry of the directory on top of the stack. */
static void visit(walker *w, frame *f, const dent *e)
{
    char *path = join(f->path, e->name);
    if (path == NULL) {
        w->oom = 1;
        return;
    }
    unsigned char type = e->type;
    struct stat st;
    int nofollow = O_NOFOLLOW;
    if (type == DT_UNKNOWN || (type != DT_REG && type != DT_DIR && type != DT_LNK)) {
        if (fstatat(f->fd, e->name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) /* vanished since readdir(): nothing to scan */
                emit_error(w, path, "cannot stat", errno);
            goto done;
        }
        type = mode_to_dtype(st.st_mode);
        if (type == DT_FIFO) {
            emit_skip(w, path, SKIP_SPECIAL, special_name(st.st_mode), false);
            goto done;
        }
    }
    if (type == DT_LNK) {
        if (!w->opts->follow_symlinks) {
            emit_skip(w, path, SKIP_SYMLINK, "symbolic link", false);
            goto done;
        }
        if (fstatat(f->fd, e->name, &st, 0) != 0) {
            emit_skip(w, path, SKIP_BROKEN_SYMLINK, "broken symbolic link", false);
            goto done;
        }
        type = mode_to_dtype(st.st_mode);
        nofollow = 0;
        if (type == DT_FIFO) {
            emit_skip(w, path, SKIP_SPECIAL, special_name(st.st_mode), false);
            goto done;
        }
    }
    if (type == DT_DIR) {
        if (!w->opts->recursive)
            goto done;
        if (!path_filter_dir_ok(w->opts->filter, path)) {
            emit_excluded(w, path);
            goto done;
        }
        int fd = openat(f->fd, e->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | nofollow);
        if (fd < 0) {
            if (errno == ELOOP || errno == ENOTDIR) /* swapped for a link or file: skip */
                emit_skip(w, path, SKIP_SYMLINK, "changed during the scan", false);
            else
                emit_error(w, path, "cannot open directory", errno);
            goto done;
        }
        /* may move the stack: f is stale after */
        enter_dir(w, fd, path, false, f->via_link || nofollow == 0);
        return;
    }
    if (!path_filter_file_ok(w->opts->filter, path)) {
        emit_excluded(w, path);
        goto done;
    }
    int fd = openat(f->fd, e->name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | nofollow);
    if (fd < 0) {
        if (errno == ELOOP)
            emit_skip(w, path, SKIP_SYMLINK, "symbolic link", false);
        else if (errno != ENOENT)
            emit_error(w, path, "cannot open", errno);
        goto done;
    }
    emit_file(w, fd, path, false, f->fd, f->via_link || nofollow == 0);
    return;
done:
    free(path);
}

/* The directory holding a command-line file, for --action (-1 if none). */
static int open_parent(const walker *w, const char *path)
{
    if (!w->opts->keep_parent)
        return -1;
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char *dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    return fd;
}

/* A path named on the command line: symlinks are followed, a pipe is read
 * as a stream (so `vigil scan <(curl ...)` works), devices are skipped. */
static void visit_root(walker *w, const char *arg)
{
    size_t len = strlen(arg);
    while (len > 1 && arg[len - 1] == '/')
        len--; /* "dir/" prints children as "dir/x", like clamscan */
    char *path = strndup(arg, len);
    if (path == NULL) {
        w->oom = 1;
        return;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        emit_error(w, path, NULL, errno);
        goto done;
    }
    w->root_dev = st.st_dev;
    if (S_ISDIR(st.st_mode)) {
        if (!path_filter_dir_ok(w->opts->filter, path)) {
            emit_excluded(w, path);
            goto done;
        }
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            emit_error(w, path, "cannot open directory", errno);
            goto done;
        }
        enter_dir(w, fd, path, true, false);
        return;
    }
    if (!path_filter_file_ok(w->opts->filter, path)) {
        emit_excluded(w, path);
        goto done;
    }
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        /* Opening a device can have effects (a tape rewinds): don't. */
        emit_skip(w, path, SKIP_SPECIAL, special_name(st.st_mode), true);
        goto done;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        emit_error(w, path, "cannot open", errno);
        goto done;
    }
    struct stat fst;
    if (fstat(fd, &fst) == 0 && S_ISFIFO(fst.st_mode)) {
        /* O_NONBLOCK only kept open() from waiting for a writer. */
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        walk_item it = {.kind = WALK_STREAM, .path = path, .fd = fd, .on_cmdline = true};
        w->sink->emit(w->sink->ctx, &it);
        return;
    }
    /* A link named on the command line is scanned, but --action refuses it. */
    struct stat lst;
    bool is_link = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
    int parent = open_parent(w, path);
    emit_file(w, fd, path, true, parent, is_link);
    if (parent >= 0)
        close(parent);
    return;
done:
    free(path);
}

int walk_path(const walk_opts *opts, const walk_sink *sink, const char *path, walk_counts *counts)
{
    walker w = {.opts = opts, .sink = sink, .counts = counts};
    visit_root(&w, path);
    while (w.depth > 0 && !w.oom) {
        frame *f = &w.stack[w.depth - 1];
        if (f->next == f->n) {
            pop(&w);
            continue;
        }
        const dent *e = f->names[f->next++];
        visit(&w, f, e);
    }
    while (w.depth > 0)
        pop(&w);
    free(w.stack);
    inoset_cleanup(&w.seen);
    return w.oom ? -1 : 0;
}
