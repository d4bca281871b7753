/* The transparency log's tables (see store_log.h): the one append, and the
 * reads the endpoints, the export and the monitor are built on.
 *
 * An append, as one write transaction (which excludes every other writer
 * of the database, also in other server processes):
 *
 *     last leaf: idx 4, "vigil-bundle\n12\n..."  -> version 13 may follow
 *     all leaf hashes h0..h4, + h5 = leaf hash of the new entry
 *     root of h0..h5, timestamp, signature       -> the head of size 6
 *     install bundles/13.vgb, INSERT leaf 5, INSERT head 6, audit "publish"
 *     COMMIT
 *
 * The new root is computed from the hashes as stored, so an append never
 * repairs a tampered row: the monitor still finds it. Reading every hash
 * per append is O(n) in the number of bundles, which stays small (one a
 * day is 3650 in ten years). */
#include "store_log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- row readers ---- */

typedef struct hashes {
    vg_tlog_hash *v;
    uint64_t n, cap;
} hashes;

static vg_error hash_row(void *ud, const vsq_val *c, int n)
{
    hashes *h = ud;
    if (n != 2 || c[0].type != VSQ_INT || c[1].type != VSQ_TEXT)
        return VG_ERR_MALFORMED;
    if ((uint64_t)c[0].i != h->n) {
        vsi_log("log: leaf %" PRIu64 " is missing (found %" PRId64 ")", h->n, c[0].i);
        return VG_ERR_MALFORMED;
    }
    if (h->n == h->cap) {
        uint64_t cap = h->cap ? h->cap * 2 : 64;
        vg_tlog_hash *nv = realloc(h->v, cap * sizeof *nv);
        if (nv == NULL)
            return VG_ERR_NOMEM;
        h->v = nv;
        h->cap = cap;
    }
    if (vg_tlog_unhex(c[1].s, c[1].n, h->v[h->n].b, 32) != VG_OK) {
        vsi_log("log: leaf %" PRIu64 " has a malformed hash", h->n);
        return VG_ERR_MALFORMED;
    }
    h->n++;
    return VG_OK;
}

static vg_error hashes_locked(vs_store *st, hashes *h)
{
    memset(h, 0, sizeof *h);
    vg_error err = st->be->exec(st, "SELECT idx, leaf_hash FROM log_leaves ORDER BY idx", NULL, 0,
                                hash_row, h, NULL);
    if (err != VG_OK) {
        free(h->v);
        h->v = NULL;
    }
    return err;
}

typedef struct leaf {
    int found;
    uint64_t idx, version;
    uint8_t digest[32];
    uint64_t want; /* find: the version looked for */
} leaf;

static vg_error parse_leaf(leaf *l, const vsq_val *c, int n)
{
    if (n != 2 || c[0].type != VSQ_INT || c[1].type != VSQ_TEXT)
        return VG_ERR_MALFORMED;
    if (vg_tlog_bundle_entry_parse(c[1].s, c[1].n, &l->version, l->digest) != VG_OK) {
        vsi_log("log: leaf %" PRId64 " is not a bundle entry", c[0].i);
        return VG_ERR_MALFORMED;
    }
    l->idx = (uint64_t)c[0].i;
    return VG_OK;
}

static vg_error last_leaf_row(void *ud, const vsq_val *c, int n)
{
    leaf *l = ud;
    vg_error err = parse_leaf(l, c, n);
    l->found = err == VG_OK;
    return err;
}

static vg_error latest_locked(vs_store *st, leaf *l)
{
    memset(l, 0, sizeof *l);
    return st->be->exec(st, "SELECT idx, entry FROM log_leaves ORDER BY idx DESC LIMIT 1", NULL, 0,
                        last_leaf_row, l, NULL);
}

typedef struct sths {
    vg_tlog_sth *v;
    size_t n, cap;
} sths;

static vg_error sth_row(void *ud, const vsq_val *c, int n)
{
    sths *s = ud;
    if (n != 4 || c[0].type != VSQ_INT || c[1].type != VSQ_TEXT || c[2].type != VSQ_INT ||
        c[3].type != VSQ_TEXT || c[0].i < 0 || c[2].i < 0)
        return VG_ERR_MALFORMED;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        vg_tlog_sth *nv = realloc(s->v, cap * sizeof *nv);
        if (nv == NULL)
            return VG_ERR_NOMEM;
        s->v = nv;
        s->cap = cap;
    }
    vg_tlog_sth *h = &s->v[s->n];
    h->tree_size = (uint64_t)c[0].i;
    h->timestamp = (uint64_t)c[2].i;
    if (vg_tlog_unhex(c[1].s, c[1].n, h->root.b, 32) != VG_OK ||
        vg_tlog_unhex(c[3].s, c[3].n, h->signature, 64) != VG_OK) {
        vsi_log("log: the head of size %" PRId64 " is malformed", c[0].i);
        return VG_ERR_MALFORMED;
    }
    s->n++;
    return VG_OK;
}

static vg_error sths_locked(vs_store *st, int latest_only, sths *s)
{
    memset(s, 0, sizeof *s);
    vg_error err =
        st->be->exec(st,
                     latest_only ? "SELECT tree_size, root, \"timestamp\", signature FROM "
                                   "log_sth ORDER BY tree_size DESC LIMIT 1"
                                 : "SELECT tree_size, root, \"timestamp\", signature FROM "
                                   "log_sth ORDER BY tree_size",
                     NULL, 0, sth_row, s, NULL);
    if (err != VG_OK) {
        free(s->v);
        s->v = NULL;
        s->n = 0;
    }
    return err;
}

/* ---- the append ---- */

static vg_error publish_audit_locked(vs_store *st, const vs_log_append *a, uint64_t idx,
                                     uint64_t size)
{
    char hex[65];
    vg_tlog_hex(a->digest, 32, hex);
    json_t *e = json_pack("{s:s, s:s, s:s, s:{s:I, s:I, s:I}}", "kind", "publish", "actor",
                          a->actor ? a->actor : "", "sha256", hex, "detail", "version",
                          (json_int_t)a->version, "leaf_index", (json_int_t)idx, "tree_size",
                          (json_int_t)size);
    if (e == NULL)
        return VG_ERR_NOMEM;
    vg_error err = vsi_audit_append_locked(st, e, NULL);
    json_decref(e);
    return err;
}

static vg_error append_locked(vs_store *st, const vs_log_append *a, uint64_t *idx_out,
                              vg_tlog_sth *sth_out, uint64_t *latest)
{
    leaf last;
    vg_error err = latest_locked(st, &last);
    if (err != VG_OK)
        return err;
    if (last.found) {
        *latest = last.version;
        if (a->version <= last.version)
            return VG_ERR_EXISTS;
    }
    hashes h;
    if ((err = hashes_locked(st, &h)) != VG_OK)
        return err;
    sths prev;
    if ((err = sths_locked(st, 1, &prev)) != VG_OK) {
        free(h.v);
        return err;
    }
    uint64_t n = h.n;
    vg_tlog_hash *all = realloc(h.v, (n + 1) * sizeof *all);
    if (all == NULL) {
        free(h.v);
        free(prev.v);
        return VG_ERR_NOMEM;
    }
    char entry[VG_TLOG_ENTRY_MAX];
    size_t elen = vg_tlog_bundle_entry(a->version, a->digest, entry);
    vg_tlog_leaf_hash(entry, elen, &all[n]);
    vg_tlog_sth sth = {.tree_size = n + 1, .timestamp = now_ms()};
    if (prev.n == 1 && prev.v[0].timestamp > sth.timestamp)
        sth.timestamp = prev.v[0].timestamp; /* the clock went back: heads never do */
    free(prev.v);
    vg_tlog_root(all, n + 1, &sth.root);
    char leaf_hex[65], root_hex[65], sig_hex[129];
    vg_tlog_hex(all[n].b, 32, leaf_hex);
    free(all);
    if ((err = a->sign(a->ud, &sth)) != VG_OK)
        return err;
    vg_tlog_hex(sth.root.b, 32, root_hex);
    vg_tlog_hex(sth.signature, 64, sig_hex);
    if ((err = a->install(a->ud)) != VG_OK)
        return err;
    vsq_val pl[3] = {VSQ_I(n), VSQ_S(entry), VSQ_S(leaf_hex)};
    err = st->be->exec(st, "INSERT INTO log_leaves (idx, entry, leaf_hash) VALUES (?, ?, ?)", pl, 3,
                       NULL, NULL, NULL);
    vsq_val ps[4] = {VSQ_I(n + 1), VSQ_S(root_hex), VSQ_I(sth.timestamp), VSQ_S(sig_hex)};
    if (err == VG_OK)
        err = st->be->exec(st,
                           "INSERT INTO log_sth (tree_size, root, \"timestamp\", signature) "
                           "VALUES (?, ?, ?, ?)",
                           ps, 4, NULL, NULL, NULL);
    if (err == VG_OK)
        err = publish_audit_locked(st, a, n, n + 1);
    if (err == VG_OK) {
        *idx_out = n;
        *sth_out = sth;
    }
    return err;
}

vg_error vs_store_log_append(vs_store *st, const vs_log_append *a, uint64_t *leaf_index,
                             vg_tlog_sth *sth, uint64_t *latest)
{
    uint64_t idx = 0, lat = 0;
    vg_tlog_sth s;
    if (a == NULL || a->sign == NULL || a->install == NULL)
        return VG_ERR_INVALID_ARG;
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->begin(st);
    if (err == VG_OK)
        err = vsi_txn_end(st, append_locked(st, a, &idx, &s, &lat));
    pthread_mutex_unlock(&st->mu);
    if (latest)
        *latest = lat;
    if (err == VG_OK) {
        if (leaf_index)
            *leaf_index = idx;
        if (sth)
            *sth = s;
    }
    return err;
}

/* ---- reads ---- */

static vg_error count_row(void *ud, const vsq_val *c, int n)
{
    if (n != 1 || c[0].type != VSQ_INT)
        return VG_ERR_MALFORMED;
    *(uint64_t *)ud = (uint64_t)c[0].i;
    return VG_OK;
}

vg_error vs_store_log_size(vs_store *st, uint64_t *n)
{
    *n = 0;
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->exec(st, "SELECT COUNT(*) FROM log_leaves", NULL, 0, count_row, n, NULL);
    pthread_mutex_unlock(&st->mu);
    return err;
}

vg_error vs_store_log_hashes(vs_store *st, vg_tlog_hash **out, uint64_t *n)
{
    hashes h;
    pthread_mutex_lock(&st->mu);
    vg_error err = hashes_locked(st, &h);
    pthread_mutex_unlock(&st->mu);
    *out = err == VG_OK ? h.v : NULL;
    *n = err == VG_OK ? h.n : 0;
    return err;
}

typedef struct each_ctx {
    vs_log_leaf_fn fn;
    void *ud;
} each_ctx;

static vg_error each_row(void *ud, const vsq_val *c, int n)
{
    each_ctx *e = ud;
    if (n != 3 || c[0].type != VSQ_INT || c[1].type != VSQ_TEXT || c[2].type != VSQ_TEXT)
        return VG_ERR_MALFORMED;
    return e->fn(e->ud, (uint64_t)c[0].i, c[1].s, c[2].s);
}

vg_error vs_store_log_each(vs_store *st, uint64_t start, uint64_t end, vs_log_leaf_fn fn, void *ud)
{
    each_ctx e = {fn, ud};
    if (start > INT64_MAX)
        return VG_OK;
    vsq_val p[2] = {VSQ_I(start), VSQ_I(end > INT64_MAX ? INT64_MAX : end)};
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->exec(st,
                                "SELECT idx, entry, leaf_hash FROM log_leaves "
                                "WHERE idx >= ? AND idx < ? ORDER BY idx",
                                p, 2, each_row, &e, NULL);
    pthread_mutex_unlock(&st->mu);
    return err;
}

vg_error vs_store_log_sth_latest(vs_store *st, vg_tlog_sth *out)
{
    sths s;
    pthread_mutex_lock(&st->mu);
    vg_error err = sths_locked(st, 1, &s);
    pthread_mutex_unlock(&st->mu);
    if (err == VG_OK && s.n == 0)
        err = VG_ERR_NOT_FOUND;
    if (err == VG_OK)
        *out = s.v[0];
    free(s.v);
    return err;
}

vg_error vs_store_log_sth_all(vs_store *st, vg_tlog_sth **out, size_t *n)
{
    sths s;
    pthread_mutex_lock(&st->mu);
    vg_error err = sths_locked(st, 0, &s);
    pthread_mutex_unlock(&st->mu);
    *out = s.v;
    *n = s.n;
    return err;
}

static vg_error find_row(void *ud, const vsq_val *c, int n)
{
    leaf *l = ud;
    leaf cur;
    vg_error err = parse_leaf(&cur, c, n);
    if (err == VG_OK && cur.version == l->want) {
        cur.found = 1;
        cur.want = l->want;
        *l = cur;
    }
    return err;
}

vg_error vs_store_log_find(vs_store *st, uint64_t version, uint64_t *idx, uint8_t digest[32])
{
    leaf l = {.want = version};
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->exec(st, "SELECT idx, entry FROM log_leaves ORDER BY idx", NULL, 0,
                                find_row, &l, NULL);
    pthread_mutex_unlock(&st->mu);
    if (err == VG_OK && !l.found)
        err = VG_ERR_NOT_FOUND;
    if (err == VG_OK) {
        *idx = l.idx;
        memcpy(digest, l.digest, 32);
    }
    return err;
}

vg_error vs_store_log_latest(vs_store *st, uint64_t *idx, uint64_t *version, uint8_t digest[32])
{
    leaf l;
    pthread_mutex_lock(&st->mu);
    vg_error err = latest_locked(st, &l);
    pthread_mutex_unlock(&st->mu);
    if (err == VG_OK && !l.found)
        err = VG_ERR_NOT_FOUND;
    if (err == VG_OK) {
        *idx = l.idx;
        *version = l.version;
        memcpy(digest, l.digest, 32);
    }
    return err;
}
