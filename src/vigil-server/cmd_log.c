/* The transparency log's offline commands: `publish BUNDLE`, `log` (print
 * the leaves), `log --verify` (the monitor), `log export DIR` (a static
 * mirror) and `log pubkey`.
 *
 * The monitor trusts nothing it reads back from the store: each leaf's hash
 * is recomputed from its entry and compared with the stored one; each
 * signed head's root is recomputed from those leaves, its signature checked
 * with the log key, and a consistency proof from the previous head to it is
 * built and verified; each bundle file must hash to the digest its entry
 * names. The first thing wrong is printed as "log BROKEN: ..." (exit 1).
 * The export is in cmd_log_export.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "log_doc.h"
#include "publish.h"
#include "store_log.h"

static vs_store *open_store(const vs_args *a)
{
    vs_store *st = NULL;
    char err[512] = "";
    if (vs_store_open(a->data_dir, a->db, &st, err, sizeof err) != VG_OK) {
        fprintf(stderr, "vigil-server: %s\n", err[0] ? err : "cannot open the store");
        return NULL;
    }
    return st;
}

/* ---- publish ---- */

static uint8_t *read_all(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t *buf = NULL;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max ||
        (buf = malloc((size_t)st.st_size + 1)) == NULL) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != (size_t)st.st_size) {
        free(buf);
        return NULL;
    }
    *len = got;
    return buf;
}

int vs_cmd_publish(const vs_args *a)
{
    size_t len = 0;
    uint8_t *bundle = read_all(a->target, VS_MAX_BUNDLE, &len);
    if (bundle == NULL) {
        fprintf(stderr,
                "vigil-server: publish: cannot read %s (missing, not a file, or larger "
                "than 512 MiB)\n",
                a->target);
        return 2;
    }
    vs_store *st = open_store(a);
    vs_publisher *p = NULL;
    char err[512] = "";
    int rc = 2;
    if (st == NULL)
        goto done;
    if (vs_publisher_new(a->data_dir, a->bundle_pubkey, &p, err, sizeof err) != VG_OK) {
        fprintf(stderr, "vigil-server: %s\n", err);
        goto done;
    }
    vs_publish_result res;
    vg_error e = vs_publish(p, st, bundle, len, "cli", &res, err, sizeof err);
    if (e != VG_OK) {
        fprintf(stderr, "vigil-server: publish refused: %s\n", err);
        rc = (e == VG_ERR_MALFORMED || e == VG_ERR_CRYPTO || e == VG_ERR_EXISTS) ? 1 : 2;
        goto done;
    }
    char hex[65], root[65];
    vg_tlog_hex(res.digest, 32, hex);
    vg_tlog_hex(res.sth.root.b, 32, root);
    printf("published version %" PRIu64 " (sha256 %s) as leaf %" PRIu64 "; tree size %" PRIu64
           ", root %s\n",
           res.version, hex, res.leaf_index, res.sth.tree_size, root);
    rc = 0;
done:
    free(bundle);
    vs_publisher_free(p);
    vs_store_close(st);
    return rc;
}

/* ---- log (print) ---- */

static vg_error print_leaf(void *ud, uint64_t idx, const char *entry, const char *leaf_hash)
{
    (void)ud;
    json_t *o = json_pack("{s:I,s:s,s:s}", "leaf_index", (json_int_t)idx, "entry", entry,
                          "leaf_hash", leaf_hash);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    if (line == NULL)
        return VG_ERR_NOMEM;
    printf("%s\n", line);
    free(line);
    return VG_OK;
}

/* ---- log --verify ---- */

typedef struct monitor {
    const char *data_dir;
    vg_tlog_hash *leaves; /* recomputed from the entries */
    uint64_t n, cap;
    uint64_t last_version;
    char what[512]; /* the first problem */
} monitor;

static vg_error broken(monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static vg_error broken(monitor *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->what, sizeof m->what, fmt, ap);
    va_end(ap);
    return VG_ERR_MALFORMED;
}

/* SHA-256 of a file; -1 when it cannot be read. */
static int file_sha256(const char *path, uint8_t out[32])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    uint8_t buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        crypto_hash_sha256_update(&s, buf, (size_t)n);
    }
    close(fd);
    crypto_hash_sha256_final(&s, out);
    return 0;
}

static vg_error check_leaf(void *ud, uint64_t idx, const char *entry, const char *leaf_hash)
{
    monitor *m = ud;
    if (idx != m->n)
        return broken(m, "leaf %" PRIu64 " is missing (the next stored leaf is %" PRIu64 ")", m->n,
                      idx);
    uint64_t version;
    uint8_t digest[32];
    if (vg_tlog_bundle_entry_parse(entry, strlen(entry), &version, digest) != VG_OK)
        return broken(m, "leaf %" PRIu64 ": its entry is not a bundle entry", idx);
    if (idx > 0 && version <= m->last_version)
        return broken(m,
                      "leaf %" PRIu64 ": version %" PRIu64 " is not above version %" PRIu64
                      " of the leaf before",
                      idx, version, m->last_version);
    if (m->n == m->cap) {
        uint64_t cap = m->cap ? m->cap * 2 : 64;
        vg_tlog_hash *nv = realloc(m->leaves, cap * sizeof *nv);
        if (nv == NULL)
            return VG_ERR_NOMEM;
        m->leaves = nv;
        m->cap = cap;
    }
    vg_tlog_hash *h = &m->leaves[m->n];
    vg_tlog_leaf_hash(entry, strlen(entry), h);
    char hex[65];
    vg_tlog_hex(h->b, 32, hex);
    if (strcmp(hex, leaf_hash) != 0)
        return broken(m,
                      "leaf %" PRIu64 ": the stored leaf hash is not the hash of its entry "
                      "(a row was edited)",
                      idx);
    char path[4200];
    uint8_t got[32];
    vs_bundle_path(m->data_dir, version, path, sizeof path);
    if (file_sha256(path, got) != 0)
        return broken(m, "leaf %" PRIu64 ": the file of version %" PRIu64 " (%s) cannot be read",
                      idx, version, path);
    if (sodium_memcmp(got, digest, 32) != 0)
        return broken(m, "leaf %" PRIu64 ": %s is not the bundle the log names", idx, path);
    m->last_version = version;
    m->n++;
    return VG_OK;
}

static vg_error check_heads(monitor *m, const vg_tlog_sth *h, size_t nh, const uint8_t pk[32])
{
    for (size_t i = 0; i < nh; i++) {
        uint64_t size = h[i].tree_size;
        if (size == 0 || size > m->n)
            return broken(
                m, "the head of size %" PRIu64 " names leaves the log does not hold (%" PRIu64 ")",
                size, m->n);
        vg_tlog_hash root;
        vg_tlog_root(m->leaves, size, &root);
        if (sodium_memcmp(root.b, h[i].root.b, 32) != 0)
            return broken(m,
                          "the head of size %" PRIu64 ": its root is not the root of the "
                          "first %" PRIu64 " leaves",
                          size, size);
        if (vg_tlog_sth_verify(&h[i], pk) != VG_OK)
            return broken(m,
                          "the head of size %" PRIu64 ": its signature does not verify with "
                          "the log key",
                          size);
        if (i == 0)
            continue;
        if (h[i].timestamp < h[i - 1].timestamp)
            return broken(m, "the head of size %" PRIu64 " is older than the head before it", size);
        vg_tlog_hash path[VG_TLOG_MAX_PATH];
        size_t len = 0;
        uint64_t first = h[i - 1].tree_size;
        if (vg_tlog_consistency_proof(m->leaves, size, first, path, VG_TLOG_MAX_PATH, &len) !=
                VG_OK ||
            vg_tlog_consistency_verify(first, size, &h[i - 1].root, &h[i].root, path, len) != VG_OK)
            return broken(
                m, "the head of size %" PRIu64 " is not consistent with the head of size %" PRIu64,
                size, first);
    }
    if (m->n > 0 && (nh == 0 || h[nh - 1].tree_size != m->n))
        return broken(m, "leaves %" PRIu64 "..%" PRIu64 " are under no signed head",
                      nh ? h[nh - 1].tree_size : 0, m->n - 1);
    return VG_OK;
}

static int cmd_verify(const vs_args *a, vs_store *st)
{
    monitor m = {.data_dir = a->data_dir};
    vg_tlog_sth *heads = NULL;
    size_t nh = 0;
    int rc = 2;
    vg_error e = vs_store_log_each(st, 0, UINT64_MAX, check_leaf, &m);
    if (e == VG_OK && (e = vs_store_log_sth_all(st, &heads, &nh)) != VG_OK) {
        fprintf(stderr, "vigil-server: log: the heads cannot be read: %s\n", vg_strerror(e));
        goto done;
    }
    if (e == VG_OK && (m.n > 0 || nh > 0)) {
        uint8_t pk[32];
        char err[512];
        vg_error ke = vs_log_pubkey(a->data_dir, 0, pk, err, sizeof err);
        if (ke != VG_OK) {
            fprintf(stderr, "vigil-server: log: no log key to check the heads with: %s\n", err);
            goto done;
        }
        e = check_heads(&m, heads, nh, pk);
    }
    if (e == VG_ERR_MALFORMED && m.what[0]) {
        printf("log BROKEN: %s\n", m.what);
        rc = 1;
    } else if (e != VG_OK) {
        fprintf(stderr, "vigil-server: log: %s\n", vg_strerror(e));
    } else {
        vg_tlog_hash root;
        vg_tlog_root(m.leaves, m.n, &root);
        char hex[65];
        vg_tlog_hex(root.b, 32, hex);
        printf("log OK: %" PRIu64 " leaves, %zu signed tree heads, root %s\n", m.n, nh, hex);
        rc = 0;
    }
done:
    free(m.leaves);
    free(heads);
    return rc;
}

int vs_cmd_log(const vs_args *a)
{
    if (a->cmd == VS_CMD_LOG_PUBKEY) {
        uint8_t pk[32];
        char err[512], hex[65];
        if (vs_log_pubkey(a->data_dir, 1, pk, err, sizeof err) != VG_OK) {
            fprintf(stderr, "vigil-server: %s\n", err);
            return 2;
        }
        vg_tlog_hex(pk, 32, hex);
        printf("%s\n", hex);
        return 0;
    }
    vs_store *st = open_store(a);
    if (st == NULL)
        return 2;
    int rc;
    if (a->cmd == VS_CMD_LOG_EXPORT) {
        rc = vs_cmd_log_export(a, st);
    } else if (a->verify) {
        rc = cmd_verify(a, st);
    } else {
        vg_error e = vs_store_log_each(st, 0, UINT64_MAX, print_leaf, NULL);
        if (e != VG_OK)
            fprintf(stderr, "vigil-server: log: %s\n", vg_strerror(e));
        rc = e == VG_OK ? 0 : 2;
    }
    vs_store_close(st);
    return rc;
}
