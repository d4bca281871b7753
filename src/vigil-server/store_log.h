/* The transparency log in the store: two append-only tables, on SQLite and
 * PostgreSQL alike,
 *
 *     log_leaves (idx, entry, leaf_hash)               one row per bundle
 *     log_sth    (tree_size, root, timestamp, signature)  one signed head per append
 *
 * written only by vs_store_log_append, which adds one leaf and the signed
 * head of the tree that ends with it in one write transaction. There is no
 * code path that updates or deletes a row, and the schema refuses both
 * (triggers), so a row changed behind the server's back is something
 * `vigil-server log --verify` finds, not something the server did.
 * Hashes, roots and signatures are stored as lowercase hex text.
 *
 * Thread-safe like the rest of the store (see store.h). */
#ifndef VIGIL_SERVER_STORE_LOG_H
#define VIGIL_SERVER_STORE_LOG_H

#include <stdint.h>
#include <vigil/tlog.h>

#include "store.h"

/* What an append needs from its caller. Both callbacks run inside the
 * write transaction, so no other writer sees the log between them. */
typedef struct vs_log_append {
    uint64_t version;   /* the bundle's version: must be above every logged one */
    uint8_t digest[32]; /* SHA-256 of the bundle file */
    const char *actor;  /* token name or "cli", for the audit entry */
    /* Signs the new head (tree_size, root and timestamp are set). */
    vg_error (*sign)(void *ud, vg_tlog_sth *sth);
    /* Puts the bundle file in place before the rows are committed; the
     * caller removes it again if the append then fails. */
    vg_error (*install)(void *ud);
    void *ud;
} vs_log_append;

/* Appends the bundle entry and a new signed head, plus a "publish" audit
 * entry {actor, sha256, detail: {version, leaf_index, tree_size}}, in one
 * transaction. VG_ERR_EXISTS (nothing written, install not called) when the
 * log already holds this version or a later one: *latest gets the latest.
 * leaf_index and sth (may be NULL) get what was appended. The head's
 * timestamp is now, in unix ms, but never before the previous head's. */
vg_error vs_store_log_append(vs_store *st, const vs_log_append *a, uint64_t *leaf_index,
                             vg_tlog_sth *sth, uint64_t *latest);

/* Number of leaves. */
vg_error vs_store_log_size(vs_store *st, uint64_t *n);

/* The leaf hashes of idx 0 .. n-1 as stored (not recomputed), in a new
 * array (free()); *n gets the count. */
vg_error vs_store_log_hashes(vs_store *st, vg_tlog_hash **out, uint64_t *n);

/* Calls fn for each leaf with start <= idx < end, in order; entry and
 * leaf_hash (hex) are borrowed for the call. A non-VG_OK return stops the
 * walk and is returned. */
typedef vg_error (*vs_log_leaf_fn)(void *ud, uint64_t idx, const char *entry,
                                   const char *leaf_hash);
vg_error vs_store_log_each(vs_store *st, uint64_t start, uint64_t end, vs_log_leaf_fn fn, void *ud);

/* The latest signed head; VG_ERR_NOT_FOUND while the log is empty. */
vg_error vs_store_log_sth_latest(vs_store *st, vg_tlog_sth *out);
/* Every signed head, by tree size, in a new array (free()). */
vg_error vs_store_log_sth_all(vs_store *st, vg_tlog_sth **out, size_t *n);

/* The leaf of a bundle version: its index and digest. VG_ERR_NOT_FOUND if
 * the log does not hold it. */
vg_error vs_store_log_find(vs_store *st, uint64_t version, uint64_t *idx, uint8_t digest[32]);
/* The last leaf: index, version and digest; VG_ERR_NOT_FOUND if none. */
vg_error vs_store_log_latest(vs_store *st, uint64_t *idx, uint64_t *version, uint8_t digest[32]);

#endif
