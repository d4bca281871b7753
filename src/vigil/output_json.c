/* JSON lines (--json), built with jansson:
 *
 *     {"path":"/srv/x.zip","verdict":"infected","size":412,
 *      "detections":[{"chain":["/srv/x.zip","eicar.com"],
 *                     "signature":"Eicar-Test-Signature","kind":"body","offset":0}],
 *      "limits":[],"errors":[]}
 *     {"summary":{"known_viruses":1,...}}
 *
 * JSON strings must be UTF-8 but file names are bytes. A name that is not
 * valid UTF-8 is written with U+FFFD for each bad byte, and the top-level
 * path also gets "path_hex": the exact bytes, so a consumer can still act
 * on the right file. */
#include "output.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/limits.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n;
    unsigned min;
    unsigned cp;
    if ((p[0] & 0xe0) == 0xc0) {
        n = 2, min = 0x80, cp = p[0] & 0x1f;
    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3, min = 0x800, cp = p[0] & 0x0f;
    } else if ((p[0] & 0xf8) == 0xf0) {
        n = 4, min = 0x10000, cp = p[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static bool is_utf8(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_seq(p);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

static json_t *str_lossy(const char *s)
{
    if (s == NULL)
        return json_null();
    if (is_utf8(s))
        return json_string(s);
    size_t len = strlen(s);
    char *fixed = malloc(len * 3 + 1); /* U+FFFD is 3 bytes */
    if (fixed == NULL)
        return NULL;
    char *w = fixed;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_seq(p);
        if (n == 0) {
            memcpy(w, "\xef\xbf\xbd", 3);
            w += 3;
            p++;
        } else {
            memcpy(w, p, n);
            w += n;
            p += n;
        }
    }
    *w = '\0';
    json_t *j = json_string(fixed);
    free(fixed);
    return j;
}

static json_t *hex_of(const char *s)
{
    static const char digits[] = "0123456789abcdef";
    size_t len = strlen(s);
    char *h = malloc(len * 2 + 1);
    if (h == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        h[2 * i] = digits[(unsigned char)s[i] >> 4];
        h[2 * i + 1] = digits[(unsigned char)s[i] & 15];
    }
    h[2 * len] = '\0';
    json_t *j = json_string(h);
    free(h);
    return j;
}

static json_t *chain_of(const report_event *e)
{
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (unsigned i = 0; i <= e->depth; i++)
        if (json_array_append_new(a, str_lossy(e->chain[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static const char *kind_name(const report_event *e)
{
    if (e->heuristic)
        return "heuristic";
    switch (e->sig_kind) {
    case VG_SIG_MD5:
        return "md5";
    case VG_SIG_SHA1:
        return "sha1";
    case VG_SIG_SHA256:
        return "sha256";
    case VG_SIG_BODY:
        return "body";
    case VG_SIG_NONE:
        break;
    }
    return "unknown";
}

static json_t *event_json(const report_event *e)
{
    switch (e->kind) {
    case VG_EVENT_DETECTION:
        return json_pack("{s:o, s:o, s:s, s:I}", "chain", chain_of(e), "signature",
                         str_lossy(e->signature), "kind", kind_name(e), "offset",
                         (json_int_t)e->offset);
    case VG_EVENT_LIMIT:
        return json_pack("{s:o, s:s, s:o}", "chain", chain_of(e), "limit", vg_limit_name(e->limit),
                         "message", str_lossy(e->message));
    case VG_EVENT_ERROR:
        return json_pack("{s:o, s:s, s:o}", "chain", chain_of(e), "error",
                         report_error_token(e->error), "message", str_lossy(e->message));
    case VG_EVENT_MARKING: /* `scan` does not ask for markings */
        break;
    }
    return NULL;
}

/* {"kind":"quarantine","status":"done","id":"...","whole_container":false}, with
 * "error" and "message" when it was refused or failed. */
static json_t *action_json(const action_result *a)
{
    static const char *const status[] = {"done", "refused", "failed"};
    json_t *o = json_pack("{s:s, s:s, s:b}", "kind",
                          a->kind == FILE_ACTION_DELETE ? "delete" : "quarantine", "status",
                          status[a->status], "whole_container", a->whole_container);
    if (o == NULL)
        return NULL;
    if (a->id[0] != '\0')
        json_object_set_new(o, "id", json_string(a->id));
    if (a->whole_container)
        json_object_set_new(o, "member", str_lossy(a->member));
    if (a->status != ACTION_DONE) {
        json_object_set_new(o, "error", json_string(a->error ? a->error : "unknown"));
        json_object_set_new(o, "message", str_lossy(a->message));
    }
    return o;
}

static char *dump_line(json_t *root)
{
    if (root == NULL)
        return NULL;
    char *body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (body == NULL)
        return NULL;
    size_t len = strlen(body);
    char *line = realloc(body, len + 2);
    if (line == NULL) {
        free(body);
        return NULL;
    }
    line[len] = '\n';
    line[len + 1] = '\0';
    return line;
}

/* json_object_set_new() and json_pack("o") take their argument's reference
 * even when they fail, so building needs no cleanup but the root's. */
char *output_json_file(const file_report *r)
{
    json_t *root = json_pack("{s:o, s:s}", "path", str_lossy(r->path), "verdict",
                             report_verdict_name(r->verdict));
    if (root == NULL)
        return NULL;
    json_t *det, *lim, *err;
    if ((!is_utf8(r->path) && json_object_set_new(root, "path_hex", hex_of(r->path)) != 0) ||
        json_object_set_new(root, "detections", det = json_array()) != 0 ||
        json_object_set_new(root, "limits", lim = json_array()) != 0 ||
        json_object_set_new(root, "errors", err = json_array()) != 0)
        goto fail;
    for (size_t i = 0; i < r->n; i++) {
        const report_event *e = &r->ev[i];
        json_t *to = e->kind == VG_EVENT_DETECTION ? det : e->kind == VG_EVENT_LIMIT ? lim : err;
        if (json_array_append_new(to, event_json(e)) != 0)
            goto fail;
    }
    if (r->verdict == FILE_ERROR) {
        json_t *e = json_pack("{s:[o], s:s, s:o}", "chain", str_lossy(r->path), "error",
                              report_error_token(r->top_error), "message",
                              str_lossy(r->top_message ? r->top_message : "error"));
        if (json_array_append_new(err, e) != 0)
            goto fail;
    }
    json_t *size = r->size_known ? json_integer((json_int_t)r->size) : json_null();
    if (json_object_set_new(root, "size", size) != 0)
        goto fail;
    if (r->dropped &&
        json_object_set_new(root, "dropped_events", json_integer((json_int_t)r->dropped)) != 0)
        goto fail;
    if (r->action.kind != FILE_ACTION_NONE &&
        json_object_set_new(root, "action", action_json(&r->action)) != 0)
        goto fail;
    return dump_line(root);
fail:
    json_decref(root);
    return NULL;
}

char *output_json_summary(const scan_summary *s)
{
    json_t *sum = json_pack(
        "{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "known_viruses",
        (json_int_t)s->known_viruses, "engine_version", s->engine_version, "scanned_directories",
        (json_int_t)s->dirs, "scanned_files", (json_int_t)s->files, "infected_files",
        (json_int_t)s->infected, "incomplete_files", (json_int_t)s->incomplete, "errors",
        (json_int_t)s->errors, "data_scanned_bytes", (json_int_t)s->bytes_scanned,
        "data_read_bytes", (json_int_t)s->bytes_read, "skipped_symlinks",
        (json_int_t)s->skipped_symlinks, "skipped_special", (json_int_t)s->skipped_special,
        "skipped_other", (json_int_t)s->skipped_other, "excluded", (json_int_t)s->excluded,
        "time_sec", s->seconds);
    if (sum == NULL)
        return NULL;
    if (s->action != NULL && json_object_set_new(sum, "action",
                                                 json_pack("{s:s, s:I, s:I}", "kind", s->action,
                                                           "done", (json_int_t)s->acted, "not_done",
                                                           (json_int_t)s->action_failed)) != 0) {
        json_decref(sum);
        return NULL;
    }
    return dump_line(json_pack("{s:o}", "summary", sum));
}
