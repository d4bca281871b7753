/* The store's samples: put, get, list, lookup, read, delete, walk.
 *
 * Ordering against crashes: a blob is sealed into tmp/ outside the lock;
 * then, inside one write transaction, it is renamed into blobs/ and its row
 * and "intake" audit entry inserted; if the commit fails the blob is
 * unlinked. A crash in between leaves a blob without a row, which the
 * recovery at open removes. A deletion commits the row's removal with its
 * audit entry, then unlinks the blob, still under the lock so a concurrent
 * put of the same sample cannot install a blob that the unlink would take. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "store_int.h"

#define SAMPLE_COLS "sha256, size, detection, bundle, client, consent, submitter, received"

static int valid_sha(const char *s)
{
    if (s == NULL || strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

static vg_error exists_row(void *ud, const vsq_val *c, int n)
{
    (void)c;
    (void)n;
    *(int *)ud = 1;
    return VG_OK;
}

static vg_error sample_exists_locked(vs_store *st, const char *sha256, int *found)
{
    vsq_val p = VSQ_S(sha256);
    *found = 0;
    return st->be->exec(st, "SELECT 1 FROM samples WHERE sha256 = ?", &p, 1, exists_row, found,
                        NULL);
}

static json_t *entry(const char *kind, const char *actor, const char *sha256, uint64_t size)
{
    json_t *e =
        json_pack("{s:s, s:s, s:I}", "kind", kind, "sha256", sha256, "size", (json_int_t)size);
    if (e != NULL && actor != NULL && *actor != '\0')
        json_object_set_new(e, "actor", json_string(actor));
    return e;
}

/* The "intake" entry of a duplicate, in its own transaction. */
static vg_error record_duplicate_locked(vs_store *st, const vs_sample *m, uint64_t len)
{
    json_t *e = entry("intake", m->submitter, m->sha256, len);
    if (e == NULL)
        return VG_ERR_NOMEM;
    json_object_set_new(e, "duplicate", json_true());
    vg_error err = vsi_audit_append_locked(st, e, NULL);
    json_decref(e);
    return err;
}

static vg_error insert_locked(vs_store *st, const vs_sample *m, uint64_t len, const uint8_t *key)
{
    vsq_val p[9] = {VSQ_S(m->sha256),
                    VSQ_I(len),
                    VSQ_S(m->detection),
                    VSQ_S(m->bundle),
                    VSQ_S(m->client),
                    VSQ_S(m->consent),
                    VSQ_S(m->submitter),
                    VSQ_I(m->received ? m->received : vsi_now()),
                    VSQ_B(key, VS_BLOB_KEYBYTES)};
    vg_error err = st->be->exec(st,
                                "INSERT INTO samples (" SAMPLE_COLS ", skey) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                p, 9, NULL, NULL, NULL);
    if (err != VG_OK)
        return err;
    json_t *e = entry("intake", m->submitter, m->sha256, len);
    if (e == NULL)
        return VG_ERR_NOMEM;
    err = vsi_audit_append_locked(st, e, NULL);
    json_decref(e);
    return err;
}

vg_error vs_store_put_sample(vs_store *st, const vs_sample *meta, const uint8_t *content,
                             size_t len, int *existed)
{
    int found = 0;
    *existed = 0;
    if (!valid_sha(meta->sha256) || (content == NULL && len > 0))
        return VG_ERR_INVALID_ARG;

    /* Already stored: only the audit entry (checked again inside the
     * transaction, since it may have been deleted in between). */
    pthread_mutex_lock(&st->mu);
    vg_error err = sample_exists_locked(st, meta->sha256, &found);
    if (err == VG_OK && found && (err = st->be->begin(st)) == VG_OK) {
        err = sample_exists_locked(st, meta->sha256, &found);
        if (err == VG_OK && found)
            err = record_duplicate_locked(st, meta, len);
        err = vsi_txn_end(st, err);
    }
    pthread_mutex_unlock(&st->mu);
    if (err != VG_OK || found) {
        *existed = err == VG_OK && found;
        return err;
    }

    uint8_t key[VS_BLOB_KEYBYTES];
    vs_blob_tmp tmp;
    if ((err = vs_blob_seal(st->dir, meta->sha256, content, len, key, &tmp)) != VG_OK)
        return err;

    pthread_mutex_lock(&st->mu);
    int installed = 0;
    err = st->be->begin(st);
    if (err == VG_OK) {
        /* Someone may have stored it while we sealed. */
        err = sample_exists_locked(st, meta->sha256, &found);
        if (err == VG_OK && found)
            err = record_duplicate_locked(st, meta, len);
        else if (err == VG_OK) {
            err = vs_blob_install(st->dir, meta->sha256, &tmp);
            installed = err == VG_OK;
            if (err == VG_OK)
                err = insert_locked(st, meta, len, key);
        }
        err = vsi_txn_end(st, err);
    }
    if (err != VG_OK && installed)
        vs_blob_unlink(st->dir, meta->sha256);
    pthread_mutex_unlock(&st->mu);
    vs_blob_discard(&tmp); /* no-op once installed */
    sodium_memzero(key, sizeof key);
    *existed = err == VG_OK && found;
    return err;
}

static vg_error sample_row(void *ud, const vsq_val *c, int n)
{
    vs_sample *s = ud;
    if (n < 8)
        return VG_ERR_MALFORMED;
    vsi_copy(s->sha256, sizeof s->sha256, c[0].s);
    s->size = (uint64_t)c[1].i;
    vsi_copy(s->detection, sizeof s->detection, c[2].s);
    vsi_copy(s->bundle, sizeof s->bundle, c[3].s);
    vsi_copy(s->client, sizeof s->client, c[4].s);
    vsi_copy(s->consent, sizeof s->consent, c[5].s);
    vsi_copy(s->submitter, sizeof s->submitter, c[6].s);
    s->received = c[7].i;
    return VG_OK;
}

vg_error vs_store_get_sample(vs_store *st, const char *sha256, vs_sample *out)
{
    memset(out, 0, sizeof *out);
    if (!valid_sha(sha256))
        return VG_ERR_NOT_FOUND;
    vsq_val p = VSQ_S(sha256);
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->exec(st, "SELECT " SAMPLE_COLS " FROM samples WHERE sha256 = ?", &p, 1,
                                sample_row, out, NULL);
    pthread_mutex_unlock(&st->mu);
    if (err == VG_OK && out->sha256[0] == '\0')
        err = VG_ERR_NOT_FOUND;
    return err;
}

static vg_error list_row(void *ud, const vsq_val *c, int n)
{
    vs_sample s;
    vg_error err = sample_row(&s, c, n);
    if (err != VG_OK)
        return err;
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I}", "sha256", s.sha256, "size",
                          (json_int_t)s.size, "detection", s.detection, "bundle", s.bundle,
                          "client", s.client, "consent", s.consent, "submitter", s.submitter,
                          "received", (json_int_t)s.received);
    if (o == NULL || json_array_append_new(ud, o) != 0)
        return VG_ERR_NOMEM;
    return VG_OK;
}

vg_error vs_store_list(vs_store *st, const vs_filter *f, json_t **out)
{
    char sql[512] = "SELECT " SAMPLE_COLS " FROM samples WHERE 1 = 1";
    vsq_val p[6];
    int np = 0;
    if (f->detection != NULL) {
        strcat(sql, " AND detection = ?");
        p[np++] = VSQ_S(f->detection);
    }
    if (f->client != NULL) {
        strcat(sql, " AND client = ?");
        p[np++] = VSQ_S(f->client);
    }
    if (f->since != 0) {
        strcat(sql, " AND received >= ?");
        p[np++] = VSQ_I(f->since);
    }
    if (f->until != 0) {
        strcat(sql, " AND received < ?");
        p[np++] = VSQ_I(f->until);
    }
    strcat(sql, " ORDER BY received DESC, sha256 DESC LIMIT ? OFFSET ?");
    unsigned limit = f->limit == 0 ? 100 : f->limit > 1000 ? 1000 : f->limit;
    p[np++] = VSQ_I(limit);
    p[np++] = VSQ_I(f->offset);
    *out = json_array();
    if (*out == NULL)
        return VG_ERR_NOMEM;
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->exec(st, sql, p, np, list_row, *out, NULL);
    pthread_mutex_unlock(&st->mu);
    if (err != VG_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

static vg_error lookup_row(void *ud, const vsq_val *c, int n)
{
    if (n != 1)
        return VG_ERR_MALFORMED;
    char *det = ud;
    det[0] = '\1'; /* found, even with an empty detection */
    snprintf(det + 1, 128, "%s", c[0].s ? c[0].s : "");
    return VG_OK;
}

vg_error vs_store_lookup(vs_store *st, const char *const *sha256, size_t n, int *known,
                         char (*detection)[128])
{
    vg_error err = VG_OK;
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < n && err == VG_OK; i++) {
        char det[129] = "";
        known[i] = 0;
        if (valid_sha(sha256[i])) {
            vsq_val p = VSQ_S(sha256[i]);
            err = st->be->exec(st, "SELECT detection FROM samples WHERE sha256 = ?", &p, 1,
                               lookup_row, det, NULL);
        }
        known[i] = det[0] == '\1';
        if (detection != NULL)
            vsi_copy(detection[i], 128, known[i] ? det + 1 : "");
    }
    pthread_mutex_unlock(&st->mu);
    return err;
}
