/* Event collection for one file.
 *
 * The verdict is ours, not only the library's: --alert-exceeds-max turns a
 * limit into a detection (as clamscan's option does), so a file whose scan
 * stopped at max_files is "infected" with Heuristics.Limits.Exceeded.MaxFiles
 * and the exit code is 1. Otherwise the library's verdict stands, raised to
 * at least what the events we saw imply. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void free_event(report_event *e)
{
    if (e->chain != NULL)
        for (unsigned i = 0; i <= e->depth; i++)
            free(e->chain[i]);
    free(e->chain);
    free(e->signature);
    free(e->message);
}

void report_init(file_report *r, bool alert_exceeds_max)
{
    memset(r, 0, sizeof *r);
    r->alert_exceeds_max = alert_exceeds_max;
}

void report_begin(file_report *r, const char *path, uint64_t size, bool size_known)
{
    for (size_t i = 0; i < r->n; i++)
        free_event(&r->ev[i]);
    r->path = path;
    r->size = size;
    r->size_known = size_known;
    r->n = r->dropped = 0;
    r->n_detections = r->n_limits = r->n_errors = 0;
    r->oom = 0;
    r->top_error = VG_OK;
    r->top_message = NULL;
    memset(&r->result, 0, sizeof r->result);
    memset(&r->action, 0, sizeof r->action);
    r->verdict = FILE_CLEAN;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static report_event *push(file_report *r)
{
    if (r->n >= REPORT_MAX_EVENTS) {
        r->dropped++;
        return NULL;
    }
    if (r->n == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 8;
        report_event *grown = realloc(r->ev, ncap * sizeof *grown);
        if (grown == NULL) {
            r->oom = 1;
            r->dropped++;
            return NULL;
        }
        r->ev = grown;
        r->cap = ncap;
    }
    report_event *e = &r->ev[r->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static int copy_event(const vg_event *src, report_event *e)
{
    e->kind = src->kind;
    e->depth = src->depth;
    e->chain = calloc((size_t)src->depth + 1, sizeof *e->chain);
    if (e->chain == NULL)
        return -1;
    for (unsigned i = 0; i <= src->depth; i++) {
        const char *c = src->chain != NULL && src->chain[i] != NULL ? src->chain[i] : "";
        if ((e->chain[i] = strdup(c)) == NULL)
            return -1;
    }
    e->sig_kind = src->sig_kind;
    e->offset = src->offset;
    e->limit = src->limit;
    e->error = src->error;
    e->message = dup_or_null(src->message ? src->message : "");
    if (e->message == NULL)
        return -1;
    if (src->kind == VG_EVENT_DETECTION) {
        e->signature = dup_or_null(src->signature ? src->signature : "Unknown");
        if (e->signature == NULL)
            return -1;
    }
    return 0;
}

static void record(file_report *r, const vg_event *src, bool as_heuristic)
{
    report_event *e = push(r);
    if (e == NULL)
        return;
    if (copy_event(src, e) != 0) {
        free_event(e);
        r->n--;
        r->oom = 1;
        r->dropped++;
        return;
    }
    if (as_heuristic) {
        char name[64];
        snprintf(name, sizeof name, "Heuristics.Limits.Exceeded.%s",
                 report_limit_heuristic(src->limit));
        e->kind = VG_EVENT_DETECTION;
        e->heuristic = true;
        e->sig_kind = VG_SIG_NONE;
        e->offset = 0;
        if ((e->signature = strdup(name)) == NULL) {
            free_event(e);
            r->n--;
            r->oom = 1;
            r->dropped++;
        }
    }
}

int report_on_event(const vg_event *e, void *userdata)
{
    file_report *r = userdata;
    switch (e->kind) {
    case VG_EVENT_DETECTION:
        r->n_detections++;
        record(r, e, false);
        break;
    case VG_EVENT_LIMIT:
        r->n_limits++;
        record(r, e, false);
        if (r->alert_exceeds_max) {
            r->n_detections++;
            record(r, e, true);
        }
        break;
    case VG_EVENT_ERROR:
        r->n_errors++;
        record(r, e, false);
        break;
    case VG_EVENT_MARKING: /* `scan` does not ask for markings */
        break;
    }
    return 0;
}

void report_end(file_report *r, vg_error err, const vg_result *res)
{
    if (err != VG_OK) {
        report_set_error(r, err, NULL);
        return;
    }
    if (res != NULL)
        r->result = *res;
    if (!r->size_known) {
        r->size = r->result.bytes_read;
        r->size_known = true;
    }
    if (r->n_detections > 0 || r->result.verdict == VG_VERDICT_INFECTED)
        r->verdict = FILE_INFECTED;
    else if (r->n_limits > 0 || r->n_errors > 0 || r->result.verdict == VG_VERDICT_INCOMPLETE)
        r->verdict = FILE_INCOMPLETE;
    else
        r->verdict = FILE_CLEAN;
}

void report_set_error(file_report *r, vg_error code, const char *message)
{
    r->top_error = code;
    r->top_message = message != NULL ? message : vg_strerror(code);
    r->verdict = FILE_ERROR;
}

void report_cleanup(file_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        free_event(&r->ev[i]);
    free(r->ev);
    memset(r, 0, sizeof *r);
}

const char *report_limit_heuristic(vg_limit_kind kind)
{
    switch (kind) {
    case VG_LIMIT_DEPTH:
        return "MaxRecursion";
    case VG_LIMIT_FILESIZE:
        return "MaxFileSize";
    case VG_LIMIT_SCANSIZE:
        return "MaxScanSize";
    case VG_LIMIT_FILES:
        return "MaxFiles";
    case VG_LIMIT_RATIO:
        return "MaxRatio";
    case VG_LIMIT_TIME:
        return "MaxScanTime";
    case VG_LIMIT_MATCHWORK:
        return "MaxMatchWork";
    case VG_LIMIT_NONE:
        break;
    }
    return "Unknown";
}

const char *report_error_token(vg_error code)
{
    switch (code) {
    case VG_OK:
        return "ok";
    case VG_ERR_NOMEM:
        return "nomem";
    case VG_ERR_INVALID_ARG:
        return "invalid-arg";
    case VG_ERR_IO:
        return "io";
    case VG_ERR_MALFORMED:
        return "malformed";
    case VG_ERR_TRUNCATED:
        return "truncated";
    case VG_ERR_LIMIT:
        return "limit";
    case VG_ERR_TIMEOUT:
        return "timeout";
    case VG_ERR_ABORTED:
        return "aborted";
    case VG_ERR_UNSUPPORTED:
        return "unsupported";
    case VG_ERR_MATCHER:
        return "matcher";
    case VG_ERR_NOT_FOUND:
        return "not-found";
    case VG_ERR_EXISTS:
        return "exists";
    case VG_ERR_CHANGED:
        return "changed";
    case VG_ERR_NOSPACE:
        return "no-space";
    case VG_ERR_CRYPTO:
        return "crypto";
    }
    return "unknown";
}

const char *report_verdict_name(file_verdict v)
{
    switch (v) {
    case FILE_CLEAN:
        return "clean";
    case FILE_INFECTED:
        return "infected";
    case FILE_INCOMPLETE:
        return "incomplete";
    case FILE_ERROR:
        return "error";
    }
    return "error";
}
