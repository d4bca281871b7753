/* The store: open/close, recovery, the audit chain, backend dispatch.
 *
 * Deletion is crypto-shredding (DESIGN.md P7). Each blob is sealed with its
 * own random key that exists only in the sample's row (and in memory while
 * a request uses it). What holds after vs_store_delete_sample returns:
 *   - the row is gone from the live database; the blob file is unlinked;
 *   - SQLite: the database runs with secure_delete=ON, so the freed cell is
 *     overwritten with zeros in the page, and journal_mode=WAL with a
 *     wal_checkpoint(TRUNCATE) after each deletion, so the page copies that
 *     held the key are copied back and the WAL file is cut to zero length:
 *     the key's bytes are no longer in vigil.db, vigil.db-wal or -shm (the
 *     tests check this byte for byte);
 *   - PostgreSQL: a VACUUM of samples after each deletion marks the dead
 *     tuple's space free so it is overwritten by later rows.
 * What does NOT hold, and why it is still the design: the file system or
 * an SSD may keep the old blocks of the WAL / database file / blob; with
 * PostgreSQL the key stays in its WAL segments until they are recycled, in
 * the dead tuple until the page is reused, and in any base backup or WAL
 * archive. Copies of the database made before the deletion (backups)
 * still hold the key. Those copies must be protected (or their keys
 * expired) like the database itself; the blob on its own reveals nothing. */
#include "store_int.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "blob.h"

static const char *const role_names[] = {"none", "submitter", "analyst", "admin"};

const char *vs_role_name(vs_role r)
{
    return (r >= VS_ROLE_NONE && r <= VS_ROLE_ADMIN) ? role_names[r] : "none";
}

vs_role vs_role_parse(const char *name)
{
    for (int r = VS_ROLE_SUBMITTER; r <= VS_ROLE_ADMIN; r++)
        if (name != NULL && strcmp(name, role_names[r]) == 0)
            return (vs_role)r;
    return VS_ROLE_NONE;
}

void vsi_log(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "vigil-server: store: %s\n", line);
}

void vsi_copy(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "");
}

int64_t vsi_now(void)
{
    return (int64_t)time(NULL);
}

vg_error vsi_txn_end(vs_store *st, vg_error body_err)
{
    if (body_err != VG_OK) {
        st->be->rollback(st);
        return body_err;
    }
    vg_error err = st->be->commit(st);
    if (err != VG_OK)
        st->be->rollback(st);
    return err;
}

/* ---- recovery ---- */

static vg_error known_row(void *ud, const vsq_val *c, int n)
{
    (void)c;
    (void)n;
    *(int *)ud = 1;
    return VG_OK;
}

static int blob_known(void *ud, const char *sha256)
{
    vs_store *st = ud;
    int found = 0;
    vsq_val p = VSQ_S(sha256);
    if (st->be->exec(st, "SELECT 1 FROM samples WHERE sha256 = ?", &p, 1, known_row, &found,
                     NULL) != VG_OK)
        return -1;
    return found;
}

/* Inside a write transaction, so no other process is between installing a
 * blob and committing its row while we look. */
static vg_error recover_locked(vs_store *st)
{
    vg_error err = st->be->begin(st);
    if (err != VG_OK)
        return err;
    err = vs_blob_sweep(st->dir, blob_known, st, &st->recovered_tmp, &st->recovered_orphans);
    return vsi_txn_end(st, err);
}

/* ---- open / close ---- */

vg_error vs_store_open(const char *data_dir, const char *pg_conninfo, vs_store **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return VG_ERR_CRYPTO;
    }
    if (data_dir == NULL || *data_dir == '\0') {
        snprintf(err, errlen, "no data directory given");
        return VG_ERR_INVALID_ARG;
    }
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", data_dir, strerror(errno));
        return VG_ERR_IO;
    }
    if (vs_blob_init_dirs(data_dir) != VG_OK) {
        snprintf(err, errlen, "cannot create blobs/ and tmp/ in %s", data_dir);
        return VG_ERR_IO;
    }
    vs_store *st = calloc(1, sizeof *st);
    if (st == NULL || (st->dir = strdup(data_dir)) == NULL) {
        free(st);
        snprintf(err, errlen, "out of memory");
        return VG_ERR_NOMEM;
    }
    pthread_mutex_init(&st->mu, NULL);
    int pg = pg_conninfo != NULL && *pg_conninfo != '\0';
    st->be = pg ? &vsi_backend_pg : &vsi_backend_sqlite;
    char dbpath[4096];
    snprintf(dbpath, sizeof dbpath, "%s/vigil.db", data_dir);
    vg_error e = st->be->open(st, pg ? pg_conninfo : dbpath, err, errlen);
    if (e == VG_OK) {
        e = recover_locked(st);
        if (e != VG_OK) {
            snprintf(err, errlen, "recovery of %s failed: %s", data_dir, vg_strerror(e));
            st->be->close(st);
        }
    }
    if (e != VG_OK) {
        pthread_mutex_destroy(&st->mu);
        free(st->dir);
        free(st);
        return e;
    }
    *out = st;
    return VG_OK;
}

void vs_store_close(vs_store *st)
{
    if (st == NULL)
        return;
    st->be->close(st);
    pthread_mutex_destroy(&st->mu);
    free(st->dir);
    free(st);
}

const char *vs_store_backend(const vs_store *st)
{
    return st->be->name;
}

void vs_store_recovered(const vs_store *st, unsigned *tmp_files, unsigned *orphan_blobs)
{
    if (tmp_files)
        *tmp_files = st->recovered_tmp;
    if (orphan_blobs)
        *orphan_blobs = st->recovered_orphans;
}

/* ---- audit ---- */

typedef struct last_entry {
    int64_t seq, time;
    char hash[65];
} last_entry;

static vg_error last_row(void *ud, const vsq_val *c, int n)
{
    last_entry *l = ud;
    if (n != 3 || c[2].type != VSQ_TEXT)
        return VG_ERR_MALFORMED;
    l->seq = c[0].i;
    l->time = c[1].i;
    vsi_copy(l->hash, sizeof l->hash, c[2].s);
    return VG_OK;
}

vg_error vsi_audit_append_locked(vs_store *st, const json_t *fields, uint64_t *seq_out)
{
    if (!json_is_object(fields) || !json_is_string(json_object_get(fields, "kind")))
        return VG_ERR_INVALID_ARG;
    last_entry last = {0, 0, VS_AUDIT_GENESIS};
    vg_error err =
        st->be->exec(st, "SELECT seq, \"time\", hash FROM audit ORDER BY seq DESC LIMIT 1", NULL, 0,
                     last_row, &last, NULL);
    if (err != VG_OK)
        return err;
    json_t *e = json_deep_copy(fields);
    if (e == NULL)
        return VG_ERR_NOMEM;
    int64_t now = vsi_now();
    int64_t t = now < last.time ? last.time : now; /* never earlier than the entry before */
    json_object_del(e, "hash");
    json_object_set_new(e, "seq", json_integer(last.seq + 1));
    json_object_set_new(e, "time", json_integer(t));
    json_object_set_new(e, "prev", json_string(last.hash));
    char hash[65];
    char *body = vs_audit_canonical(e);
    if (body == NULL || vs_audit_hash(e, hash) != 0) {
        err = VG_ERR_NOMEM;
    } else {
        vsq_val p[5] = {VSQ_I(last.seq + 1), VSQ_I(t),
                        VSQ_S(json_string_value(json_object_get(e, "kind"))), VSQ_S(body),
                        VSQ_S(hash)};
        err = st->be->exec(st,
                           "INSERT INTO audit (seq, \"time\", kind, body, hash) "
                           "VALUES (?, ?, ?, ?, ?)",
                           p, 5, NULL, NULL, NULL);
    }
    free(body);
    json_decref(e);
    if (err == VG_OK && seq_out != NULL)
        *seq_out = (uint64_t)(last.seq + 1);
    return err;
}

vg_error vs_store_audit_append(vs_store *st, json_t *fields, uint64_t *seq_out)
{
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->begin(st);
    if (err == VG_OK)
        err = vsi_txn_end(st, vsi_audit_append_locked(st, fields, seq_out));
    pthread_mutex_unlock(&st->mu);
    return err;
}

static vg_error audit_row(void *ud, const vsq_val *c, int n)
{
    if (n != 2 || c[0].type != VSQ_TEXT || c[1].type != VSQ_TEXT)
        return VG_ERR_MALFORMED;
    json_t *e = json_loads(c[0].s, 0, NULL);
    if (!json_is_object(e)) {
        json_decref(e);
        vsi_log("an audit entry's body is not a JSON object");
        return VG_ERR_MALFORMED;
    }
    json_object_set_new(e, "hash", json_string(c[1].s));
    json_array_append_new(ud, e);
    return VG_OK;
}

vg_error vs_store_audit_list(vs_store *st, uint64_t after, unsigned limit, json_t **out)
{
    *out = NULL;
    json_t *arr = json_array();
    if (arr == NULL)
        return VG_ERR_NOMEM;
    vsq_val p[2] = {VSQ_I(after), VSQ_I(limit ? limit : (uint64_t)INT64_MAX)};
    pthread_mutex_lock(&st->mu);
    vg_error err =
        st->be->exec(st, "SELECT body, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", p, 2,
                     audit_row, arr, NULL);
    pthread_mutex_unlock(&st->mu);
    if (err != VG_OK) {
        json_decref(arr);
        return err;
    }
    *out = arr;
    return VG_OK;
}

/* ---- test hooks ---- */

static vg_error key_row(void *ud, const vsq_val *c, int n)
{
    if (n != 1 || c[0].type != VSQ_BLOB || c[0].n != 32)
        return VG_ERR_MALFORMED;
    memcpy(ud, c[0].b, 32);
    return VG_OK;
}

vg_error vsi_store_test_key(vs_store *st, const char *sha256, uint8_t key[32])
{
    vsq_val p = VSQ_S(sha256);
    memset(key, 0, 32);
    pthread_mutex_lock(&st->mu);
    vg_error err =
        st->be->exec(st, "SELECT skey FROM samples WHERE sha256 = ?", &p, 1, key_row, key, NULL);
    pthread_mutex_unlock(&st->mu);
    return err;
}

vg_error vsi_store_test_exec(vs_store *st, const char *sql)
{
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->exec(st, sql, NULL, 0, NULL, NULL, NULL);
    pthread_mutex_unlock(&st->mu);
    return err;
}
