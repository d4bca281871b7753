/* What the clamd commands do: scan a path (file or tree), a stream, a passed
 * descriptor; report STATS. Reply lines are clamd's:
 *
 *     /srv/a.exe: Eicar-Test-Signature FOUND
 *     /srv/clean: OK                       (a tree: one OK, only if nothing found)
 *     /nope: File path check failure: No such file or directory. ERROR
 *     stream: OK                           fd[12]: OK
 *     INSTREAM size limit exceeded. ERROR
 *
 * One difference is deliberate: clamd answers "OK" for a file it could not
 * fully scan because a limit stopped it; vigild answers
 * "<path>: Scan incomplete (limit:<name>). ERROR", since a silent OK for
 * unscanned content is exactly what an attacker packs files to get.
 *
 * In a tree, symbolic links are not followed and special files are skipped
 * (clamd's defaults); a link named directly in the command is followed
 * (clamd would answer OK without scanning its target). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vigil/scanner.h>

#include "clamd_proto.h"

#define MAX_TREE_DEPTH 64
#define MAX_SIGS       16
#define STREAM_IN_MEM  (1u << 20) /* larger streams are spooled to a temporary file */

typedef struct scan_ctx {
    vdi_conn *c;
    vdi_scan_mode mode;
    vg_engine *engine;
    vg_scanner *scanner;
    unsigned found, errors;
    /* per object */
    char sigs[MAX_SIGS][128];
    unsigned nsigs;
    char incomplete[160];
} scan_ctx;

static int on_event(const vg_event *ev, void *ud)
{
    scan_ctx *x = ud;
    if (ev->kind == VG_EVENT_DETECTION && ev->signature != NULL) {
        for (unsigned i = 0; i < x->nsigs; i++)
            if (strcmp(x->sigs[i], ev->signature) == 0)
                return 0;
        if (x->nsigs < MAX_SIGS)
            snprintf(x->sigs[x->nsigs++], sizeof x->sigs[0], "%s", ev->signature);
    } else if (ev->kind == VG_EVENT_LIMIT && x->incomplete[0] == '\0') {
        snprintf(x->incomplete, sizeof x->incomplete, "limit:%s", vg_limit_name(ev->limit));
    } else if (ev->kind == VG_EVENT_ERROR && x->incomplete[0] == '\0') {
        snprintf(x->incomplete, sizeof x->incomplete, "%s", ev->message);
    }
    return 0;
}

static int ctx_begin(scan_ctx *x, vdi_conn *c, vdi_scan_mode mode)
{
    memset(x, 0, sizeof *x);
    x->c = c;
    x->mode = mode;
    x->engine = vd_engine_acquire(c->d);
    if (x->engine == NULL || vg_scanner_new(x->engine, &x->scanner) != VG_OK) {
        vd_engine_release(c->d, x->engine);
        return -1;
    }
    vg_scanner_set_callback(x->scanner, on_event, x);
    vg_scanner_set_flags(x->scanner, mode == VDI_ALLMATCHSCAN ? VG_SCAN_ALLMATCH : 0);
    return 0;
}

static void ctx_end(scan_ctx *x)
{
    vg_scanner_free(x->scanner);
    vd_engine_release(x->c->d, x->engine);
}

/* Replies for one scanned object. say_ok: a clean result gets a line. */
static void report(scan_ctx *x, const char *name, vg_error err, const vg_result *r, bool say_ok)
{
    vd_daemon *d = x->c->d;
    if (err != VG_OK) {
        x->errors++;
        vdi_reply(x->c, "%s: %s. ERROR", name, vg_strerror(err));
        vd_log(d, VD_LOG_WARN, "clamd.error", "path=%s error=\"%s\"", name, vg_strerror(err));
    } else if (r->verdict == VG_VERDICT_INFECTED && x->nsigs > 0) {
        x->found++;
        unsigned n = x->mode == VDI_ALLMATCHSCAN ? x->nsigs : 1;
        for (unsigned i = 0; i < n; i++) {
            vdi_reply(x->c, "%s: %s FOUND", name, x->sigs[i]);
            vd_log(d, VD_LOG_INFO, "clamd.found", "path=%s sig=%s", name, x->sigs[i]);
        }
    } else if (r->verdict == VG_VERDICT_INCOMPLETE) {
        x->errors++;
        vdi_reply(x->c, "%s: Scan incomplete (%s). ERROR", name,
                  x->incomplete[0] ? x->incomplete : "unknown");
        vd_log(d, VD_LOG_WARN, "clamd.incomplete", "path=%s reason=\"%s\"", name, x->incomplete);
    } else {
        if (say_ok)
            vdi_reply(x->c, "%s: OK", name);
        vd_log(d, VD_LOG_DEBUG, "clamd.clean", "path=%s", name);
    }
}

static void reset_object(scan_ctx *x)
{
    x->nsigs = 0;
    x->incomplete[0] = '\0';
}

static void scan_file(scan_ctx *x, const char *path, bool say_ok)
{
    reset_object(x);
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        x->errors++;
        int e = errno;
        vdi_reply(x->c, "%s: %s. ERROR", path, e == EACCES ? "Access denied" : strerror(e));
        vd_log(x->c->d, VD_LOG_WARN, "clamd.error", "path=%s error=\"%s\"", path, strerror(e));
        return;
    }
    vg_result r;
    vg_error err = vg_scanner_scan_fd(x->scanner, fd, path, &r);
    close(fd);
    report(x, path, err, &r, say_ok);
}

static bool should_stop(const scan_ctx *x)
{
    return x->c->broken || ((x->mode == VDI_SCAN || x->mode == VDI_ALLMATCHSCAN) && x->found > 0);
}

static void walk(scan_ctx *x, const char *dir, unsigned depth)
{
    DIR *dh = opendir(dir);
    if (dh == NULL) {
        x->errors++;
        vdi_reply(x->c, "%s: %s. ERROR", dir, errno == EACCES ? "Access denied" : strerror(errno));
        return;
    }
    struct dirent *de;
    while (!should_stop(x) && (de = readdir(dh)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        size_t n = strlen(dir) + strlen(de->d_name) + 2;
        char *child = malloc(n);
        if (child == NULL)
            break;
        snprintf(child, n, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", de->d_name);
        struct stat st;
        if (lstat(child, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < MAX_TREE_DEPTH)
                walk(x, child, depth + 1);
            else if (S_ISREG(st.st_mode))
                scan_file(x, child, false);
        }
        free(child);
    }
    closedir(dh);
}

void vdi_cmd_scan_path(vdi_conn *c, vdi_scan_mode mode, const char *arg)
{
    char *path = strdup(arg);
    if (path == NULL)
        return;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') /* clamd answers "/x/f: ..." for "/x/f/" */
        path[--n] = '\0';
    struct stat st;
    if (stat(path, &st) != 0) {
        vdi_reply(c, "%s: File path check failure: %s. ERROR", path, strerror(errno));
        free(path);
        return;
    }
    scan_ctx x;
    if (ctx_begin(&x, c, mode) != 0) {
        vdi_reply(c, "%s: Engine not ready. ERROR", path);
        free(path);
        return;
    }
    if (S_ISREG(st.st_mode)) {
        scan_file(&x, path, true);
    } else if (S_ISDIR(st.st_mode)) {
        walk(&x, path, 0);
        if (x.found == 0 && x.errors == 0 && !c->broken)
            vdi_reply(c, "%s: OK", path);
    } else {
        vdi_reply(c, "%s: Not supported file type. ERROR", path);
    }
    ctx_end(&x);
    free(path);
}

static int spool_open(void)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/vigild-stream.XXXXXX", dir);
    fd = mkostemp(tmpl, O_CLOEXEC);
    if (fd >= 0)
        unlink(tmpl);
    return fd;
}

/* Needs n buffered bytes; false when the peer left or stalled. */
static bool need(vdi_conn *c, size_t n)
{
    unsigned t = vd_daemon_config(c->d)->read_timeout_s;
    while (c->len < n)
        if (vdi_conn_fill(c, t) <= 0)
            return false;
    return true;
}

void vdi_cmd_instream(vdi_conn *c)
{
    const vd_config *cfg = vd_daemon_config(c->d);
    if (c->cap < 65536) { /* fewer, larger reads for the payload */
        char *nb = realloc(c->buf, 65536);
        if (nb != NULL) {
            c->buf = nb;
            c->cap = 65536;
        }
    }
    char *mem = NULL;
    int tmp = -1;
    uint64_t total = 0;
    for (;;) {
        if (!need(c, 4))
            goto aborted;
        const unsigned char *p = (const unsigned char *)c->buf;
        uint32_t len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        vdi_conn_consume(c, 4);
        if (len == 0)
            break;
        if (total + len > cfg->stream_max_length) {
            vdi_reply(c, "INSTREAM size limit exceeded. ERROR");
            vd_log(c->d, VD_LOG_WARN, "clamd.stream_too_long", "limit=%llu action=closed",
                   (unsigned long long)cfg->stream_max_length);
            c->broken = true; /* the rest of the stream is not read: close */
            goto done;
        }
        while (len > 0) {
            if (c->len == 0 && !need(c, 1))
                goto aborted;
            size_t take = c->len < len ? c->len : len;
            if (tmp < 0 && total + take > STREAM_IN_MEM) {
                if ((tmp = spool_open()) < 0 || (total && vd_write_all(tmp, mem, total) != 0)) {
                    vdi_reply(c, "stream: Cannot create a temporary file. ERROR");
                    c->broken = true;
                    goto done;
                }
                free(mem);
                mem = NULL;
            }
            if (tmp >= 0) {
                if (vd_write_all(tmp, c->buf, take) != 0) {
                    vdi_reply(c, "stream: Cannot write a temporary file. ERROR");
                    c->broken = true;
                    goto done;
                }
            } else {
                char *nm = realloc(mem, total + take);
                if (nm == NULL) {
                    c->broken = true;
                    goto done;
                }
                mem = nm;
                memcpy(mem + total, c->buf, take);
            }
            total += take;
            len -= (uint32_t)take;
            vdi_conn_consume(c, take);
        }
    }
    scan_ctx x;
    if (ctx_begin(&x, c, VDI_SCAN) != 0) {
        vdi_reply(c, "stream: Engine not ready. ERROR");
        goto done;
    }
    vg_result r;
    vg_error err = tmp >= 0 ? vg_scanner_scan_fd(x.scanner, tmp, "stream", &r)
                            : vg_scanner_scan_mem(x.scanner, mem ? mem : "", total, "stream", &r);
    report(&x, "stream", err, &r, true);
    ctx_end(&x);
    goto done;
aborted:
    vd_log(c->d, VD_LOG_WARN, "clamd.stream_aborted", "received=%llu reason=\"%s\"",
           (unsigned long long)total, vdi_daemon_stopping(c->d) ? "stopping" : "client left");
    c->broken = true;
done:
    free(mem);
    if (tmp >= 0)
        close(tmp);
}

void vdi_cmd_fildes(vdi_conn *c)
{
    unsigned t = vd_daemon_config(c->d)->read_timeout_s;
    while (c->pending_fd < 0)
        if (vdi_conn_fill(c, t) <= 0) {
            c->broken = true;
            return;
        }
    int fd = c->pending_fd;
    c->pending_fd = -1;
    /* Drop the dummy byte that carried the descriptor. */
    if (c->fd_pos > 0 && c->fd_pos <= c->len) {
        memmove(c->buf + c->fd_pos - 1, c->buf + c->fd_pos, c->len - c->fd_pos);
        c->len--;
    }
    char name[32];
    snprintf(name, sizeof name, "fd[%d]", fd);
    scan_ctx x;
    if (ctx_begin(&x, c, VDI_SCAN) != 0) {
        vdi_reply(c, "%s: Engine not ready. ERROR", name);
        close(fd);
        return;
    }
    struct stat st;
    vg_result r;
    vg_error err = fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
                       ? vg_scanner_scan_fd(x.scanner, fd, name, &r)
                       : vg_scanner_scan_stream(x.scanner, fd, name, &r);
    report(&x, name, err, &r, true);
    ctx_end(&x);
    close(fd);
}

void vdi_cmd_stats(vdi_conn *c)
{
    unsigned threads, busy, queued;
    vdi_daemon_pool_stats(c->d, &threads, &busy, &queued);
    const vd_config *cfg = vd_daemon_config(c->d);
    /* clamd's layout, which clamdtop parses: one tab-indented line per
     * busy thread (we list ours, the one answering, as STATS). */
    vdi_reply(c,
              "POOLS: 1\n\nSTATE: VALID PRIMARY\n"
              "THREADS: live %u  idle %u max %u idle-timeout %u\n"
              "QUEUE: %u items\n"
              "\tSTATS 0.000000 \n\n"
              "MEMSTATS: heap N/A mmap N/A used N/A free N/A releasable N/A pools 1 "
              "pools_used 0.000M pools_total 0.000M\n"
              "END",
              threads, threads - busy, cfg->max_threads, cfg->idle_timeout_s, queued);
}
