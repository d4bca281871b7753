/* Internals of the store shared by store*.c, blob*.c and the store's tests.
 *
 * The logic (what a put, read or delete does, the audit chain, tokens)
 * lives once in store.c / store_samples.c / store_tokens.c and talks to the
 * database through a small backend vtable, one file per database:
 * store_sqlite.c and store_pg.c. SQL handed to a backend uses `?`
 * placeholders (the PostgreSQL backend rewrites them to $1, $2, ...) and
 * only syntax both understand (INSERT ... ON CONFLICT DO NOTHING); what
 * differs (schema types BLOB/BYTEA, how a write transaction excludes other
 * writers, what runs after a deletion) is inside the backend.
 *
 * Locking: st->mu serialises every use of the one database connection;
 * functions named *_locked expect it held. */
#ifndef VIGIL_SERVER_STORE_INT_H
#define VIGIL_SERVER_STORE_INT_H

#include <pthread.h>
#include <stdint.h>

#include "store.h"

typedef enum vsq_type { VSQ_NULL = 0, VSQ_INT, VSQ_TEXT, VSQ_BLOB } vsq_type;

/* A parameter or result column. Result strings and blobs are borrowed for
 * the duration of the row callback; text is NUL-terminated. */
typedef struct vsq_val {
    vsq_type type;
    int64_t i;
    const char *s;
    const void *b;
    size_t n;
} vsq_val;

#define VSQ_I(v)      ((vsq_val){.type = VSQ_INT, .i = (int64_t)(v)})
#define VSQ_S(v)      ((vsq_val){.type = VSQ_TEXT, .s = (v)})
#define VSQ_B(p, len) ((vsq_val){.type = VSQ_BLOB, .b = (p), .n = (len)})

/* Called per result row; a non-VG_OK return stops and is returned. */
typedef vg_error (*vsq_row_fn)(void *ud, const vsq_val *cols, int ncols);

typedef struct vsi_backend {
    const char *name; /* "sqlite", "postgresql" */
    /* Connects (target: the SQLite file or the libpq conninfo) and creates
     * the schema if missing; sets st->db. */
    vg_error (*open)(vs_store *st, const char *target, char *err, size_t errlen);
    void (*close)(vs_store *st);
    /* Starts a write transaction that excludes every other writer of the
     * same database, also in other processes (appends to the audit chain
     * happen in every write transaction). */
    vg_error (*begin)(vs_store *st);
    vg_error (*commit)(vs_store *st);
    void (*rollback)(vs_store *st);
    /* Runs one statement; fn (may be NULL) gets each row; *changes (may be
     * NULL) the number of rows inserted, updated or deleted. */
    vg_error (*exec)(vs_store *st, const char *sql, const vsq_val *params, int nparams,
                     vsq_row_fn fn, void *ud, int64_t *changes);
    /* After a committed deletion: make the deleted key unrecoverable from
     * the database files as far as the database allows (see store.c). */
    void (*after_delete)(vs_store *st);
} vsi_backend;

extern const vsi_backend vsi_backend_sqlite;
extern const vsi_backend vsi_backend_pg;

struct vs_store {
    const vsi_backend *be;
    void *db; /* sqlite3 * or PGconn * */
    pthread_mutex_t mu;
    char *dir;
    unsigned recovered_tmp, recovered_orphans;
};

/* "vigil-server: store: " + message on stderr. */
void vsi_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Appends an audit entry inside the caller's write transaction. */
vg_error vsi_audit_append_locked(vs_store *st, const json_t *fields, uint64_t *seq_out);

/* Runs body inside a write transaction: begin, body, commit (rollback when
 * body or commit fails). Lock held by the caller. */
vg_error vsi_txn_end(vs_store *st, vg_error body_err);

/* Copies s into a fixed buffer, truncating. */
void vsi_copy(char *dst, size_t cap, const char *s);
/* Current unix time in seconds. */
int64_t vsi_now(void);

/* ---- test hooks (used only by tests/server/test_store*.c) ---- */

/* The stored key of a sample. */
vg_error vsi_store_test_key(vs_store *st, const char *sha256, uint8_t key[32]);
/* Runs one SQL statement on the store's connection. */
vg_error vsi_store_test_exec(vs_store *st, const char *sql);

#endif
