/* Internals of `vigil update` and `vigil tlog`, shared by their files:
 *
 *     cmd_update.c      options, then the chain below, in this order
 *     update_setup.c    data dir, mirror, pinned keys, state: before any request
 *     update_fetch.c    libcurl GETs from a mirror: http(s):// or file:// (a
 *                       `vigil-server log export` directory), query URLs
 *                       mapped to the mirror's static paths
 *     update_log.c      keys, STH parsing and signature, inclusion and
 *                       consistency proofs against the last STH seen
 *     update_state.c    DATA/update-state.json, written atomically
 *     update_install.c  DB/v<N>.tmp -> DB/v<N>, then the `current` symlink
 *     update_notify.c   a running vigild is told to RELOAD
 *     cmd_tlog.c        `vigil tlog verify`: the whole log, replayed
 *
 * Every check runs before anything is written: a refusal leaves the
 * installed bundle and the state file exactly as they were. */
#ifndef VIGIL_CLI_UPDATE_INT_H
#define VIGIL_CLI_UPDATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/bundle.h>
#include <vigil/tlog.h>

/* Exit status of a refusal or any failure (an "up to date" is 0). */
#define UPDATE_EXIT_REFUSED 2

/* ---- setup, shared by update and tlog ---- */
typedef struct fetch_ctx fetch_ctx;
typedef struct update_state update_state;

typedef struct update_setup_args {
    const char *who;        /* "vigil update", for messages */
    const char *mirror;     /* NULL: $VIGIL_UPDATE_MIRROR */
    const char *pubkey;     /* NULL: DATA/keys/vendor.pub */
    const char *log_pubkey; /* NULL: DATA/keys/log.pub */
    const char *data_dir;   /* NULL: as vigil submit finds it */
    long timeout_s;
    bool need_vendor_key;
} update_setup_args;

/* Data dir (malloc'd), mirror, pinned keys, state. 0, or 2 after a
 * message on stderr. */
int update_setup(const update_setup_args *a, char **data_dir, fetch_ctx **fetch,
                 uint8_t vendor_key[32], uint8_t log_key[32], update_state *st);

/* ---- fetch ---- */
/* mirror: "http(s)://host[:port][/prefix]", "file:///dir" or a plain
 * directory path (made absolute). NULL with why on a bad URL. */
fetch_ctx *fetch_new(const char *mirror, long timeout_s, char *why, size_t why_len);
void fetch_free(fetch_ctx *f);
/* The mirror, as given (for messages). */
const char *fetch_mirror(const fetch_ctx *f);
bool fetch_is_file(const fetch_ctx *f);

typedef enum fetch_rc {
    FETCH_OK = 0,
    FETCH_NOT_FOUND, /* HTTP 404, or no such file in a file:// mirror */
    FETCH_FAILED,    /* anything else: see why */
} fetch_rc;

/* GET a resource. query: the HTTP path with its query string, e.g.
 * "/v1/log/proof/inclusion?leaf_index=3&tree_size=7"; file_path: the same
 * resource in a static mirror, "/v1/log/proof/inclusion/3-7". The body
 * (NUL-terminated, malloc'd) is at most max bytes. */
fetch_rc fetch_get(fetch_ctx *f, const char *query, const char *file_path, size_t max,
                   uint8_t **body, size_t *len, char *why, size_t why_len);

/* ---- keys, STH, proofs (over include/vigil/tlog.h) ---- */
/* A key file: one line of 64 hex characters. 0, or -1 with why. */
int key_read(const char *path, uint8_t key[32], char *why, size_t why_len);

/* GET the mirror's STH and check the log key signed it. 0, or -1 with
 * why; *bad_sig tells a forged or wrongly signed STH from a failed fetch. */
int log_fetch_sth(fetch_ctx *f, const uint8_t log_key[32], vg_tlog_sth *out, bool *bad_sig,
                  char *why, size_t why_len);

typedef enum log_check {
    LOG_OK = 0,
    LOG_NOT_CONSISTENT, /* no proof, or one that does not verify */
    LOG_ROLLED_BACK,    /* smaller than the size seen */
    LOG_FETCH_FAILED,   /* the mirror failed (why says how) */
} log_check;

/* Is `now` an extension of `seen` (RFC 9162 2.1.4)? Equal sizes: equal
 * roots. Larger: a consistency proof from the mirror that verifies. */
log_check log_check_consistent(fetch_ctx *f, const vg_tlog_sth *seen, const vg_tlog_sth *now,
                               char *why, size_t why_len);

/* Is the leaf `entry` at leaf_index in the tree of `now` (RFC 9162
 * 2.1.3)? true only with a proof from the mirror that verifies. */
bool log_check_included(fetch_ctx *f, const vg_tlog_sth *now, uint64_t leaf_index,
                        const char *entry, char *why, size_t why_len);

/* "2024-05-01 10:00:00 UTC" for a unix time in seconds. */
void log_time_text(uint64_t unix_s, char *out, size_t cap);

/* ---- state ---- */
struct update_state {
    bool present;        /* the file existed */
    uint64_t installed;  /* 0: none */
    char bundle_sha[65]; /* "" when none */
    bool has_sth;        /* the last STH seen, verified */
    vg_tlog_sth sth;
    uint64_t sth_seen_at;  /* unix seconds, when it was first seen */
    char sth_mirror[1024]; /* where it was seen */
};

/* DATA/update-state.json. A missing file is an empty state (0); a file
 * that cannot be read or parsed is -1 with why: the client never starts
 * over silently, because forgetting the last STH would let a forked log
 * through. */
int state_load(const char *data_dir, update_state *st, char *why, size_t why_len);
/* tmp + fsync + rename + fsync of the directory; 0 or -1 with why. */
int state_save(const char *data_dir, const update_state *st, char *why, size_t why_len);

/* ---- install ---- */
/* Installs the bundle's files into db_dir/v<version>/ (plus manifest.json
 * and bundle.vgb, the verified file itself) and switches db_dir/current to
 * it. Previous versions but the one `current` named before are removed.
 * 0, or -1 with why and `current` unchanged. prev: the target `current`
 * had ("" when none), for a rollback of the switch. */
int install_bundle(const char *db_dir, const vg_bundle *b, const uint8_t *raw, size_t n,
                   char *installed_dir, size_t dir_cap, char *prev, size_t prev_cap, char *why,
                   size_t why_len);
/* Points db_dir/current back at prev (after a later step failed). */
int install_restore_current(const char *db_dir, const char *prev);
/* Removes version directories but current's target and keep (a name). */
void install_prune(const char *db_dir, const char *keep);
/* Takes db_dir/.lock (flock, exclusive, non-blocking); fd or -1 with why. */
int install_lock(const char *db_dir, char *why, size_t why_len);

/* ---- daemon ---- */
/* After an install: RELOAD on the clamd socket (socket_path, or none),
 * else SIGHUP to the vigild named in DATA/vigild.pid. Prints one line. */
void notify_daemon(const char *data_dir, const char *socket_path);

#endif
