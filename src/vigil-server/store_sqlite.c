/* The store's SQLite backend (one connection, used under the store's
 * mutex). Write transactions are BEGIN IMMEDIATE, which takes the write
 * lock at once, so appends to the audit chain are serialised with any other
 * process using the same file (busy_timeout makes them wait). The database
 * runs with journal_mode=WAL, synchronous=FULL and secure_delete=ON; after
 * a deletion a wal_checkpoint(TRUNCATE) (see store.c for what that buys). */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

#define BUSY_TIMEOUT_MS 30000

static const char *const schema =
    "CREATE TABLE IF NOT EXISTS samples ("
    " sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, detection TEXT NOT NULL,"
    " bundle TEXT NOT NULL, client TEXT NOT NULL, consent TEXT NOT NULL,"
    " submitter TEXT NOT NULL, received INTEGER NOT NULL, skey BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS samples_received ON samples (received);"
    "CREATE TABLE IF NOT EXISTS tokens ("
    " name TEXT PRIMARY KEY, role TEXT NOT NULL, token_sha256 TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS audit ("
    " seq INTEGER PRIMARY KEY, \"time\" INTEGER NOT NULL, kind TEXT NOT NULL,"
    " body TEXT NOT NULL, hash TEXT NOT NULL);"
    /* The transparency log (store_log.c): append-only, enforced here too. */
    "CREATE TABLE IF NOT EXISTS log_leaves ("
    " idx INTEGER PRIMARY KEY, entry TEXT NOT NULL, leaf_hash TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS log_sth ("
    " tree_size INTEGER PRIMARY KEY, root TEXT NOT NULL, \"timestamp\" INTEGER NOT NULL,"
    " signature TEXT NOT NULL);"
    "CREATE TRIGGER IF NOT EXISTS log_leaves_no_update BEFORE UPDATE ON log_leaves"
    " BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS log_leaves_no_delete BEFORE DELETE ON log_leaves"
    " BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS log_sth_no_update BEFORE UPDATE ON log_sth"
    " BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS log_sth_no_delete BEFORE DELETE ON log_sth"
    " BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;";

static vg_error map_rc(sqlite3 *db, int rc, const char *what)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
        return VG_OK;
    vsi_log("sqlite: %s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    if ((rc & 0xff) == SQLITE_FULL)
        return VG_ERR_NOSPACE;
    if ((rc & 0xff) == SQLITE_NOMEM)
        return VG_ERR_NOMEM;
    return VG_ERR_IO;
}

static vg_error run(vs_store *st, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        vsi_log("sqlite: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return (rc & 0xff) == SQLITE_FULL ? VG_ERR_NOSPACE : VG_ERR_IO;
    }
    return VG_OK;
}

static vg_error sq_open(vs_store *st, const char *path, char *err, size_t errlen)
{
    /* Create the file 0600 ourselves: SQLite would use 0644, and gives the
     * -wal and -shm files the database file's mode. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return VG_ERR_IO;
    }
    close(fd);
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return VG_ERR_IO;
    }
    st->db = db;
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    vg_error e = run(st, "PRAGMA secure_delete = ON; PRAGMA journal_mode = WAL;"
                         "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
    if (e == VG_OK)
        e = run(st, "BEGIN IMMEDIATE");
    if (e == VG_OK) {
        e = run(st, schema);
        e = run(st, e == VG_OK ? "COMMIT" : "ROLLBACK") == VG_OK ? e : VG_ERR_IO;
    }
    if (e != VG_OK) {
        snprintf(err, errlen, "cannot set up the database %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        st->db = NULL;
    }
    return e;
}

static void sq_close(vs_store *st)
{
    if (st->db != NULL)
        sqlite3_close(st->db);
    st->db = NULL;
}

static vg_error sq_begin(vs_store *st)
{
    return run(st, "BEGIN IMMEDIATE");
}

static vg_error sq_commit(vs_store *st)
{
    return run(st, "COMMIT");
}

static void sq_rollback(vs_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        (void)run(st, "ROLLBACK");
}

static vg_error bind_all(sqlite3_stmt *s, const vsq_val *p, int np)
{
    for (int i = 0; i < np; i++) {
        int rc;
        switch (p[i].type) {
        case VSQ_INT:
            rc = sqlite3_bind_int64(s, i + 1, p[i].i);
            break;
        case VSQ_TEXT:
            rc = p[i].s ? sqlite3_bind_text(s, i + 1, p[i].s, -1, SQLITE_STATIC)
                        : sqlite3_bind_null(s, i + 1);
            break;
        case VSQ_BLOB:
            rc = sqlite3_bind_blob(s, i + 1, p[i].b, (int)p[i].n, SQLITE_STATIC);
            break;
        default:
            rc = sqlite3_bind_null(s, i + 1);
        }
        if (rc != SQLITE_OK)
            return VG_ERR_IO;
    }
    return VG_OK;
}

#define MAX_COLS 16

static vg_error sq_exec(vs_store *st, const char *sql, const vsq_val *params, int nparams,
                        vsq_row_fn fn, void *ud, int64_t *changes)
{
    sqlite3 *db = st->db;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return map_rc(db, rc, sql);
    vg_error err = bind_all(s, params, nparams);
    if (err != VG_OK) {
        sqlite3_finalize(s);
        return map_rc(db, SQLITE_ERROR, sql);
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        vsq_val cols[MAX_COLS];
        int n = sqlite3_column_count(s);
        if (n > MAX_COLS)
            n = MAX_COLS;
        for (int i = 0; i < n; i++) {
            memset(&cols[i], 0, sizeof cols[i]);
            switch (sqlite3_column_type(s, i)) {
            case SQLITE_INTEGER:
            case SQLITE_FLOAT:
                cols[i].type = VSQ_INT;
                cols[i].i = sqlite3_column_int64(s, i);
                break;
            case SQLITE_TEXT:
                cols[i].type = VSQ_TEXT;
                cols[i].s = (const char *)sqlite3_column_text(s, i);
                cols[i].n = (size_t)sqlite3_column_bytes(s, i);
                break;
            case SQLITE_BLOB:
                cols[i].type = VSQ_BLOB;
                cols[i].b = sqlite3_column_blob(s, i);
                cols[i].n = (size_t)sqlite3_column_bytes(s, i);
                break;
            default:
                cols[i].type = VSQ_NULL;
            }
        }
        if (fn != NULL && (err = fn(ud, cols, n)) != VG_OK) {
            sqlite3_finalize(s);
            return err;
        }
    }
    err = map_rc(db, rc, sql);
    if (err == VG_OK && changes != NULL)
        *changes = sqlite3_changes64(db);
    sqlite3_finalize(s);
    return err;
}

static void sq_after_delete(vs_store *st)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    if (rc != SQLITE_OK)
        vsi_log("sqlite: checkpoint after a deletion failed: %s (the deleted key may stay in "
                "the WAL until the next one)",
                sqlite3_errmsg(st->db));
}

const vsi_backend vsi_backend_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .exec = sq_exec,
    .after_delete = sq_after_delete,
};
