/* The submit step's context and its two entry points: a file to scan and
 * submit from, and the queue to retry.
 *
 * One context per run: the ledger (opened once, appended under its lock
 * for every decision), a scanner with ALLMATCH over the signatures (every
 * flagged object counts, not only the first), a guard scanner over an
 * engine without signatures (VG_SCAN_MARKINGS), and a libcurl handle — not
 * even created at consent "off", so that level cannot reach the network.
 * Objects are handled one file at a time, after that file's scan: the scan
 * deadline never includes a network round trip or the owner's answer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <vigil/scanner.h>

#include "submit_int.h"
#include "submit_queue.h"

static const char *const consent_names[] = {"off", "hashes", "safe", "ask"};

const char *consent_name(consent_level c)
{
    return (unsigned)c < 4 ? consent_names[c] : "?";
}

int consent_parse(const char *s, consent_level *out)
{
    for (unsigned i = 0; i < 4; i++)
        if (s != NULL && strcasecmp(s, consent_names[i]) == 0) {
            *out = (consent_level)i;
            return 0;
        }
    return -1;
}

int submit_opts_defaults(submit_opts *o)
{
    memset(o, 0, sizeof *o);
    o->consent = CONSENT_HASHES; /* P2: the default */
    o->queue_max_files = 100;
    o->queue_max_bytes = 256u << 20;
    o->timeout_s = 60;
    o->print_found = true;
    o->out = stdout;
    const char *v = getenv("VIGIL_SERVER_URL");
    if (v != NULL && v[0] != '\0')
        o->server = v;
    v = getenv("VIGIL_TOKEN");
    if (v != NULL && v[0] != '\0')
        o->token = v;
    v = getenv("VIGIL_CONSENT");
    if (v != NULL && v[0] != '\0' && consent_parse(v, &o->consent) != 0) {
        fprintf(stderr, "vigil: VIGIL_CONSENT='%s': expected off, hashes, safe or ask\n", v);
        return -1;
    }
    return 0;
}

const char *sub_printable(const char *path, char *buf, size_t cap)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)path; *p && o + 5 < cap; p++) {
        if (*p < 0x20 || *p == 0x7f)
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", *p);
        else
            buf[o++] = (char)*p;
    }
    buf[o] = '\0';
    return buf;
}

void sub_say(const submit_ctx *s, const char *path, bool always, const char *fmt, ...)
{
    if (s->o.quiet && !always)
        return;
    char pb[4096], msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(s->o.out, "%s: %s\n", sub_printable(path, pb, sizeof pb), msg);
    fflush(s->o.out);
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

static int guard_engine(submit_ctx *s)
{
    vg_limits lim = vg_limits_default();
    lim.max_file_size = SUBMIT_MAX_OBJECT;
    vg_diag d;
    vg_diag_clear(&d);
    if (vg_engine_new(&lim, &s->guard_engine) != VG_OK ||
        vg_engine_compile(s->guard_engine, NULL, &d) != VG_OK ||
        vg_scanner_new(s->guard_engine, &s->guard) != VG_OK)
        return -1;
    vg_scanner_set_flags(s->guard, VG_SCAN_MARKINGS);
    return 0;
}

int submit_ctx_new(const submit_opts *o, vg_engine *engine, submit_ctx **out)
{
    *out = NULL;
    if (o->consent != CONSENT_OFF && (o->server == NULL || o->server[0] == '\0')) {
        fprintf(stderr, "vigil: no server to submit to: give --server URL or set "
                        "VIGIL_SERVER_URL (or --consent off)\n");
        return 2;
    }
    submit_ctx *s = calloc(1, sizeof *s);
    if (s == NULL)
        return 2;
    s->o = *o;
    if (s->o.out == NULL)
        s->o.out = stdout;
    if (s->o.consent == CONSENT_OFF && s->o.server == NULL)
        s->o.server = "";
    char why[512];
    if ((s->data_dir = submit_data_dir(o->data_dir, why, sizeof why)) == NULL) {
        fprintf(stderr, "vigil: no data directory: %s\n", why);
        goto fail;
    }
    s->ledger_path = join(s->data_dir, "ledger");
    s->queue_dir = join(s->data_dir, "submit-queue");
    s->sent_path = join(s->data_dir, "submitted");
    if (s->ledger_path == NULL || s->queue_dir == NULL || s->sent_path == NULL)
        goto oom;
    vg_error err = vg_ledger_open(s->ledger_path, &s->ledger);
    if (err != VG_OK) {
        fprintf(stderr, "vigil: cannot open the ledger %s: %s\n", s->ledger_path, vg_strerror(err));
        goto fail;
    }
    if (store_client_id(s->data_dir, s->client_id) != 0) {
        fprintf(stderr, "vigil: cannot create %s/client-id\n", s->data_dir);
        goto fail;
    }
    s->engine = engine;
    vg_engine_ref(engine);
    if (vg_scanner_new(engine, &s->scanner) != VG_OK || guard_engine(s) != 0) {
        fprintf(stderr, "vigil: cannot create the submit scanners\n");
        goto fail;
    }
    vg_scanner_set_flags(s->scanner, VG_SCAN_ALLMATCH);
    if (p5_load(s, o->databases, o->n_databases, o->unsigned_triggers) != 0)
        goto oom;
    if (s->o.consent != CONSENT_OFF && (s->http = http_new(&s->o, s->client_id)) == NULL)
        goto oom;
    *out = s;
    return 0;
oom:
    fputs("vigil: out of memory\n", stderr);
fail:
    submit_ctx_free(s);
    return 2;
}

void submit_ctx_free(submit_ctx *s)
{
    if (s == NULL)
        return;
    http_free(s->http);
    p5_free(s->p5);
    vg_scanner_free(s->scanner);
    vg_scanner_free(s->guard);
    vg_engine_unref(s->guard_engine);
    vg_engine_unref(s->engine);
    vg_ledger_close(s->ledger);
    free(s->data_dir);
    free(s->ledger_path);
    free(s->queue_dir);
    free(s->sent_path);
    free(s);
}

void submit_flush(submit_ctx *s, bool force)
{
    if (s->o.consent == CONSENT_OFF)
        return; /* no network at all */
    queue_item *items;
    size_t n = queue_load_due(s, force, &items);
    for (size_t i = 0; i < n; i++) {
        queue_item *q = &items[i];
        if (q->upload)
            q->obj.type = object_type(q->obj.data, q->obj.size);
        else
            q->obj.type = (obj_type){OBJ_DATA, q->type_name};
        submit_how how = {.from_queue = true,
                          .queued_upload = q->upload,
                          .lookup_only_item = !q->upload,
                          .asked_yes = q->upload,
                          .attempts = q->attempts};
        if (!s->o.quiet) {
            char pb[4096];
            fprintf(s->o.out, "%s: retrying from the queue (attempt %u)\n",
                    sub_printable(q->obj.path, pb, sizeof pb), q->attempts + 1);
        }
        submit_result r = submit_one(s, &q->obj, &how);
        if (r == SUBMIT_DONE)
            queue_remove(q);
        queue_item_free(q);
    }
    free(items);
}

int submit_fd(submit_ctx *s, int fd, const char *path)
{
    collect c = {0};
    vg_scanner_set_callback(s->scanner, collect_on_event, &c);
    vg_result r;
    vg_error err = vg_scanner_scan_fd(s->scanner, fd, path, &r);
    if (err != VG_OK && c.n == 0) {
        fprintf(stderr, "%s: ERROR %s\n", path, vg_strerror(err));
        collect_cleanup(&c);
        return 2;
    }
    for (size_t i = 0; i < c.n; i++) {
        s->found++;
        if (!s->o.quiet && s->o.print_found) {
            char pb[4096];
            fprintf(s->o.out, "%s: %s FOUND\n", sub_printable(c.obj[i].path, pb, sizeof pb),
                    c.obj[i].signature);
        }
        submit_object(s, &c.obj[i]);
    }
    int found = c.n > 0;
    collect_cleanup(&c);
    return found;
}

unsigned long submit_found(const submit_ctx *s)
{
    return s->found;
}

unsigned long submit_errors(const submit_ctx *s)
{
    return s->errors;
}
