/* `vigil-server log export DIR`: the transparency log as static files, so
 * that a file:// URL or any static web server is a mirror (called from
 * cmd_log.c).
 *
 * The mirror holds, for a log of n leaves whose latest head has size n:
 *
 *     DIR/v1/bundles/<version>               every bundle file
 *     DIR/v1/log/entries/<s>-<e>             s = 0, 1000, 2000 ...; e = min(s + 1000, n)
 *     DIR/v1/log/proof/inclusion/<i>-<n>     every leaf i < n in the latest tree
 *     DIR/v1/log/proof/consistency/<m>-<n>   every m in 1 .. n-1
 *     DIR/v1/log/sth, DIR/v1/bundles/latest  written last
 *
 * Every file is the exact body the HTTP endpoint answers (log_doc.c), and
 * is written to a temporary name and renamed: a client reading a mirror
 * while it is refreshed sees old or new files, and the head and "latest"
 * come last, so no head names a tree whose proofs are not there yet. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "log_doc.h"
#include "publish.h"
#include "store_log.h"

static int mkdirs(const char *path)
{
    char p[4200];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Writes (tmp + rename) data, or when src_fd >= 0 that file's content. */
static int put_file(const char *dir, const char *rel, const void *data, size_t len, int src_fd)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -1;
    int ok = 1;
    uint8_t buf[65536];
    for (;;) {
        const uint8_t *p = data;
        size_t n = len;
        if (src_fd >= 0) {
            ssize_t r = read(src_fd, buf, sizeof buf);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                ok = 0;
            if (r <= 0)
                break;
            p = buf;
            n = (size_t)r;
        }
        while (ok && n > 0) {
            ssize_t w = write(fd, p, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                ok = 0;
            else {
                p += w;
                n -= (size_t)w;
            }
        }
        if (src_fd < 0 || !ok)
            break;
    }
    if (close(fd) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int put_doc(const char *dir, const char *rel, unsigned status, json_t *doc, const char *msg)
{
    if (status != 200) {
        fprintf(stderr, "vigil-server: log export: %s: %s\n", rel, msg);
        return -1;
    }
    char *text = vs_logdoc_dump(doc);
    json_decref(doc);
    int rc = text ? put_file(dir, rel, text, strlen(text), -1) : -1;
    if (rc != 0)
        fprintf(stderr, "vigil-server: log export: cannot write %s/%s\n", dir, rel);
    free(text);
    return rc;
}

typedef struct exporter {
    const char *dir, *data_dir;
    int failed;
} exporter;

static vg_error export_bundle(void *ud, uint64_t idx, const char *entry, const char *leaf_hash)
{
    (void)idx;
    (void)leaf_hash;
    exporter *x = ud;
    uint64_t version;
    uint8_t digest[32];
    char src[4200], rel[64];
    if (vg_tlog_bundle_entry_parse(entry, strlen(entry), &version, digest) != VG_OK)
        return VG_ERR_MALFORMED;
    vs_bundle_path(x->data_dir, version, src, sizeof src);
    snprintf(rel, sizeof rel, "v1/bundles/%" PRIu64, version);
    int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || put_file(x->dir, rel, NULL, 0, fd) != 0) {
        fprintf(stderr, "vigil-server: log export: cannot copy %s\n", src);
        x->failed = 1;
    }
    if (fd >= 0)
        close(fd);
    return x->failed ? VG_ERR_IO : VG_OK;
}

int vs_cmd_log_export(const vs_args *a, vs_store *st)
{
    const char *dir = a->target;
    static const char *const subdirs[] = {"v1/bundles", "v1/log/entries", "v1/log/proof/inclusion",
                                          "v1/log/proof/consistency"};
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", dir, subdirs[i]);
        if (mkdirs(p) != 0) {
            fprintf(stderr, "vigil-server: log export: cannot create %s: %s\n", p, strerror(errno));
            return 2;
        }
    }
    vg_tlog_hash *leaves = NULL;
    uint64_t n = 0;
    vg_tlog_sth sth;
    vg_error e = vs_store_log_hashes(st, &leaves, &n);
    if (e == VG_OK)
        e = vs_store_log_sth_latest(st, &sth);
    if (e == VG_ERR_NOT_FOUND && n == 0) {
        printf("the log is empty: nothing to export\n");
        return 0;
    }
    if (e == VG_OK && sth.tree_size != n)
        e = VG_ERR_MALFORMED; /* leaves past the head: run log --verify */
    if (e != VG_OK) {
        fprintf(stderr, "vigil-server: log export: the log cannot be read: %s\n", vg_strerror(e));
        free(leaves);
        return 2;
    }
    exporter x = {dir, a->data_dir, 0};
    int bad = vs_store_log_each(st, 0, n, export_bundle, &x) != VG_OK;
    json_t *doc;
    char msg[256], rel[128];
    for (uint64_t s = 0; s < n && !bad; s += VS_LOG_ENTRIES_MAX) {
        uint64_t end = s + VS_LOG_ENTRIES_MAX < n ? s + VS_LOG_ENTRIES_MAX : n;
        snprintf(rel, sizeof rel, "v1/log/entries/%" PRIu64 "-%" PRIu64, s, end);
        unsigned status = vs_logdoc_entries(st, s, end, &doc, msg, sizeof msg);
        bad = put_doc(dir, rel, status, doc, msg) != 0;
    }
    for (uint64_t i = 0; i < n && !bad; i++) {
        snprintf(rel, sizeof rel, "v1/log/proof/inclusion/%" PRIu64 "-%" PRIu64, i, n);
        unsigned status = vs_logdoc_inclusion(leaves, n, i, n, &doc, msg, sizeof msg);
        bad = put_doc(dir, rel, status, doc, msg) != 0;
    }
    for (uint64_t m = 1; m < n && !bad; m++) {
        snprintf(rel, sizeof rel, "v1/log/proof/consistency/%" PRIu64 "-%" PRIu64, m, n);
        unsigned status = vs_logdoc_consistency(leaves, n, m, n, &doc, msg, sizeof msg);
        bad = put_doc(dir, rel, status, doc, msg) != 0;
    }
    if (!bad) {
        unsigned status = vs_logdoc_sth(st, &doc, msg, sizeof msg);
        bad = put_doc(dir, "v1/log/sth", status, doc, msg) != 0;
    }
    if (!bad) {
        unsigned status = vs_logdoc_latest(st, &doc, msg, sizeof msg);
        bad = put_doc(dir, "v1/bundles/latest", status, doc, msg) != 0;
    }
    free(leaves);
    if (bad)
        return 2;
    printf("exported %" PRIu64 " leaves (tree size %" PRIu64 ") to %s\n", n, n, dir);
    return 0;
}
