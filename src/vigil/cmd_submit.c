/* `vigil submit [OPTIONS] PATH...`: scan PATHs with the signatures and send
 * what they flag to a vigil-server, under the owner's consent.
 *
 *     $ vigil submit --server https://vigil.example --consent safe ~/Downloads/a.zip
 *     /home/u/Downloads/a.zip > setup.exe: Win.Test FOUND
 *     /home/u/Downloads/a.zip > setup.exe: sent (pe, 73802 bytes, sha256 3f2a...)
 *     /home/u/Downloads/a.zip > plan.docx: Doc.Test FOUND
 *     /home/u/Downloads/a.zip > plan.docx: NOT SENT: classified (us-banner: ...)
 *
 * Files are scanned one at a time on this thread (submission is about a
 * few flagged objects, not throughput). Queued submissions are retried
 * first. Exit status as `vigil scan`: 1 when something was flagged (even
 * if a submission failed), else 2 on any error, else 0. */
#include "cmd_submit.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vigil/engine.h>

#include "engine_setup.h"
#include "opts.h"
#include "scan_args.h"
#include "submit.h"
#include "walk.h"

enum {
    OPT_NO_BUILTIN = 256,
    OPT_CACHE_DIR,
    OPT_NO_CACHE,
    OPT_SERVER,
    OPT_TOKEN,
    OPT_CONSENT,
    OPT_FLUSH,
    OPT_DATA,
    OPT_QUIET,
    OPT_TIMEOUT,
    OPT_UNSIGNED_TRIGGERS,
};

static const struct option long_opts[] = {
    {"database", required_argument, NULL, 'd'},
    {"no-builtin", no_argument, NULL, OPT_NO_BUILTIN},
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"server", required_argument, NULL, OPT_SERVER},
    {"token", required_argument, NULL, OPT_TOKEN},
    {"consent", required_argument, NULL, OPT_CONSENT},
    {"flush", no_argument, NULL, OPT_FLUSH},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"unsigned-triggers", no_argument, NULL, OPT_UNSIGNED_TRIGGERS},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void cmd_submit_usage(FILE *f)
{
    fputs("Usage: vigil submit [OPTIONS] PATH...\n"
          "       vigil submit --flush [OPTIONS]\n"
          "\n"
          "Scans files and directory trees with the signatures and offers each flagged\n"
          "object (the archive member itself, never the archive around it) to a\n"
          "vigil-server, as far as the consent level allows. Before anything leaves, the\n"
          "object and everything inside it pass the classification-marking guard (a hit\n"
          "blocks it at every level), and the decision is appended to the ledger (see\n"
          "vigil audit). See docs/privacy.md for exactly what is sent.\n"
          "\n"
          "Options:\n"
          "      --server URL      the vigil-server (default $VIGIL_SERVER_URL)\n"
          "      --token TOKEN     its submitter token (default $VIGIL_TOKEN)\n"
          "      --consent LEVEL   off | hashes | safe | ask (default $VIGIL_CONSENT, else\n"
          "                        hashes)\n"
          "                          off     nothing leaves the machine\n"
          "                          hashes  only the SHA-256 of flagged objects (lookup)\n"
          "                          safe    + the bytes of executables and scripts the\n"
          "                                  server does not know; never documents,\n"
          "                                  archives, mail, images or text\n"
          "                          ask     asks on the terminal per object (default no;\n"
          "                                  no terminal is no)\n"
          "      --flush           retry every queued submission now (else only those whose\n"
          "                        backoff has run out); PATHs are optional then\n"
          "      --data-dir DIR    ledger, queue, client id (default $VIGIL_DATA, else\n"
          "                        $XDG_DATA_HOME/vigil or ~/.local/share/vigil)\n"
          "      --timeout SEC     per request (default 60)\n"
          "  -d, --database FILE|DIR  signatures, as vigil scan (default $VIGIL_DB_DIR)\n"
          "      --no-builtin      do not load the built-in EICAR test signature\n"
          "      --cache-dir DIR, --no-cache   the compiled-matcher cache, as vigil scan\n"
          "      --unsigned-triggers  let every loaded signature trigger a submission; by\n"
          "                        default only the upload triggers of the bundle vigil\n"
          "                        update installed may (P5); for development and tests\n"
          "      --quiet           print only what was NOT sent and errors\n"
          "  -v, --verbose         engine statistics\n"
          "  -h, --help            this help\n"
          "\n"
          "Lines, per flagged object: \"PATH > MEMBER: SIGNATURE FOUND\", then one of\n"
          "  sent (...)  |  already known to the server (...)  |  hashes only (...)\n"
          "  NOT SENT: classified (RULE: REASON)  |  NOT SENT: not consented (...)\n"
          "  NOT SENT: signature X may only detect (P5)\n"
          "  queued (...)  |  already sent to this server before\n"
          "\n"
          "Exit status: 0 nothing flagged, 1 something flagged, 2 an error and nothing\n"
          "flagged.\n",
          f);
}

typedef struct sub_run {
    submit_ctx *ctx;
    unsigned long errors;
    bool found;
} sub_run;

static void on_item(void *ud, walk_item *it)
{
    sub_run *r = ud;
    switch (it->kind) {
    case WALK_FILE:
    case WALK_STREAM: {
        if (it->kind == WALK_STREAM) {
            fprintf(stderr, "%s: ERROR not a regular file; submit reads files only\n", it->path);
            r->errors++;
        } else {
            int rc = submit_fd(r->ctx, it->fd, it->path);
            if (rc == 1)
                r->found = true;
            else if (rc == 2)
                r->errors++;
        }
        close(it->fd);
        if (it->parent_fd >= 0)
            close(it->parent_fd);
        free(it->path);
        break;
    }
    case WALK_ERROR:
        fprintf(stderr, "%s: ERROR %s%s%s\n", it->path, it->what ? it->what : "",
                it->what ? ": " : "", strerror(it->errnum));
        r->errors++;
        break;
    default:
        break;
    }
}

int cmd_submit(int argc, char **argv)
{
    scan_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.limits = vg_limits_default();
    submit_opts so;
    if (submit_opts_defaults(&so) != 0)
        return 2;
    bool flush = false;
    uint64_t v;
    int rc = 2;
    optind = 0;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":d:vh", long_opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'd': {
            const char **g = realloc(cfg.databases, (cfg.n_databases + 1) * sizeof *g);
            if (g == NULL)
                goto done;
            cfg.databases = g;
            cfg.databases[cfg.n_databases++] = optarg;
            break;
        }
        case OPT_NO_BUILTIN:
            cfg.no_builtin = true;
            break;
        case OPT_CACHE_DIR:
            cfg.cache_dir = optarg;
            break;
        case OPT_NO_CACHE:
            cfg.no_cache = true;
            break;
        case OPT_SERVER:
            so.server = optarg;
            break;
        case OPT_TOKEN:
            so.token = optarg;
            break;
        case OPT_CONSENT:
            if (consent_parse(optarg, &so.consent) != 0) {
                fprintf(stderr,
                        "vigil submit: --consent: invalid value '%s' (expected off, "
                        "hashes, safe or ask)\n",
                        optarg);
                goto done;
            }
            break;
        case OPT_FLUSH:
            flush = true;
            break;
        case OPT_DATA:
            so.data_dir = optarg;
            break;
        case OPT_TIMEOUT:
            if (opt_parse_uint(optarg, 3600, &v) != 0 || v == 0) {
                fprintf(stderr, "vigil submit: --timeout: invalid value '%s' (1 to 3600)\n",
                        optarg);
                goto done;
            }
            so.timeout_s = (long)v;
            break;
        case OPT_QUIET:
            cfg.quiet = so.quiet = true;
            break;
        case OPT_UNSIGNED_TRIGGERS:
            so.unsigned_triggers = true;
            break;
        case 'v':
            cfg.verbose = true;
            break;
        case 'h':
            cmd_submit_usage(stdout);
            rc = 0;
            goto done;
        default:
            opt_bad("vigil submit", c, argv);
            goto done;
        }
    }
    if (optind >= argc && !flush) {
        fputs("vigil submit: name at least one PATH (or --flush)\n", stderr);
        goto done;
    }
    vg_engine *engine = NULL;
    if (engine_setup(&cfg, &engine) != 0)
        goto done;
    so.databases = cfg.databases;
    so.n_databases = cfg.n_databases;
    submit_ctx *ctx = NULL;
    if (submit_ctx_new(&so, engine, &ctx) != 0) {
        vg_engine_unref(engine);
        goto done;
    }
    vg_engine_unref(engine); /* the context holds its own reference */
    submit_flush(ctx, flush);
    sub_run run = {.ctx = ctx};
    walk_opts wo = {.recursive = true, .cross_fs = true, .filter = &cfg.filter};
    walk_sink sink = {.emit = on_item, .ctx = &run};
    walk_counts counts;
    memset(&counts, 0, sizeof counts);
    for (int i = optind; i < argc; i++)
        if (walk_path(&wo, &sink, argv[i], &counts) != 0)
            run.errors++;
    rc = run.found ? 1 : (run.errors || submit_errors(ctx)) ? 2 : 0;
    submit_ctx_free(ctx);
done:
    free(cfg.databases);
    if (fflush(stdout) != 0 && rc == 0)
        rc = 2;
    return rc;
}
