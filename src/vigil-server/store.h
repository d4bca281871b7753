/* The server's store: sample metadata, per-sample keys, API tokens and the
 * hash-chained audit log in a database (SQLite by default, PostgreSQL when a
 * connection string is given), sample content encrypted in a
 * content-addressed blob directory.
 *
 *     vs_store *st;
 *     char err[256];
 *     if (vs_store_open("/var/lib/vigil-server", NULL, &st, err, sizeof err) != VG_OK)
 *         die("%s", err);
 *     vs_store_put_sample(st, &meta, body, len, "alice", &existed);
 *
 * Layout under the data directory:
 *     vigil.db                 SQLite database (not with PostgreSQL)
 *     blobs/ab/cd/<sha256>     one sealed blob per sample
 *     tmp/                     blobs being written (cleared at open)
 *
 * Each sample is sealed with its own random key (libsodium
 * crypto_secretstream_xchacha20poly1305, 64 KiB chunks); the key lives only
 * in the sample's database row. Deleting the row is the deletion: the blob
 * left on a disk that keeps old blocks cannot be read without it (SQLite runs
 * with secure_delete and a truncating checkpoint after every deletion;
 * PostgreSQL gets a VACUUM of the key table).
 *
 * Every function is safe to call from several threads at once (the store
 * serialises database access internally). Errors are vg_error codes; the
 * ones a caller acts on: VG_ERR_NOT_FOUND (no such sample or token),
 * VG_ERR_NOSPACE (disk full: nothing stored), VG_ERR_IO (database or file
 * system), VG_ERR_CRYPTO (a blob that does not open with its key). */
#ifndef VIGIL_SERVER_STORE_H
#define VIGIL_SERVER_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

typedef struct vs_store vs_store;

typedef enum vs_role {
    VS_ROLE_NONE = 0,
    VS_ROLE_SUBMITTER = 1, /* POST samples, lookup */
    VS_ROLE_ANALYST = 2,   /* + list, metadata, content, audit */
    VS_ROLE_ADMIN = 3,     /* + delete, tokens */
} vs_role;

const char *vs_role_name(vs_role r);     /* "submitter", ... ; "none" */
vs_role vs_role_parse(const char *name); /* VS_ROLE_NONE when unknown */

typedef struct vs_sample {
    char sha256[65]; /* lowercase hex */
    uint64_t size;
    char detection[128]; /* signature that flagged it on the client */
    char bundle[64];     /* signature bundle version */
    char client[64];     /* client id */
    char consent[16];    /* "hashes" | "safe" | "ask" */
    char submitter[64];  /* name of the token that uploaded it */
    int64_t received;    /* unix time, seconds */
} vs_sample;

typedef struct vs_filter {
    const char *detection; /* exact match, or NULL */
    const char *client;    /* exact match, or NULL */
    int64_t since, until;  /* received in [since, until); 0 = open */
    unsigned limit;        /* 0 = 100; at most 1000 */
    unsigned offset;
} vs_filter;

/* Opens (creating on first use) the store in data_dir. pg_conninfo NULL or
 * "" selects SQLite in data_dir/vigil.db; otherwise it is a libpq
 * connection string and data_dir holds only the blobs. Creates the schema
 * if missing, clears tmp/ and removes blobs that no row refers to (what a
 * crash between writing a blob and committing its row leaves). err gets a
 * one-line reason on failure. */
vg_error vs_store_open(const char *data_dir, const char *pg_conninfo, vs_store **out, char *err,
                       size_t errlen);
void vs_store_close(vs_store *st);
/* What the recovery at open removed: files in tmp/ and blobs no row refers
 * to (either pointer may be NULL). */
void vs_store_recovered(const vs_store *st, unsigned *tmp_files, unsigned *orphan_blobs);
const char *vs_store_backend(const vs_store *st); /* "sqlite" or "postgresql" */

/* ---- samples ---- */

/* Stores a sample whose SHA-256 the caller has verified: seals content with
 * a fresh key into tmp/, fsyncs, renames into blobs/, fsyncs the directory,
 * then inserts the row and an "intake" audit entry in one transaction. A
 * sample already present is left as it is (*existed = 1) and gets an
 * "intake" audit entry with "duplicate": true. On any failure nothing is
 * visible: the row is not committed and the blob is removed. */
vg_error vs_store_put_sample(vs_store *st, const vs_sample *meta, const uint8_t *content,
                             size_t len, int *existed);

vg_error vs_store_get_sample(vs_store *st, const char *sha256, vs_sample *out);

/* Appends a JSON array of sample objects (vs_sample fields by name,
 * "received" as unix seconds) matching f, newest first, to *out (a new
 * array). */
vg_error vs_store_list(vs_store *st, const vs_filter *f, json_t **out);

/* Decrypts a sample for actor. The "read" audit entry (actor, sha256, size)
 * is committed before the content is returned; if it cannot be written the
 * read is refused. Free *out with vs_store_content_free(). */
vg_error vs_store_read_content(vs_store *st, const char *sha256, const char *actor, uint8_t **out,
                               size_t *len);
void vs_store_content_free(void *content); /* NULL is a no-op */

/* Destroys a sample: its row (and key) and its blob, with an audit entry of
 * kind ("delete" by an admin, "purge" by the rescan) carrying actor and
 * detail (may be NULL; borrowed). VG_ERR_NOT_FOUND if absent. */
vg_error vs_store_delete_sample(vs_store *st, const char *sha256, const char *kind,
                                const char *actor, json_t *detail);

/* Calls fn for every stored sample with its decrypted content (for
 * `purge --rescan`); fn's non-zero return stops the walk. Reads made this
 * way are audited as kind "rescan" with actor "purge". A sample whose blob
 * does not open is skipped (logged) and its error (VG_ERR_CRYPTO or
 * VG_ERR_IO) returned after the walk. */
typedef int (*vs_sample_fn)(const vs_sample *meta, const uint8_t *content, size_t len, void *ud);
vg_error vs_store_each_sample(vs_store *st, vs_sample_fn fn, void *ud);

/* For each of n hashes: 1 when a sample with that SHA-256 is stored
 * (known[i]), with its detection copied into detection[i] (128 bytes each)
 * when detection is not NULL. */
vg_error vs_store_lookup(vs_store *st, const char *const *sha256, size_t n, int *known,
                         char (*detection)[128]);

/* ---- audit log ---- */

/* Appends an entry: fields (borrowed) must hold "kind" and may hold any of
 * "actor", "sha256", "size", "rule", "evidence" (array of offsets),
 * "detail". The store adds "seq" (1, 2, ...), "time" (unix seconds),
 * "prev" (hash of the previous entry, 64 zeros for the first) and "hash" =
 * SHA-256 hex of vs_audit_canonical(entry without "hash"). Appends are
 * serialised across processes sharing the database. *seq_out may be NULL. */
vg_error vs_store_audit_append(vs_store *st, json_t *fields, uint64_t *seq_out);

/* A JSON array of entries with seq > after, in order, at most limit (0 =
 * all). Each entry holds every field above, "hash" included. */
vg_error vs_store_audit_list(vs_store *st, uint64_t after, unsigned limit, json_t **out);

/* ---- tokens ---- */

/* Creates a token for name with role; token_out gets the secret (64 hex
 * characters, shown once). The store keeps only its SHA-256.
 * VG_ERR_EXISTS if name is taken (also by a revoked token). Adding and
 * revoking append an audit entry {"kind":"token", "detail":{"action":
 * "add"|"revoke", "name", "role"}} in the same transaction. */
vg_error vs_store_token_add(vs_store *st, const char *name, vs_role role, char token_out[65]);
/* VG_ERR_NOT_FOUND if no live token matches. name_out gets 64 bytes. */
vg_error vs_store_token_check(vs_store *st, const char *token, vs_role *role, char name_out[64]);
vg_error vs_store_token_revoke(vs_store *st, const char *name);
/* A JSON array of {"name", "role", "created"} of the live (not revoked)
 * tokens, by name. */
vg_error vs_store_token_list(vs_store *st, json_t **out);

#endif
