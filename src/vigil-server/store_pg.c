/* The store's PostgreSQL backend (one connection per store, used under the
 * store's mutex; several server processes may share one database).
 *
 * A write transaction is BEGIN + LOCK TABLE audit IN EXCLUSIVE MODE: every
 * write transaction appends to the audit chain, so taking that lock first
 * serialises all writers of the database, across connections and
 * processes, while plain SELECTs (ACCESS SHARE) still run. Schema creation
 * is guarded by a transaction-level advisory lock so two processes starting
 * at once do not race on CREATE TABLE. After a deletion, VACUUM samples
 * (outside any transaction); see store.c for what that does and does not
 * guarantee. Parameters go as text (blobs binary); results come back as
 * text, bytea in hex form. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define OID_BOOL  16
#define OID_BYTEA 17
#define OID_INT8  20
#define OID_INT2  21
#define OID_INT4  23
#define MAX_COLS  16
#define MAX_PARAM 16

static const char *const schema =
    "SELECT pg_advisory_xact_lock(7164932301);"
    "CREATE TABLE IF NOT EXISTS samples ("
    " sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, detection TEXT NOT NULL,"
    " bundle TEXT NOT NULL, client TEXT NOT NULL, consent TEXT NOT NULL,"
    " submitter TEXT NOT NULL, received BIGINT NOT NULL, skey BYTEA NOT NULL);"
    "CREATE INDEX IF NOT EXISTS samples_received ON samples (received);"
    "CREATE TABLE IF NOT EXISTS tokens ("
    " name TEXT PRIMARY KEY, role TEXT NOT NULL, token_sha256 TEXT NOT NULL UNIQUE,"
    " created BIGINT NOT NULL, revoked BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS audit ("
    " seq BIGINT PRIMARY KEY, \"time\" BIGINT NOT NULL, kind TEXT NOT NULL,"
    " body TEXT NOT NULL, hash TEXT NOT NULL);"
    /* The transparency log (store_log.c): append-only, enforced here too. */
    "CREATE TABLE IF NOT EXISTS log_leaves ("
    " idx BIGINT PRIMARY KEY, entry TEXT NOT NULL, leaf_hash TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS log_sth ("
    " tree_size BIGINT PRIMARY KEY, root TEXT NOT NULL, \"timestamp\" BIGINT NOT NULL,"
    " signature TEXT NOT NULL);"
    "CREATE OR REPLACE FUNCTION vigil_log_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'the log is append-only'; END$$;"
    "CREATE OR REPLACE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE OR TRUNCATE"
    " ON log_leaves FOR EACH STATEMENT EXECUTE FUNCTION vigil_log_append_only();"
    "CREATE OR REPLACE TRIGGER log_sth_append_only BEFORE UPDATE OR DELETE OR TRUNCATE"
    " ON log_sth FOR EACH STATEMENT EXECUTE FUNCTION vigil_log_append_only();";

typedef struct pgdb {
    PGconn *c;
    int in_txn;
} pgdb;

static void log_pg(PGconn *c, PGresult *r, const char *what)
{
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
    if (msg == NULL || *msg == '\0')
        msg = PQerrorMessage(c);
    size_t n = strcspn(msg, "\n");
    vsi_log("postgresql: %.80s: %.*s", what, (int)n, msg);
}

/* Maps a failed result to a vg_error (and logs it). */
static vg_error fail(PGconn *c, PGresult *r, const char *what)
{
    log_pg(c, r, what);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state != NULL && strcmp(state, "53100") == 0)
        return VG_ERR_NOSPACE;
    if (state != NULL && strcmp(state, "53200") == 0)
        return VG_ERR_NOMEM;
    return VG_ERR_IO;
}

static vg_error simple(pgdb *d, const char *sql)
{
    PGresult *r = PQexec(d->c, sql);
    ExecStatusType s = PQresultStatus(r);
    vg_error err = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? VG_OK : fail(d->c, r, sql);
    PQclear(r);
    return err;
}

/* Outside a transaction a broken connection is re-established; inside one
 * it is an error (the transaction is lost). */
static vg_error ensure_conn(pgdb *d)
{
    if (PQstatus(d->c) == CONNECTION_OK)
        return VG_OK;
    if (d->in_txn)
        return VG_ERR_IO;
    PQreset(d->c);
    if (PQstatus(d->c) != CONNECTION_OK) {
        log_pg(d->c, NULL, "reconnect");
        return VG_ERR_IO;
    }
    return simple(d, "SET client_min_messages = warning");
}

static vg_error pg_open(vs_store *st, const char *conninfo, char *err, size_t errlen)
{
    pgdb *d = calloc(1, sizeof *d);
    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        return VG_ERR_NOMEM;
    }
    d->c = PQconnectdb(conninfo);
    if (PQstatus(d->c) != CONNECTION_OK) {
        const char *m = PQerrorMessage(d->c);
        snprintf(err, errlen, "cannot connect to PostgreSQL: %.*s", (int)strcspn(m, "\n"), m);
        PQfinish(d->c);
        free(d);
        return VG_ERR_IO;
    }
    vg_error e = simple(d, "SET client_min_messages = warning");
    if (e == VG_OK && (e = simple(d, "BEGIN")) == VG_OK) {
        e = simple(d, schema);
        vg_error e2 = simple(d, e == VG_OK ? "COMMIT" : "ROLLBACK");
        e = e != VG_OK ? e : e2;
    }
    if (e != VG_OK) {
        const char *m = PQerrorMessage(d->c);
        snprintf(err, errlen, "cannot set up the PostgreSQL schema: %.*s", (int)strcspn(m, "\n"),
                 m);
        PQfinish(d->c);
        free(d);
        return e;
    }
    st->db = d;
    return VG_OK;
}

static void pg_close(vs_store *st)
{
    pgdb *d = st->db;
    if (d != NULL) {
        PQfinish(d->c);
        free(d);
    }
    st->db = NULL;
}

static void pg_rollback(vs_store *st)
{
    pgdb *d = st->db;
    if (PQtransactionStatus(d->c) != PQTRANS_IDLE)
        (void)simple(d, "ROLLBACK");
    d->in_txn = 0;
}

static vg_error pg_begin(vs_store *st)
{
    pgdb *d = st->db;
    vg_error err = ensure_conn(d);
    if (err == VG_OK)
        err = simple(d, "BEGIN");
    if (err == VG_OK) {
        d->in_txn = 1;
        err = simple(d, "LOCK TABLE audit IN EXCLUSIVE MODE");
        if (err != VG_OK)
            pg_rollback(st);
    }
    return err;
}

static vg_error pg_commit(vs_store *st)
{
    pgdb *d = st->db;
    PGresult *r = PQexec(d->c, "COMMIT");
    vg_error err = VG_OK;
    /* A failed transaction "commits" as ROLLBACK: that is a failure. */
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        err = fail(d->c, r, "COMMIT");
    else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        vsi_log("postgresql: COMMIT: the transaction was rolled back");
        err = VG_ERR_IO;
    }
    PQclear(r);
    d->in_txn = 0;
    return err;
}

/* `?` placeholders to $1, $2, ... (our SQL has no `?` inside literals). */
static char *rewrite(const char *sql)
{
    char *out = malloc(strlen(sql) * 4 + 1);
    if (out == NULL)
        return NULL;
    char *o = out;
    int n = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '?')
            o += sprintf(o, "$%d", ++n);
        else
            *o++ = *p;
    }
    *o = '\0';
    return out;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* bytea in hex output form "\x0a1b..."; out must hold strlen(s) / 2. */
static int unhex_bytea(const char *s, uint8_t *out, size_t *n)
{
    if (s[0] != '\\' || s[1] != 'x')
        return -1;
    size_t len = strlen(s + 2);
    if (len % 2)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval(s[2 + 2 * i]), lo = hexval(s[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *n = len / 2;
    return 0;
}

static vg_error deliver_rows(PGresult *r, vsq_row_fn fn, void *ud)
{
    int nc = PQnfields(r) > MAX_COLS ? MAX_COLS : PQnfields(r);
    uint8_t *bufs[MAX_COLS] = {0};
    vg_error err = VG_OK;
    for (int row = 0; row < PQntuples(r) && err == VG_OK; row++) {
        vsq_val cols[MAX_COLS];
        for (int i = 0; i < nc && err == VG_OK; i++) {
            memset(&cols[i], 0, sizeof cols[i]);
            if (PQgetisnull(r, row, i))
                continue;
            const char *v = PQgetvalue(r, row, i);
            Oid t = PQftype(r, i);
            if (t == OID_INT8 || t == OID_INT4 || t == OID_INT2) {
                cols[i].type = VSQ_INT;
                cols[i].i = strtoll(v, NULL, 10);
            } else if (t == OID_BOOL) {
                cols[i].type = VSQ_INT;
                cols[i].i = v[0] == 't';
            } else if (t == OID_BYTEA) {
                free(bufs[i]);
                bufs[i] = malloc(strlen(v) / 2 + 1);
                if (bufs[i] == NULL || unhex_bytea(v, bufs[i], &cols[i].n) != 0)
                    err = bufs[i] ? VG_ERR_MALFORMED : VG_ERR_NOMEM;
                cols[i].type = VSQ_BLOB;
                cols[i].b = bufs[i];
            } else {
                cols[i].type = VSQ_TEXT;
                cols[i].s = v;
                cols[i].n = (size_t)PQgetlength(r, row, i);
            }
        }
        if (err == VG_OK)
            err = fn(ud, cols, nc);
    }
    for (int i = 0; i < MAX_COLS; i++)
        free(bufs[i]);
    return err;
}

static vg_error pg_exec(vs_store *st, const char *sql, const vsq_val *p, int np, vsq_row_fn fn,
                        void *ud, int64_t *changes)
{
    pgdb *d = st->db;
    const char *vals[MAX_PARAM];
    int lens[MAX_PARAM], fmts[MAX_PARAM];
    char ints[MAX_PARAM][24];
    if (np > MAX_PARAM)
        return VG_ERR_INVALID_ARG;
    vg_error err = ensure_conn(d);
    if (err != VG_OK)
        return err;
    for (int i = 0; i < np; i++) {
        lens[i] = 0;
        fmts[i] = 0;
        switch (p[i].type) {
        case VSQ_INT:
            snprintf(ints[i], sizeof ints[i], "%lld", (long long)p[i].i);
            vals[i] = ints[i];
            break;
        case VSQ_TEXT:
            vals[i] = p[i].s;
            break;
        case VSQ_BLOB:
            vals[i] = p[i].b;
            lens[i] = (int)p[i].n;
            fmts[i] = 1;
            break;
        default:
            vals[i] = NULL;
        }
    }
    char *q = rewrite(sql);
    if (q == NULL)
        return VG_ERR_NOMEM;
    PGresult *r = PQexecParams(d->c, q, np, NULL, vals, lens, fmts, 0);
    free(q);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        err = fail(d->c, r, sql);
    } else {
        if (fn != NULL && s == PGRES_TUPLES_OK)
            err = deliver_rows(r, fn, ud);
        if (err == VG_OK && changes != NULL)
            *changes = strtoll(PQcmdTuples(r), NULL, 10);
    }
    PQclear(r);
    return err;
}

static void pg_after_delete(vs_store *st)
{
    pgdb *d = st->db;
    if (ensure_conn(d) != VG_OK || simple(d, "VACUUM samples") != VG_OK)
        vsi_log("postgresql: VACUUM after a deletion failed (the deleted key's tuple stays "
                "until the next vacuum)");
}

const vsi_backend vsi_backend_pg = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .exec = pg_exec,
    .after_delete = pg_after_delete,
};
