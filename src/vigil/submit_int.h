/* Internals of the submit step, shared by its files:
 *
 *     submit.c          context, scan of a file, flush, counters
 *     submit_collect.c  the scan callback: copies each flagged innermost object
 *     submit_object.c   one object: guard, consent, lookup, ledger, upload, queue
 *     submit_guard.c    the local classified guard (marking detector, every level)
 *     submit_ask.c      the question on the terminal
 *     submit_http.c     libcurl: POST /v1/lookup, POST /v1/samples
 *     submit_queue.c    the offline queue (data dir submit-queue/)
 *     submit_store.c    data dir, client id, record of what was sent
 *     submit_type.c     content type of an object
 *     submit_p5.c       which signatures may trigger a submission (P5) */
#ifndef VIGIL_CLI_SUBMIT_INT_H
#define VIGIL_CLI_SUBMIT_INT_H

#include <stdio.h>
#include <vigil/ledger.h>
#include <vigil/scanner.h>

#include "submit.h"
#include "submit_type.h"

typedef struct sub_object {
    char *path;      /* "top-level path > member > member" */
    char *signature; /* what flagged it */
    uint8_t *data;   /* NULL when not collected (too large, cut by a limit) */
    size_t size;
    uint64_t full_size;
    char sha256[65];
    obj_type type;
    const char *not_collected; /* why data is NULL: static text */
} sub_object;

void sub_object_free(sub_object *o);

typedef struct http_ctx http_ctx;
typedef struct p5_policy p5_policy;

struct submit_ctx {
    submit_opts o;
    char *data_dir;
    char *ledger_path;
    char *queue_dir;
    char *sent_path;
    char client_id[40];
    vg_ledger *ledger;
    vg_engine *engine;   /* flags objects */
    vg_scanner *scanner; /* over engine, ALLMATCH */
    vg_scanner *guard;   /* no signatures, VG_SCAN_MARKINGS */
    vg_engine *guard_engine;
    http_ctx *http; /* NULL at consent off */
    p5_policy *p5;  /* upload triggers */
    unsigned long found, errors;
};

/* ---- P5 ---- */
/* The upload triggers of the databases the engine loaded (dbs: its -d
 * paths; none: $VIGIL_DB_DIR, as engine_setup.c). 0, or -1 out of memory. */
int p5_load(submit_ctx *s, const char *const *dbs, size_t n, bool unsigned_triggers);
void p5_free(p5_policy *p);
/* true when a detection by signame may lead to a submission. */
bool p5_may_trigger(const submit_ctx *s, const char *signame);

/* ---- collect ---- */
typedef struct collect {
    sub_object *obj;
    size_t n, cap;
    uint64_t bytes;       /* held, bounded by SUBMIT_MAX_PER_FILE */
    char cut_chain[4096]; /* the last object a size limit cut ("" when none) */
} collect;
int collect_on_event(const vg_event *e, void *userdata);
void collect_cleanup(collect *c);

/* ---- one object ---- */
typedef enum submit_result {
    SUBMIT_DONE,     /* decided: sent, known, refused or blocked; a queued item is removed */
    SUBMIT_REQUEUED, /* (re)written to the queue */
    SUBMIT_KEEP,     /* nothing decided (ledger or 4xx error, consent off): a queued item stays */
} submit_result;

typedef struct submit_how {
    bool from_queue;       /* a retry */
    bool queued_upload;    /* the queued item was an upload */
    bool lookup_only_item; /* a queued lookup: no bytes held */
    bool asked_yes;        /* ask: the owner already said yes (queued under ask) */
    unsigned attempts;     /* earlier attempts */
} submit_how;

submit_result submit_one(submit_ctx *s, sub_object *o, const submit_how *how);
/* A fresh object from a scan. */
void submit_object(submit_ctx *s, sub_object *o);

/* ---- guard ---- */
typedef struct guard_verdict {
    bool blocked;
    char why[768]; /* "classified (us-banner: in word/document.xml: ...)" or
                      "the guard could not look everywhere (limit:depth)" */
} guard_verdict;
void guard_check(submit_ctx *s, const uint8_t *p, size_t n, guard_verdict *v);

/* ---- ask ---- */
/* true only when the owner typed yes on the terminal. */
bool ask_owner(const submit_ctx *s, const sub_object *o);

/* ---- http ---- */
typedef enum http_outcome {
    HTTP_DONE,        /* the server answered (see code / status) */
    HTTP_UNAVAILABLE, /* no connection, timeout, 5xx: queue and retry */
    HTTP_FAILED,      /* a 4xx or a malformed answer: retrying would not help */
} http_outcome;

typedef struct http_answer {
    long code;
    char status[32];     /* "unknown", "known-bad", "stored", "duplicate", "refused" */
    char detection[128]; /* lookup: the server's detection name */
    char rule[64];       /* 422: the rule that fired on the server */
    char message[256];   /* error text for a human */
} http_answer;

http_ctx *http_new(const submit_opts *o, const char *client_id);
void http_free(http_ctx *h);
http_outcome http_lookup(http_ctx *h, const char *sha256, http_answer *a);
typedef struct upload_meta {
    const char *sha256;
    size_t size;
    const char *detection;
    const char *consent;
} upload_meta;
http_outcome http_upload(http_ctx *h, const uint8_t *data, size_t n, const upload_meta *m,
                         http_answer *a);

/* ---- queue ---- */
/* Stores o (bytes too when upload) as one file 0600; then trims the queue
 * to its bounds, oldest first, saying what it drops. Returns 0 or -1. */
int queue_put(submit_ctx *s, const sub_object *o, bool upload, unsigned attempts);
/* true when (sha256, server) is queued. */
bool queue_has(const submit_ctx *s, const char *sha256);

/* ---- store ---- */
int store_client_id(const char *data_dir, char out[40]);
/* true when (sha256, server) was sent (stored or duplicate) before. */
bool store_was_sent(const submit_ctx *s, const char *sha256);
void store_mark_sent(const submit_ctx *s, const char *sha256);

/* ---- output ---- */
/* Prints "PATH: TEXT" on stdout, control characters in PATH escaped. */
void sub_say(const submit_ctx *s, const char *path, bool always, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* path with control bytes as \xNN, into buf. */
const char *sub_printable(const char *path, char *buf, size_t cap);

#endif
