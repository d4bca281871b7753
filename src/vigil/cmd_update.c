/* `vigil update`: fetch the newest signature bundle from a mirror, prove it
 * is signed by the pinned vendor key and recorded in the transparency log,
 * install it atomically and tell a running vigild.
 *
 *     $ vigil update --mirror https://updates.example
 *     bundle v5 verified: signed by the pinned key, sha256 9f86d081884c7d65...
 *     log: tree size 5, root 1c2e..., bundle at leaf 4; consistent with size 4 seen on ...
 *     installed v5 into /home/u/.local/share/vigil/db/v5 (3 files, 120 signatures,
 *     80 upload triggers); current -> v5 (was v4)
 *     vigild (pid 812) told to reload (SIGHUP)
 *
 * The chain, each step a refusal (exit 2, one line, nothing changed):
 *   latest -> bundle bytes -> parse + every file digest -> vendor signature
 *   -> SHA-256 as announced -> STH signed by the log key -> consistent with
 *   the STH seen last (update-state.json) -> inclusion proof of the leaf
 *   "vigil-bundle\n<v>\n<sha>\n" -> version above the installed one
 * and only then: install (update_install.c), state, daemon. */
#include "cmd_update.h"

#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "opts.h"
#include "submit.h"
#include "update_int.h"

#define LATEST_MAX (64u << 10)

enum {
    OPT_MIRROR = 256,
    OPT_PUBKEY,
    OPT_LOG_PUBKEY,
    OPT_DB_DIR,
    OPT_DATA,
    OPT_SOCKET,
    OPT_TIMEOUT,
};

static const struct option long_opts[] = {
    {"mirror", required_argument, NULL, OPT_MIRROR},
    {"pubkey", required_argument, NULL, OPT_PUBKEY},
    {"log-pubkey", required_argument, NULL, OPT_LOG_PUBKEY},
    {"db-dir", required_argument, NULL, OPT_DB_DIR},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"daemon-socket", required_argument, NULL, OPT_SOCKET},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void cmd_update_usage(FILE *f)
{
    fputs("Usage: vigil update [--mirror URL] [--pubkey FILE] [--log-pubkey FILE]\n"
          "                    [--db-dir DIR] [--daemon-socket PATH]\n"
          "\n"
          "Downloads the newest signature bundle from a mirror and installs it, only if\n"
          "it is signed by the pinned vendor key, recorded in the transparency log (an\n"
          "inclusion proof against a tree head signed by the pinned log key), the log is\n"
          "consistent with the head this client saw last, and its version is newer than\n"
          "the installed one. Signatures then load from DB/current (vigil scan -d\n"
          "DB/current); only the bundle's upload triggers may trigger a submission (P5).\n"
          "\n"
          "Options:\n"
          "      --mirror URL         a vigil-server (http://, https://) or a directory\n"
          "                           written by `vigil-server log export` (file:// or a\n"
          "                           path); default $VIGIL_UPDATE_MIRROR\n"
          "      --pubkey FILE        the vendor's bundle key (default DATA/keys/vendor.pub)\n"
          "      --log-pubkey FILE    the log's key (default DATA/keys/log.pub)\n"
          "      --db-dir DIR         where bundles are installed (default DATA/db)\n"
          "      --data-dir DIR       DATA: update-state.json, keys, vigild.pid (default\n"
          "                           $VIGIL_DATA, else $XDG_DATA_HOME/vigil or\n"
          "                           ~/.local/share/vigil)\n"
          "      --daemon-socket PATH the clamd socket of a vigild to send RELOAD to (default:\n"
          "                           SIGHUP to the vigild in DATA/vigild.pid, if any)\n"
          "      --timeout SEC        per request (default 60)\n"
          "  -h, --help               this help\n"
          "\n"
          "Exit status: 0 installed or up to date; 2 refused (bad signature, not in the\n"
          "log, forked or rolled-back log, older version) or failed. On 2 the installed\n"
          "bundle stays in use and nothing is changed.\n",
          f);
}

typedef struct upd {
    const char *mirror, *pubkey, *log_pubkey, *db_dir, *data_opt, *socket;
    long timeout_s;
    char *data_dir;
    char db_buf[4096], key_buf[4096];
    uint8_t vendor_key[32], log_key[32];
    update_state state;
    fetch_ctx *fetch;
} upd;

/* Every refusal: one line, and what stays in use. */
static int refuse(const upd *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(const upd *u, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (u->state.installed > 0)
        fprintf(stderr, "vigil update: REFUSED: %s; v%llu stays in use\n", msg,
                (unsigned long long)u->state.installed);
    else
        fprintf(stderr, "vigil update: REFUSED: %s; nothing installed\n", msg);
    return UPDATE_EXIT_REFUSED;
}

static const char *seen_text(const upd *u, char *buf, size_t cap)
{
    char t[64];
    log_time_text(u->state.sth_seen_at, t, sizeof t);
    snprintf(buf, cap, "%s%s%s", t, u->state.sth_mirror[0] ? " from " : "", u->state.sth_mirror);
    return buf;
}

typedef struct latest {
    uint64_t version, leaf_index;
    uint8_t sha[32];
} latest;

static int fetch_latest(upd *u, latest *l)
{
    uint8_t *body = NULL;
    size_t len = 0;
    char why[1024];
    if (fetch_get(u->fetch, "/v1/bundles/latest", "/v1/bundles/latest", LATEST_MAX, &body, &len,
                  why, sizeof why) != FETCH_OK) {
        fprintf(stderr, "vigil update: cannot fetch the latest bundle's description: %s\n", why);
        return -1;
    }
    json_t *j = json_loadb((const char *)body, len, 0, NULL);
    free(body);
    json_t *v = json_object_get(j, "version"), *li = json_object_get(j, "leaf_index");
    const char *sha = json_string_value(json_object_get(j, "sha256"));
    int rc = -1;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || !json_is_integer(li) ||
        json_integer_value(li) < 0 || sha == NULL ||
        vg_tlog_unhex(sha, strlen(sha), l->sha, 32) != VG_OK) {
        fprintf(stderr, "vigil update: %s: /v1/bundles/latest is malformed\n",
                fetch_mirror(u->fetch));
        goto done;
    }
    l->version = (uint64_t)json_integer_value(v);
    l->leaf_index = (uint64_t)json_integer_value(li);
    rc = 0;
done:
    json_decref(j);
    return rc;
}

static void count_bundle(const vg_bundle *b, uint64_t *files, uint64_t *sigs)
{
    *files = vg_bundle_file_count(b);
    *sigs = 0;
    for (size_t i = 0; i < *files; i++) {
        vg_bundle_file bf;
        if (vg_bundle_file_get(b, i, &bf) == VG_OK)
            *sigs += bf.signatures;
    }
}

static int save_state(upd *u, const vg_tlog_sth *now, uint64_t installed, const char *sha)
{
    update_state ns = u->state;
    bool same = ns.has_sth && ns.sth.tree_size == now->tree_size &&
                memcmp(ns.sth.root.b, now->root.b, 32) == 0;
    if (!same) {
        ns.has_sth = true;
        ns.sth = *now;
        ns.sth_seen_at = (uint64_t)time(NULL);
        snprintf(ns.sth_mirror, sizeof ns.sth_mirror, "%s", fetch_mirror(u->fetch));
    }
    ns.installed = installed;
    snprintf(ns.bundle_sha, sizeof ns.bundle_sha, "%s", sha);
    char why[1024];
    if (state_save(u->data_dir, &ns, why, sizeof why) != 0) {
        fprintf(stderr, "vigil update: %s\n", why);
        return -1;
    }
    u->state = ns;
    return 0;
}

/* Steps 1-9 of the file comment. */
static int run_update(upd *u)
{
    char why[1024], seen[1200];
    latest l;
    if (fetch_latest(u, &l) != 0)
        return UPDATE_EXIT_REFUSED;
    char q[64];
    snprintf(q, sizeof q, "/v1/bundles/%llu", (unsigned long long)l.version);
    uint8_t *raw = NULL;
    size_t n = 0;
    vg_bundle *b = NULL;
    int rc = UPDATE_EXIT_REFUSED;
    if (fetch_get(u->fetch, q, q, VG_BUNDLE_MAX_SIZE, &raw, &n, why, sizeof why) != FETCH_OK) {
        fprintf(stderr, "vigil update: cannot fetch bundle v%llu: %s\n",
                (unsigned long long)l.version, why);
        goto done;
    }
    char err[512] = "";
    if (vg_bundle_open_mem(raw, n, &b, err, sizeof err) != VG_OK) {
        rc = refuse(u, "bundle v%llu: bundle signature does not verify with the pinned key (%s)",
                    (unsigned long long)l.version, err);
        goto done;
    }
    uint64_t ver = vg_bundle_version(b);
    if (vg_bundle_verify_sig(b, u->vendor_key) != VG_OK) {
        rc = refuse(u, "bundle v%llu: bundle signature does not verify with the pinned key (%s)",
                    (unsigned long long)ver, vg_bundle_is_signed(b) ? u->pubkey : "it is unsigned");
        goto done;
    }
    uint8_t digest[32];
    char hex[65], ann[65];
    vg_bundle_digest(b, digest);
    vg_tlog_hex(digest, 32, hex);
    vg_tlog_hex(l.sha, 32, ann);
    if (memcmp(digest, l.sha, 32) != 0 || ver != l.version) {
        rc = refuse(u,
                    "the mirror announced v%llu with sha256 %.16s... but served v%llu with "
                    "sha256 %.16s...",
                    (unsigned long long)l.version, ann, (unsigned long long)ver, hex);
        goto done;
    }
    printf("bundle v%llu verified: signed by the pinned key, sha256 %s\n", (unsigned long long)ver,
           hex);
    /* The log. */
    vg_tlog_sth now;
    bool bad_sig;
    if (log_fetch_sth(u->fetch, u->log_key, &now, &bad_sig, why, sizeof why) != 0) {
        if (bad_sig)
            rc = refuse(u, "%s", why);
        else
            fprintf(stderr, "vigil update: %s\n", why);
        goto done;
    }
    if (u->state.has_sth) {
        log_check lc = log_check_consistent(u->fetch, &u->state.sth, &now, why, sizeof why);
        seen_text(u, seen, sizeof seen);
        if (lc == LOG_ROLLED_BACK) {
            rc = refuse(u,
                        "the log was rolled back: STH size %llu is smaller than the size %llu "
                        "seen on %s",
                        (unsigned long long)now.tree_size,
                        (unsigned long long)u->state.sth.tree_size, seen);
            goto done;
        }
        if (lc == LOG_NOT_CONSISTENT) {
            rc = refuse(u,
                        "the log forked: STH size %llu is not consistent with the size %llu seen "
                        "on %s (%s)",
                        (unsigned long long)now.tree_size,
                        (unsigned long long)u->state.sth.tree_size, seen, why);
            goto done;
        }
        if (lc == LOG_FETCH_FAILED) {
            fprintf(stderr, "vigil update: cannot fetch a consistency proof: %s\n", why);
            goto done;
        }
    }
    char entry[VG_TLOG_ENTRY_MAX];
    vg_tlog_bundle_entry(ver, digest, entry);
    if (!log_check_included(u->fetch, &now, l.leaf_index, entry, why, sizeof why)) {
        rc = refuse(u, "bundle v%llu is not in the transparency log (%s)", (unsigned long long)ver,
                    why);
        goto done;
    }
    char root[65];
    vg_tlog_hex(now.root.b, 32, root);
    printf("log: tree size %llu, root %.16s..., bundle at leaf %llu",
           (unsigned long long)now.tree_size, root, (unsigned long long)l.leaf_index);
    if (u->state.has_sth)
        printf("; consistent with size %llu seen on %s\n",
               (unsigned long long)u->state.sth.tree_size, seen_text(u, seen, sizeof seen));
    else
        printf("; first head seen by this client\n");
    /* The version. */
    if (ver < u->state.installed) {
        rc = refuse(u, "rollback from v%llu to v%llu refused",
                    (unsigned long long)u->state.installed, (unsigned long long)ver);
        goto done;
    }
    if (ver == u->state.installed) {
        if (strcmp(hex, u->state.bundle_sha) != 0) {
            rc = refuse(u, "bundle v%llu differs from the installed v%llu (sha256 %.16s...)",
                        (unsigned long long)ver, (unsigned long long)ver, u->state.bundle_sha);
            goto done;
        }
        rc = save_state(u, &now, ver, hex) == 0 ? 0 : UPDATE_EXIT_REFUSED;
        if (rc == 0)
            printf("up to date: v%llu\n", (unsigned long long)ver);
        goto done;
    }
    /* The client's own lint: a file it cannot parse would not load in the
     * engine either; triggers it refuses stay installed but only detect
     * (submit_p5.c demotes them). */
    size_t n_demoted = 0;
    vg_diag d;
    vg_diag_clear(&d);
    if (vg_bundle_lint_check(b, NULL, NULL, &n_demoted, &d) != VG_OK) {
        char msg[1024];
        vg_diag_format(&d, msg, sizeof msg);
        rc = refuse(u, "bundle v%llu: a signature file does not parse: %s", (unsigned long long)ver,
                    msg);
        goto done;
    }
    if (n_demoted > 0)
        printf("warning: this client's lint refuses %zu of the bundle's upload triggers; they "
               "only detect (P5)\n",
               n_demoted);
    /* Install. */
    int lock = install_lock(u->db_dir, why, sizeof why);
    if (lock < 0) {
        fprintf(stderr, "vigil update: %s\n", why);
        goto done;
    }
    char dir[4200], prev[256];
    if (install_bundle(u->db_dir, b, raw, n, dir, sizeof dir, prev, sizeof prev, why, sizeof why) !=
        0) {
        fprintf(stderr, "vigil update: %s; the installed bundle stays in use\n", why);
        close(lock);
        goto done;
    }
    if (save_state(u, &now, ver, hex) != 0) {
        install_restore_current(u->db_dir, prev);
        fprintf(stderr, "vigil update: the state could not be saved; current -> %s again\n",
                prev[0] ? prev : "(none)");
        close(lock);
        goto done;
    }
    const char *slash = strrchr(dir, '/');
    install_prune(u->db_dir, prev[0] ? prev : NULL);
    close(lock);
    uint64_t files, sigs;
    count_bundle(b, &files, &sigs);
    printf("installed v%llu into %s (%llu file%s, %llu signatures, %zu upload trigger%s); "
           "current -> %s%s%s%s\n",
           (unsigned long long)ver, dir, (unsigned long long)files, files == 1 ? "" : "s",
           (unsigned long long)sigs, vg_bundle_trigger_count(b),
           vg_bundle_trigger_count(b) == 1 ? "" : "s", slash ? slash + 1 : dir,
           prev[0] ? " (was " : "", prev, prev[0] ? ")" : "");
    fflush(stdout);
    notify_daemon(u->data_dir, u->socket);
    rc = 0;
done:
    vg_bundle_free(b);
    free(raw);
    return rc;
}

int cmd_update(int argc, char **argv)
{
    upd u;
    memset(&u, 0, sizeof u);
    u.timeout_s = 60;
    uint64_t v;
    int rc = 2;
    optind = 0;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":h", long_opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case OPT_MIRROR:
            u.mirror = optarg;
            break;
        case OPT_PUBKEY:
            u.pubkey = optarg;
            break;
        case OPT_LOG_PUBKEY:
            u.log_pubkey = optarg;
            break;
        case OPT_DB_DIR:
            u.db_dir = optarg;
            break;
        case OPT_DATA:
            u.data_opt = optarg;
            break;
        case OPT_SOCKET:
            u.socket = optarg;
            break;
        case OPT_TIMEOUT:
            if (opt_parse_uint(optarg, 3600, &v) != 0 || v == 0) {
                fprintf(stderr, "vigil update: --timeout: invalid value '%s' (1 to 3600)\n",
                        optarg);
                return 2;
            }
            u.timeout_s = (long)v;
            break;
        case 'h':
            cmd_update_usage(stdout);
            return 0;
        default:
            return opt_bad("vigil update", c, argv);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vigil update: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    rc = update_setup(&(update_setup_args){.who = "vigil update",
                                           .mirror = u.mirror,
                                           .pubkey = u.pubkey,
                                           .log_pubkey = u.log_pubkey,
                                           .data_dir = u.data_opt,
                                           .timeout_s = u.timeout_s,
                                           .need_vendor_key = true},
                      &u.data_dir, &u.fetch, u.vendor_key, u.log_key, &u.state);
    if (rc != 0)
        goto done;
    if (u.pubkey == NULL) {
        snprintf(u.key_buf, sizeof u.key_buf, "%s/keys/vendor.pub", u.data_dir);
        u.pubkey = u.key_buf;
    }
    if (u.db_dir == NULL) {
        snprintf(u.db_buf, sizeof u.db_buf, "%s/db", u.data_dir);
        u.db_dir = u.db_buf;
    }
    rc = run_update(&u);
done:
    fetch_free(u.fetch);
    free(u.data_dir);
    if (fflush(stdout) != 0 && rc == 0)
        rc = 2;
    return rc;
}
