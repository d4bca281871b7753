/* The store's reads and deletions of sample content: read (audited before
 * the bytes are returned), delete/purge (row, key and blob), and the walk
 * used by `purge --rescan`. The crypto-shredding argument is in store.c. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "store_int.h"

typedef struct keyed {
    int found;
    uint64_t size;
    uint8_t key[VS_BLOB_KEYBYTES];
} keyed;

static vg_error keyed_row(void *ud, const vsq_val *c, int n)
{
    keyed *k = ud;
    if (n != 2 || c[1].type != VSQ_BLOB || c[1].n != VS_BLOB_KEYBYTES) {
        vsi_log("a sample row has no valid key");
        return VG_ERR_MALFORMED;
    }
    k->found = 1;
    k->size = (uint64_t)c[0].i;
    memcpy(k->key, c[1].b, VS_BLOB_KEYBYTES);
    return VG_OK;
}

static vg_error fetch_key_locked(vs_store *st, const char *sha256, keyed *k)
{
    vsq_val p = VSQ_S(sha256);
    k->found = 0;
    vg_error err = st->be->exec(st, "SELECT size, skey FROM samples WHERE sha256 = ?", &p, 1,
                                keyed_row, k, NULL);
    if (err == VG_OK && !k->found)
        err = VG_ERR_NOT_FOUND;
    return err;
}

static vg_error read_as(vs_store *st, const char *sha256, const char *kind, const char *actor,
                        uint8_t **out, size_t *len)
{
    keyed k;
    int fd = -1;
    *out = NULL;
    *len = 0;
    if (sha256 == NULL || strlen(sha256) != 64)
        return VG_ERR_NOT_FOUND;
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->begin(st);
    if (err == VG_OK) {
        err = fetch_key_locked(st, sha256, &k);
        /* Opened under the lock: a deletion after we unlock cannot take the
         * file from under us. */
        if (err == VG_OK && (err = vs_blob_open(st->dir, sha256, &fd)) == VG_ERR_NOT_FOUND) {
            vsi_log("the blob of %s is missing", sha256);
            err = VG_ERR_IO;
        }
        if (err == VG_OK) {
            json_t *e = json_pack("{s:s, s:s, s:I}", "kind", kind, "sha256", sha256, "size",
                                  (json_int_t)k.size);
            if (e != NULL && actor != NULL && *actor != '\0')
                json_object_set_new(e, "actor", json_string(actor));
            err = e ? vsi_audit_append_locked(st, e, NULL) : VG_ERR_NOMEM;
            json_decref(e);
        }
        err = vsi_txn_end(st, err);
    }
    pthread_mutex_unlock(&st->mu);
    if (err == VG_OK) {
        err = vs_blob_read(fd, sha256, k.key, k.size, out, len);
        if (err == VG_ERR_CRYPTO)
            vsi_log("the blob of %s does not open with its key (altered or truncated)", sha256);
    }
    if (fd >= 0)
        close(fd);
    sodium_memzero(&k, sizeof k);
    return err;
}

vg_error vs_store_read_content(vs_store *st, const char *sha256, const char *actor, uint8_t **out,
                               size_t *len)
{
    return read_as(st, sha256, "read", actor, out, len);
}

vg_error vs_store_delete_sample(vs_store *st, const char *sha256, const char *kind,
                                const char *actor, json_t *detail)
{
    keyed k;
    if (sha256 == NULL || strlen(sha256) != 64)
        return VG_ERR_NOT_FOUND;
    if (kind == NULL)
        kind = "delete";
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->begin(st);
    if (err == VG_OK) {
        err = fetch_key_locked(st, sha256, &k);
        vsq_val p = VSQ_S(sha256);
        if (err == VG_OK)
            err = st->be->exec(st, "DELETE FROM samples WHERE sha256 = ?", &p, 1, NULL, NULL, NULL);
        if (err == VG_OK) {
            json_t *e = json_pack("{s:s, s:s, s:I}", "kind", kind, "sha256", sha256, "size",
                                  (json_int_t)k.size);
            if (e != NULL && actor != NULL && *actor != '\0')
                json_object_set_new(e, "actor", json_string(actor));
            if (e != NULL && detail != NULL)
                json_object_set(e, "detail", detail);
            err = e ? vsi_audit_append_locked(st, e, NULL) : VG_ERR_NOMEM;
            json_decref(e);
        }
        err = vsi_txn_end(st, err);
    }
    if (err == VG_OK) {
        /* Committed: the key is gone from the live database. Now the blob,
         * then make the database forget the key's old bytes. */
        if (vs_blob_unlink(st->dir, sha256) != VG_OK)
            vsi_log("the blob of deleted sample %s stays (unreadable without its key)", sha256);
        st->be->after_delete(st);
    }
    pthread_mutex_unlock(&st->mu);
    sodium_memzero(&k, sizeof k);
    return err;
}

static vg_error collect_row(void *ud, const vsq_val *c, int n)
{
    if (n != 1 || c[0].type != VSQ_TEXT)
        return VG_ERR_MALFORMED;
    return json_array_append_new(ud, json_string(c[0].s)) == 0 ? VG_OK : VG_ERR_NOMEM;
}

vg_error vs_store_each_sample(vs_store *st, vs_sample_fn fn, void *ud)
{
    json_t *all = json_array();
    vg_error bad = VG_OK; /* a blob that did not open: reported at the end */
    if (all == NULL)
        return VG_ERR_NOMEM;
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->exec(st, "SELECT sha256 FROM samples ORDER BY received, sha256", NULL, 0,
                                collect_row, all, NULL);
    pthread_mutex_unlock(&st->mu);
    for (size_t i = 0; err == VG_OK && i < json_array_size(all); i++) {
        const char *sha = json_string_value(json_array_get(all, i));
        vs_sample meta;
        uint8_t *content = NULL;
        size_t len = 0;
        err = vs_store_get_sample(st, sha, &meta);
        if (err == VG_OK)
            err = read_as(st, sha, "rescan", "purge", &content, &len);
        if (err == VG_ERR_NOT_FOUND) { /* deleted meanwhile */
            err = VG_OK;
            continue;
        }
        if (err == VG_ERR_CRYPTO || err == VG_ERR_IO) {
            bad = err;
            err = VG_OK;
            continue;
        }
        if (err == VG_OK && fn(&meta, content, len, ud) != 0)
            err = VG_ERR_ABORTED;
        if (content != NULL) {
            sodium_memzero(content, len);
            free(content);
        }
    }
    json_decref(all);
    if (err == VG_ERR_ABORTED)
        return VG_OK;
    return err != VG_OK ? err : bad;
}

void vs_store_content_free(void *content)
{
    free(content);
}
