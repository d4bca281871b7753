/* The catch-up scan thread: per tree, one walk to count the candidates
 * (so progress has a total), one walk to scan them, then the watermark.
 *
 * The walk goes by path with lstat and never follows symlinks or enters
 * excluded prefixes; files are opened O_NOFOLLOW (and O_NOATIME when
 * allowed, so a scan does not disturb backups keyed on access times). The
 * thread runs at a lower priority (nice 10): it competes with the user, the
 * on-access workers do not. Cancellation is checked between files. */
#include "catchup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct vd_catchup {
    vd_cu_opts o;
    vd_cu_tree *trees;
    size_t n;
    pthread_t thread;
    atomic_bool cancel;
    pthread_mutex_t mu; /* progress */
    vd_cu_progress p;
};

const char *vd_cu_state_name(vd_cu_state s)
{
    switch (s) {
    case VD_CU_COUNTING:
        return "counting";
    case VD_CU_SCANNING:
        return "scanning";
    case VD_CU_DONE:
        return "done";
    case VD_CU_CANCELLED:
        return "cancelled";
    }
    return "?";
}

static void cu_log(vd_catchup *c, int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void cu_log(vd_catchup *c, int level, const char *event, const char *fmt, ...)
{
    if (c->o.hooks.log == NULL)
        return;
    char text[PATH_MAX + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    c->o.hooks.log(c->o.hooks.ud, level, event, text);
}

static int64_t ts_ns(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static bool changed(const vd_cu_tree *t, const struct stat *st)
{
    if (!t->has_watermark)
        return true;
    int64_t m = ts_ns(&st->st_mtim), ct = ts_ns(&st->st_ctim);
    return (m > ct ? m : ct) > t->watermark_ns;
}

/* Truncating copy (a finding's path is for display; the log has it whole). */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void scan_one(vd_catchup *c, const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    vd_oa_result r;
    memset(&r, 0, sizeof r);
    r.verdict = VD_OA_ERROR;
    if (fd < 0) {
        snprintf(r.message, sizeof r.message, "%s", strerror(errno));
    } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        fd = -1;
        r.verdict = VD_OA_CLEAN; /* replaced by something else meanwhile: not ours */
        r.gen = 0;
    } else {
        c->o.hooks.scan(c->o.hooks.ud, c->o.slot, fd, path, &r);
    }
    if (fd >= 0 && r.verdict == VD_OA_CLEAN && c->o.cache) {
        vd_vkey k;
        vd_vkey_from_stat(&st, &k);
        vd_vcache_insert(c->o.cache, &k, r.gen);
    }
    pthread_mutex_lock(&c->mu);
    c->p.files_done++;
    if (r.verdict == VD_OA_INFECTED) {
        c->p.found++;
        if (c->p.n_findings < VD_CU_FINDINGS_MAX) {
            vd_cu_finding *f = &c->p.findings[c->p.n_findings++];
            copy_str(f->path, sizeof f->path, path);
            copy_str(f->signature, sizeof f->signature, r.signature);
        }
    } else if (r.verdict == VD_OA_ERROR) {
        c->p.errors++;
    }
    pthread_mutex_unlock(&c->mu);
    if (r.verdict == VD_OA_INFECTED) {
        cu_log(c, 0, "catchup.found", "path=%s sig=%s", path, r.signature);
        if (c->o.hooks.found)
            c->o.hooks.found(c->o.hooks.ud, fd, path, &r, false);
    } else if (r.verdict == VD_OA_ERROR) {
        cu_log(c, 1, "catchup.error", "path=%s error=\"%s\"", path, r.message);
    }
    if (fd >= 0)
        close(fd);
}

/* Walks dir; counting only, or scanning. false when cancelled. */
static bool walk(vd_catchup *c, const vd_cu_tree *t, const char *dir, bool scan)
{
    if (vd_path_under(dir, c->o.exclude, c->o.n_exclude))
        return true;
    DIR *d = opendir(dir);
    if (d == NULL)
        return true;
    struct dirent *de;
    char path[PATH_MAX];
    bool ok = true;
    while (ok && (de = readdir(d)) != NULL) {
        if (atomic_load(&c->cancel)) {
            ok = false;
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", de->d_name) >=
            (int)sizeof path)
            continue;
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            ok = walk(c, t, path, scan);
        } else if (S_ISREG(st.st_mode) && changed(t, &st) &&
                   !vd_path_under(path, c->o.exclude, c->o.n_exclude)) {
            if (scan) {
                scan_one(c, path);
            } else {
                pthread_mutex_lock(&c->mu);
                c->p.files_total++;
                pthread_mutex_unlock(&c->mu);
            }
        }
    }
    closedir(d);
    return ok;
}

static void set_state(vd_catchup *c, vd_cu_state s)
{
    pthread_mutex_lock(&c->mu);
    c->p.state = s;
    if (s == VD_CU_DONE || s == VD_CU_CANCELLED)
        c->p.finished = (int64_t)time(NULL);
    pthread_mutex_unlock(&c->mu);
}

static void *cu_main(void *p)
{
    vd_catchup *c = p;
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), 10) != 0)
        cu_log(c, 3, "catchup.nice", "error=\"%s\"", strerror(errno));
    cu_log(c, 2, "catchup.start", "trees=%zu", c->n);
    /* Count every tree first: the total is then known while scanning. */
    for (size_t i = 0; i < c->n && !atomic_load(&c->cancel); i++)
        walk(c, &c->trees[i], c->trees[i].root, false);
    set_state(c, VD_CU_SCANNING);
    for (size_t i = 0; i < c->n; i++) {
        pthread_mutex_lock(&c->mu);
        c->p.tree = i;
        pthread_mutex_unlock(&c->mu);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        int64_t started = ts_ns(&now) - 1000000000;
        if (!walk(c, &c->trees[i], c->trees[i].root, true) || atomic_load(&c->cancel)) {
            set_state(c, VD_CU_CANCELLED);
            cu_log(c, 2, "catchup.cancelled", "tree=%s", c->trees[i].root);
            return NULL;
        }
        if (c->o.tree_done)
            c->o.tree_done(c->o.hooks.ud, i, started);
        cu_log(c, 2, "catchup.tree_done", "tree=%s full=%s", c->trees[i].root,
               c->trees[i].has_watermark ? "no" : "yes");
    }
    set_state(c, VD_CU_DONE);
    vd_cu_progress pr;
    vd_catchup_progress(c, &pr);
    cu_log(c, 2, "catchup.done", "files=%llu found=%llu errors=%llu",
           (unsigned long long)pr.files_done, (unsigned long long)pr.found,
           (unsigned long long)pr.errors);
    return NULL;
}

int vd_catchup_start(const vd_cu_tree *trees, size_t n, const vd_cu_opts *opts, vd_catchup **out)
{
    *out = NULL;
    vd_catchup *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    c->o = *opts;
    c->trees = calloc(n ? n : 1, sizeof *c->trees);
    if (c->trees == NULL) {
        free(c);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        c->trees[i] = trees[i];
        c->trees[i].root = strdup(trees[i].root);
    }
    c->n = n;
    atomic_init(&c->cancel, false);
    pthread_mutex_init(&c->mu, NULL);
    c->p.state = VD_CU_COUNTING;
    c->p.n_trees = n;
    c->p.started = (int64_t)time(NULL);
    int e = pthread_create(&c->thread, NULL, cu_main, c);
    if (e != 0) {
        for (size_t i = 0; i < n; i++)
            free((char *)c->trees[i].root);
        free(c->trees);
        free(c);
        errno = e;
        return -1;
    }
    *out = c;
    return 0;
}

void vd_catchup_progress(vd_catchup *c, vd_cu_progress *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->p;
    pthread_mutex_unlock(&c->mu);
}

void vd_catchup_cancel(vd_catchup *c)
{
    atomic_store(&c->cancel, true);
}

void vd_catchup_free(vd_catchup *c)
{
    if (c == NULL)
        return;
    vd_catchup_cancel(c);
    pthread_join(c->thread, NULL);
    for (size_t i = 0; i < c->n; i++)
        free((char *)c->trees[i].root);
    free(c->trees);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
