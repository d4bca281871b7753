/* Submitting flagged objects to a vigil-server, under the owner's consent.
 *
 *     submit_opts o;  submit_opts_defaults(&o);      env VIGIL_SERVER_URL ...
 *     o.consent = CONSENT_SAFE;
 *     submit_ctx *s;  submit_ctx_new(&o, engine, &s);
 *     submit_flush(s, false);                        queued items first
 *     submit_fd(s, fd, "/home/u/a.zip");            scan, then per flagged object:
 *                                                   guard, consent, lookup, ledger, upload
 *     submit_ctx_free(s);
 *
 * Shared by `vigil submit` (cmd_submit.c) and `vigil scan --submit`
 * (cmd_scan.c). The steps for one object live in submit_object.c; see
 * docs/privacy.md for what leaves the machine at each level. */
#ifndef VIGIL_CLI_SUBMIT_H
#define VIGIL_CLI_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <vigil/engine.h>

#define SUBMIT_MAX_OBJECT   ((uint64_t)64 << 20)  /* the largest object ever sent */
#define SUBMIT_MAX_PER_FILE ((uint64_t)256 << 20) /* flagged bytes held per top-level file */

typedef enum consent_level {
    CONSENT_OFF = 0, /* nothing leaves; no network at all */
    CONSENT_HASHES,  /* only SHA-256 to the lookup endpoint (the default) */
    CONSENT_SAFE,    /* + upload of executables and scripts the server does not know */
    CONSENT_ASK,     /* the owner decides per object on the terminal; no answer is no */
} consent_level;

const char *consent_name(consent_level c);
/* 0 and *out set, or -1 for an unknown name. */
int consent_parse(const char *s, consent_level *out);

typedef struct submit_opts {
    const char *server; /* base URL, e.g. http://127.0.0.1:8640; NULL: none */
    const char *token;  /* bearer token; NULL: none */
    consent_level consent;
    const char *data_dir; /* NULL: $VIGIL_DATA, $XDG_DATA_HOME/vigil, ~/.local/share/vigil */
    uint64_t queue_max_files, queue_max_bytes;
    long timeout_s;   /* per request */
    bool quiet;       /* only NOT SENT / errors */
    bool print_found; /* "PATH > MEMBER: SIG FOUND" before each object (not after a scan) */
    FILE *out;        /* where the per-object lines go (stdout) */
    /* P5: the signature databases the engine loaded (-d, borrowed), and
     * whether signatures outside a verified, installed bundle may trigger
     * a submission anyway (development and tests only). */
    const char *const *databases;
    size_t n_databases;
    bool unsigned_triggers;
} submit_opts;

/* Defaults, then the environment: VIGIL_SERVER_URL, VIGIL_TOKEN, VIGIL_CONSENT.
 * Returns -1 (after a message) when VIGIL_CONSENT holds an unknown level. */
int submit_opts_defaults(submit_opts *o);

typedef struct submit_ctx submit_ctx;

/* engine: the signatures that flag objects (a reference is taken). Returns
 * 0, or 2 after printing why (no server at a level that needs one, the data
 * directory or ledger cannot be had). */
int submit_ctx_new(const submit_opts *o, vg_engine *engine, submit_ctx **out);
void submit_ctx_free(submit_ctx *s);

/* Retries queued submissions: all of them when force (--flush), else only
 * those whose backoff has run out. */
void submit_flush(submit_ctx *s, bool force);

/* Scans the open regular file fd (named path in messages) and submits what
 * it flags. Returns 1 when something was flagged, 0 when not, 2 on an
 * error reading the file. */
int submit_fd(submit_ctx *s, int fd, const char *path);

/* Counters for the exit status: objects flagged, submission errors. */
unsigned long submit_found(const submit_ctx *s);
unsigned long submit_errors(const submit_ctx *s);

/* The data directory (malloc'd, created 0700), or NULL with why filled. */
char *submit_data_dir(const char *explicit_dir, char *why, size_t why_len);

#endif
