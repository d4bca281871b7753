/* Intake decision (see intake.h).
 *
 * The marking check is an ordinary scan with VG_SCAN_MARKINGS by an engine
 * that holds no signatures: the engine opens containers (zip, mail, PDF,
 * OOXML, ...) and runs the detector on every object it reaches. The first
 * VG_EVENT_MARKING decides and stops the scan. Limit and error events do
 * not stop it - a marking found later still wins - but they make the check
 * incomplete, and an incomplete check refuses the sample: a zip bomb, an
 * encrypted member or a part no parser can read may hide exactly what the
 * check exists to find.
 *
 * Names never leave the scan: the scanner is given "sample" as the top-level
 * name, and member names in events are ignored; only rule names, limit
 * names, depths and offsets are kept. */
#include "intake.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define POOL_MAX 64

struct vs_marker {
    vg_engine *engine;
    pthread_mutex_t lock;
    vg_scanner *idle[POOL_MAX];
    unsigned n_idle;
};

vg_error vs_marker_new(uint64_t max_sample, vs_marker **out, char *err, size_t errlen)
{
    *out = NULL;
    vs_marker *m = calloc(1, sizeof *m);
    if (m == NULL)
        return VG_ERR_NOMEM;
    pthread_mutex_init(&m->lock, NULL);
    /* A sample as large as --max-sample must be checked whole, or it would
     * be refused as unscannable for its size alone. */
    vg_limits lim = vg_limits_default();
    if (lim.max_file_size < max_sample)
        lim.max_file_size = max_sample;
    if (lim.max_scan_size < 4 * max_sample)
        lim.max_scan_size = 4 * max_sample;
    vg_diag d;
    vg_diag_clear(&d);
    vg_error e = vg_engine_new(&lim, &m->engine);
    if (e == VG_OK)
        e = vg_engine_compile(m->engine, NULL, &d);
    if (e != VG_OK) {
        char msg[512] = "";
        if (d.message[0])
            vg_diag_format(&d, msg, sizeof msg);
        snprintf(err, errlen, "marking engine: %s%s%s", vg_strerror(e), msg[0] ? ": " : "", msg);
        vs_marker_free(m);
        return e;
    }
    *out = m;
    return VG_OK;
}

void vs_marker_free(vs_marker *m)
{
    if (m == NULL)
        return;
    for (unsigned i = 0; i < m->n_idle; i++)
        vg_scanner_free(m->idle[i]);
    vg_engine_unref(m->engine);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static vg_error acquire(vs_marker *m, vg_scanner **out)
{
    pthread_mutex_lock(&m->lock);
    vg_scanner *s = m->n_idle ? m->idle[--m->n_idle] : NULL;
    pthread_mutex_unlock(&m->lock);
    if (s != NULL) {
        *out = s;
        return VG_OK;
    }
    vg_error e = vg_scanner_new(m->engine, &s);
    if (e != VG_OK)
        return e;
    vg_scanner_set_flags(s, VG_SCAN_MARKINGS);
    *out = s;
    return VG_OK;
}

static void release(vs_marker *m, vg_scanner *s)
{
    pthread_mutex_lock(&m->lock);
    if (m->n_idle < POOL_MAX) {
        m->idle[m->n_idle++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&m->lock);
    vg_scanner_free(s);
}

typedef struct check_state {
    vs_mark_result *out;
    int marked;
    char incomplete[64]; /* first limit or error, as "limit:x" / "error:x" */
} check_state;

static int on_event(const vg_event *ev, void *ud)
{
    check_state *cs = ud;
    switch (ev->kind) {
    case VG_EVENT_MARKING: {
        const vg_mark_verdict *v = ev->marking;
        vs_mark_result *o = cs->out;
        cs->marked = 1;
        snprintf(o->rule, sizeof o->rule, "%s",
                 v && v->rule ? v->rule : (ev->signature ? ev->signature : "marking"));
        o->depth = ev->depth;
        o->n_evidence = 0;
        if (v != NULL)
            for (unsigned i = 0; i < v->n && i < VG_MARK_MAX_EVIDENCE; i++)
                o->evidence[o->n_evidence++] = v->ev[i].offset;
        if (o->n_evidence == 0)
            o->evidence[o->n_evidence++] = ev->offset;
        return 1; /* decided: stop the scan */
    }
    case VG_EVENT_LIMIT:
        if (cs->incomplete[0] == '\0')
            snprintf(cs->incomplete, sizeof cs->incomplete, "limit:%s", vg_limit_name(ev->limit));
        return 0;
    case VG_EVENT_ERROR:
        /* A malformed or truncated part was still read as far as it goes
         * (and its raw bytes judged by every view); a part whose content
         * could not be seen at all (encrypted, unsupported method, no
         * memory, I/O) leaves the check incomplete. Malware is often
         * malformed: refusing every parse error would lose real samples. */
        if (ev->error == VG_ERR_MALFORMED || ev->error == VG_ERR_TRUNCATED)
            return 0;
        if (cs->incomplete[0] == '\0')
            snprintf(cs->incomplete, sizeof cs->incomplete, "error:%s",
                     ev->format ? ev->format : vg_strerror(ev->error));
        return 0;
    default:
        return 0;
    }
}

vg_error vs_marker_check(vs_marker *m, const uint8_t *buf, size_t len, vs_mark_result *out)
{
    memset(out, 0, sizeof *out);
    vg_scanner *s;
    vg_error e = acquire(m, &s);
    if (e != VG_OK) {
        out->status = VS_MARK_FAILED;
        out->err = e;
        return e;
    }
    check_state cs = {.out = out};
    vg_scanner_set_callback(s, on_event, &cs);
    vg_result res;
    e = vg_scanner_scan_mem(s, len ? buf : (const uint8_t *)"", len, "sample", &res);
    vg_scanner_set_callback(s, NULL, NULL);
    release(m, s);
    if (cs.marked) {
        out->status = VS_MARK_CLASSIFIED;
        return VG_OK;
    }
    if (e != VG_OK) {
        out->status = VS_MARK_FAILED;
        out->err = e;
        return e;
    }
    if (cs.incomplete[0] || res.limits > 0) {
        out->status = VS_MARK_UNSCANNABLE;
        snprintf(out->rule, sizeof out->rule, "%s",
                 cs.incomplete[0] ? cs.incomplete : "limit:unknown");
        return VG_OK;
    }
    out->status = VS_MARK_CLEAN;
    return VG_OK;
}

/* ---- metadata ---- */

static int printable(const char *s, size_t max, int allow_empty)
{
    size_t n = strlen(s);
    if (n > max || (n == 0 && !allow_empty))
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

static int bad(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -1;
}

int vs_intake_parse_meta(const char *sha256, const char *size, const char *detection,
                         const char *bundle, const char *client, const char *consent,
                         vs_sample *meta, int64_t *claimed_size, char *err, size_t errlen)
{
    memset(meta, 0, sizeof *meta);
    *claimed_size = -1;
    if (sha256 == NULL)
        return bad(err, errlen, "X-Vigil-SHA256 is required");
    for (int i = 0; i < 64; i++) {
        if (!isxdigit((unsigned char)sha256[i]))
            return bad(err, errlen, "X-Vigil-SHA256 must be 64 hex digits");
        meta->sha256[i] = (char)tolower((unsigned char)sha256[i]);
    }
    if (sha256[64] != '\0')
        return bad(err, errlen, "X-Vigil-SHA256 must be 64 hex digits");
    if (size != NULL) {
        char *end;
        errno = 0;
        if (*size < '0' || *size > '9')
            return bad(err, errlen, "X-Vigil-Size must be a decimal byte count");
        unsigned long long v = strtoull(size, &end, 10);
        if (errno != 0 || *end != '\0' || v > INT64_MAX)
            return bad(err, errlen, "X-Vigil-Size must be a decimal byte count");
        *claimed_size = (int64_t)v;
    }
    if (detection == NULL)
        return bad(err, errlen, "X-Vigil-Detection is required");
    if (!printable(detection, sizeof meta->detection - 1, 0))
        return bad(err, errlen, "X-Vigil-Detection: 1..127 printable ASCII characters");
    snprintf(meta->detection, sizeof meta->detection, "%s", detection);
    if (bundle != NULL && !printable(bundle, sizeof meta->bundle - 1, 1))
        return bad(err, errlen, "X-Vigil-Bundle: at most 63 printable ASCII characters");
    snprintf(meta->bundle, sizeof meta->bundle, "%s", bundle ? bundle : "");
    if (client != NULL && !printable(client, sizeof meta->client - 1, 1))
        return bad(err, errlen, "X-Vigil-Client: at most 63 printable ASCII characters");
    snprintf(meta->client, sizeof meta->client, "%s", client ? client : "");
    if (consent == NULL)
        consent = "safe";
    if (strcmp(consent, "hashes") != 0 && strcmp(consent, "safe") != 0 &&
        strcmp(consent, "ask") != 0)
        return bad(err, errlen, "X-Vigil-Consent must be hashes, safe or ask");
    snprintf(meta->consent, sizeof meta->consent, "%s", consent);
    return 0;
}

/* ---- the decision ---- */

void vs_sha256_hex(const uint8_t *buf, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

json_t *vs_intake_tombstone(const vs_mark_result *mr, const char *sha256, uint64_t size,
                            const char *actor)
{
    json_t *ev = json_array();
    for (unsigned i = 0; i < mr->n_evidence; i++)
        json_array_append_new(ev, json_integer((json_int_t)mr->evidence[i]));
    return json_pack("{s:s,s:s,s:s,s:I,s:s,s:o}", "kind",
                     mr->status == VS_MARK_CLASSIFIED ? "tombstone" : "refused", "actor",
                     actor && *actor ? actor : "-", "sha256", sha256, "size", (json_int_t)size,
                     "rule", mr->rule, "evidence", ev);
}

/* A refused sample may already be stored (accepted before the detector
 * learnt to see it): destroy that copy too. */
static int purge_stored(vs_store *st, const vs_mark_result *mr, const char *sha256,
                        const char *actor)
{
    vs_sample old;
    if (vs_store_get_sample(st, sha256, &old) != VG_OK)
        return 0;
    json_t *detail = vs_intake_tombstone(mr, sha256, old.size, actor);
    json_object_del(detail, "kind");
    json_object_del(detail, "sha256");
    json_object_del(detail, "size");
    json_object_del(detail, "actor");
    vg_error e = vs_store_delete_sample(st, sha256, "purge", actor, detail);
    json_decref(detail);
    return e == VG_OK;
}

static void refuse(vs_store *st, const vs_sample *meta, vs_intake_result *out)
{
    out->outcome =
        out->mark.status == VS_MARK_CLASSIFIED ? VS_INTAKE_CLASSIFIED : VS_INTAKE_UNSCANNABLE;
    json_t *t = vs_intake_tombstone(&out->mark, out->sha256, out->size, meta->submitter);
    vg_error e = t ? vs_store_audit_append(st, t, NULL) : VG_ERR_NOMEM;
    json_decref(t);
    json_t *f = json_pack("{s:s,s:s,s:s,s:I,s:i}", "kind",
                          out->outcome == VS_INTAKE_CLASSIFIED ? "classified" : "unscannable",
                          "sha256", out->sha256, "rule", out->mark.rule, "size",
                          (json_int_t)out->size, "depth", (int)out->mark.depth);
    vs_log_event("warn", "refused", f);
    if (e != VG_OK)
        vs_log_event("error", "store-error",
                     json_pack("{s:s,s:s,s:s}", "op", "tombstone", "sha256", out->sha256, "error",
                               vg_strerror(e)));
    out->purged = purge_stored(st, &out->mark, out->sha256, meta->submitter);
    if (out->purged)
        vs_log_event("warn", "purged",
                     json_pack("{s:s,s:s}", "sha256", out->sha256, "rule", out->mark.rule));
}

void vs_intake_run(vs_store *st, vs_marker *m, const vs_sample *meta, int64_t claimed_size,
                   uint64_t max_sample, const uint8_t *body, size_t len, const char *sha_actual,
                   vs_intake_result *out)
{
    memset(out, 0, sizeof *out);
    out->size = len;
    if ((uint64_t)len > max_sample) {
        out->outcome = VS_INTAKE_TOO_LARGE;
        return;
    }
    if (len == 0 || (claimed_size >= 0 && (uint64_t)claimed_size != len)) {
        out->outcome = VS_INTAKE_BAD_SIZE;
        return;
    }
    if (sha_actual != NULL)
        snprintf(out->sha256, sizeof out->sha256, "%s", sha_actual);
    else
        vs_sha256_hex(body, len, out->sha256);
    if (strcmp(out->sha256, meta->sha256) != 0) {
        out->outcome = VS_INTAKE_HASH_MISMATCH;
        return;
    }
    vg_error e = vs_marker_check(m, body, len, &out->mark);
    if (out->mark.status == VS_MARK_CLASSIFIED || out->mark.status == VS_MARK_UNSCANNABLE) {
        refuse(st, meta, out);
        return;
    }
    if (e != VG_OK || out->mark.status != VS_MARK_CLEAN) {
        out->outcome = VS_INTAKE_FAILED;
        out->err = e != VG_OK ? e : VG_ERR_IO;
        return;
    }
    vs_sample s = *meta;
    s.size = len;
    if (s.received == 0)
        s.received = (int64_t)time(NULL);
    int existed = 0;
    e = vs_store_put_sample(st, &s, body, len, &existed);
    if (e != VG_OK) {
        out->outcome = VS_INTAKE_FAILED;
        out->err = e;
        vs_log_event("error", "store-error",
                     json_pack("{s:s,s:s,s:s}", "op", "put-sample", "sha256", out->sha256, "error",
                               vg_strerror(e)));
        return;
    }
    out->outcome = existed ? VS_INTAKE_DUPLICATE : VS_INTAKE_STORED;
}
