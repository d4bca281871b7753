/* `vigil scan --submit`: the scan's workers note each flagged file (a dup
 * of the descriptor the scan read, so the very same file is submitted even
 * if --action quarantined or deleted it meanwhile); after the scan, the
 * submit step (submit.c) scans each noted file again with every signature
 * (ALLMATCH: each flagged member counts) and handles its objects one by one
 * on the main thread, where the owner can be asked. Standard input cannot
 * be read twice: it is named and skipped. At most MAX_NOTED files are kept
 * open; more are named and skipped too (run vigil submit on them). */
#include "scan_submit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "submit.h"

#define MAX_NOTED 256

typedef struct noted {
    char *path;
    int fd;
} noted;

struct scan_submit {
    pthread_mutex_t lock;
    noted *v;
    size_t n, cap;
    unsigned long skipped_stream, skipped_many;
    submit_opts o;
};

scan_submit *scan_submit_new(const scan_config *cfg, int *rc)
{
    *rc = 0;
    if (!cfg->submit)
        return NULL;
    scan_submit *ss = calloc(1, sizeof *ss);
    if (ss == NULL || submit_opts_defaults(&ss->o) != 0) {
        free(ss);
        *rc = 2;
        return NULL;
    }
    if (cfg->submit_server != NULL)
        ss->o.server = cfg->submit_server;
    if (cfg->submit_token != NULL)
        ss->o.token = cfg->submit_token;
    if (cfg->submit_consent != NULL)
        consent_parse(cfg->submit_consent, &ss->o.consent); /* checked by scan_args */
    if (ss->o.consent != CONSENT_OFF && (ss->o.server == NULL || ss->o.server[0] == '\0')) {
        fputs("vigil scan: --submit needs a server: --server URL or VIGIL_SERVER_URL\n", stderr);
        free(ss);
        *rc = 2;
        return NULL;
    }
    ss->o.quiet = cfg->quiet;
    ss->o.databases = cfg->databases; /* P5: which of them may trigger */
    ss->o.n_databases = cfg->n_databases;
    ss->o.unsigned_triggers = cfg->submit_unsigned_triggers;
    ss->o.print_found = false;               /* the scan said FOUND already */
    ss->o.out = cfg->json ? stderr : stdout; /* keep --json output JSON */
    pthread_mutex_init(&ss->lock, NULL);
    return ss;
}

void scan_submit_note(scan_submit *ss, const char *path, int fd, bool stream)
{
    if (ss == NULL)
        return;
    pthread_mutex_lock(&ss->lock);
    if (stream) {
        ss->skipped_stream++;
        fprintf(stderr,
                "vigil: %s: standard input or a pipe cannot be read again; not "
                "submitted\n",
                path);
    } else if (ss->n >= MAX_NOTED) {
        ss->skipped_many++;
        fprintf(stderr,
                "vigil: %s: more than %d flagged files; not submitted (use vigil "
                "submit)\n",
                path, MAX_NOTED);
    } else {
        if (ss->n == ss->cap) {
            size_t nc = ss->cap ? ss->cap * 2 : 16;
            noted *nv = realloc(ss->v, nc * sizeof *nv);
            if (nv != NULL) {
                ss->v = nv;
                ss->cap = nc;
            }
        }
        int dfd = ss->n < ss->cap ? dup(fd) : -1;
        char *p = dfd >= 0 ? strdup(path) : NULL;
        if (p != NULL) {
            ss->v[ss->n++] = (noted){p, dfd};
        } else {
            if (dfd >= 0)
                close(dfd);
            fprintf(stderr, "vigil: %s: cannot keep it for submission\n", path);
        }
    }
    pthread_mutex_unlock(&ss->lock);
}

int scan_submit_run(scan_submit *ss, const scan_config *cfg, vg_engine *engine)
{
    (void)cfg;
    if (ss == NULL)
        return 0;
    submit_ctx *ctx = NULL;
    if (submit_ctx_new(&ss->o, engine, &ctx) != 0)
        return 2;
    submit_flush(ctx, false);
    for (size_t i = 0; i < ss->n; i++)
        submit_fd(ctx, ss->v[i].fd, ss->v[i].path);
    int rc = submit_errors(ctx) ? 2 : 0;
    submit_ctx_free(ctx);
    return rc;
}

void scan_submit_free(scan_submit *ss)
{
    if (ss == NULL)
        return;
    for (size_t i = 0; i < ss->n; i++) {
        close(ss->v[i].fd);
        free(ss->v[i].path);
    }
    free(ss->v);
    pthread_mutex_destroy(&ss->lock);
    free(ss);
}
