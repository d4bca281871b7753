/* Human-readable output, compatible with clamscan's line format:
 *
 *     /srv/a.exe: Eicar-Test-Signature FOUND
 *     /srv/b.txt: OK
 *     /srv/c.zip: limit:files INCOMPLETE
 *     /srv/d.bin: ERROR Permission denied            (stderr)
 *
 * Scripts grep for " FOUND$", so that line never changes shape: details
 * (which member of an archive matched, why a scan was incomplete) are
 * extra lines under -v that never end in FOUND:
 *
 *     /srv/x.zip: Eicar-Test-Signature FOUND
 *     /srv/x.zip: Eicar-Test-Signature found in docs/b.zip//eicar.com
 *
 * A file name may contain any byte but '/' and NUL; a name holding "\n"
 * could forge a second result line, and one holding ESC could drive the
 * terminal. Control bytes are therefore printed as \xNN (--json gives the
 * exact bytes). */
#include "output.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/limits.h>

struct output {
    output_opts o;
    pthread_mutex_t lock;
    bool progress_shown;
    char progress_text[160];
};

output *output_new(const output_opts *opts)
{
    output *out = calloc(1, sizeof *out);
    if (out == NULL)
        return NULL;
    out->o = *opts;
    pthread_mutex_init(&out->lock, NULL);
    return out;
}

void output_free(output *out)
{
    if (out == NULL)
        return;
    pthread_mutex_destroy(&out->lock);
    free(out);
}

/* Caller holds the lock. */
static void wipe_progress(output *out)
{
    if (out->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        out->progress_shown = false;
    }
}

static void emit(output *out, FILE *to, const char *text, size_t len)
{
    if (len == 0)
        return;
    pthread_mutex_lock(&out->lock);
    wipe_progress(out);
    fwrite(text, 1, len, to);
    if (out->o.progress || to == stderr)
        fflush(to); /* keep stdout ordered against the status line */
    pthread_mutex_unlock(&out->lock);
}

static void put_escaped(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
}

static void put_chain(FILE *f, const report_event *e)
{
    for (unsigned i = 1; i <= e->depth; i++) {
        if (i > 1)
            fputs("//", f);
        put_escaped(f, e->chain[i]);
    }
}

static void put_reason(FILE *f, const report_event *e)
{
    if (e->kind == VG_EVENT_LIMIT)
        fprintf(f, "limit:%s", vg_limit_name(e->limit));
    else
        fprintf(f, "error:%s", report_error_token(e->error));
}

/* "limit:files,error:truncated": each distinct reason once, in order. */
static void put_reasons(FILE *f, const file_report *r)
{
    int printed = 0;
    for (size_t i = 0; i < r->n; i++) {
        const report_event *e = &r->ev[i];
        if (e->kind == VG_EVENT_DETECTION)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            const report_event *p = &r->ev[j];
            seen = p->kind == e->kind &&
                   (e->kind == VG_EVENT_LIMIT ? p->limit == e->limit : p->error == e->error);
        }
        if (seen)
            continue;
        if (printed++)
            fputc(',', f);
        put_reason(f, e);
    }
    if (!printed)
        fputs(r->dropped ? "error:nomem" : "incomplete", f);
}

/* -v details: where each detection sat, why each part went unscanned. */
static void put_details(FILE *f, const file_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const report_event *e = &r->ev[i];
        if (e->kind == VG_EVENT_DETECTION) {
            if (e->depth == 0)
                continue;
            put_escaped(f, r->path);
            fputs(": ", f);
            put_escaped(f, e->signature);
            fputs(" found in ", f);
            put_chain(f, e);
        } else {
            put_escaped(f, r->path);
            fputs(": ", f);
            put_reason(f, e);
            if (e->depth > 0) {
                fputs(" in ", f);
                put_chain(f, e);
            }
            fputs(": ", f);
            put_escaped(f, e->message);
        }
        fputc('\n', f);
    }
    if (r->dropped) {
        put_escaped(f, r->path);
        fprintf(f, ": %zu more events not shown\n", r->dropped);
    }
}

static void put_found(FILE *f, const file_report *r, bool allmatch)
{
    bool any = false;
    for (size_t i = 0; i < r->n; i++) {
        const report_event *e = &r->ev[i];
        if (e->kind != VG_EVENT_DETECTION)
            continue;
        put_escaped(f, r->path);
        fputs(": ", f);
        put_escaped(f, e->signature);
        fputs(" FOUND\n", f);
        any = true;
        if (!allmatch)
            break;
    }
    if (!any) { /* the library saw one we could not keep (out of memory) */
        put_escaped(f, r->path);
        fputs(": Unknown FOUND\n", f);
    }
}

/* After the FOUND lines: what --action did, in clamscan's words where it
 * has some ("Removed."). Refusals and failures go to stderr. */
static void put_action(FILE *f, const file_report *r)
{
    const action_result *a = &r->action;
    if (a->kind == FILE_ACTION_NONE || a->status != ACTION_DONE)
        return;
    put_escaped(f, r->path);
    if (a->kind == FILE_ACTION_DELETE)
        fputs(": Removed.", f);
    else
        fprintf(f, ": quarantined as %s", a->id);
    if (a->whole_container) {
        fputs(" (whole container: match in ", f);
        put_escaped(f, a->member);
        fputc(')', f);
    }
    fputc('\n', f);
}

static void emit_action_error(output *out, const file_report *r)
{
    const action_result *a = &r->action;
    if (a->kind == FILE_ACTION_NONE || a->status == ACTION_DONE || out->o.json)
        return;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return;
    put_escaped(f, r->path);
    fputs(a->kind == FILE_ACTION_DELETE ? ": not removed: " : ": not quarantined: ", f);
    put_escaped(f, a->message);
    if (a->id[0] != '\0')
        fprintf(f, " (vault entry %s)", a->id);
    fputc('\n', f);
    fclose(f);
    emit(out, stderr, buf, len);
    free(buf);
}

static void output_human(output *out, const file_report *r)
{
    const output_opts *o = &out->o;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return;
    FILE *to = stdout;
    switch (r->verdict) {
    case FILE_ERROR:
        to = stderr;
        put_escaped(f, r->path);
        fputs(": ERROR ", f);
        put_escaped(f, r->top_message ? r->top_message : "error");
        fputc('\n', f);
        break;
    case FILE_INFECTED:
        if (o->quiet)
            break;
        put_found(f, r, o->allmatch);
        if (o->verbose)
            put_details(f, r);
        put_action(f, r);
        break;
    case FILE_INCOMPLETE:
        if (o->quiet || o->infected_only)
            break;
        put_escaped(f, r->path);
        fputs(": ", f);
        put_reasons(f, r);
        fputs(" INCOMPLETE\n", f);
        if (o->verbose)
            put_details(f, r);
        break;
    case FILE_CLEAN:
        if (o->quiet || o->infected_only || o->suppress_ok)
            break;
        put_escaped(f, r->path);
        fputs(": OK\n", f);
        if (o->verbose && r->dropped)
            put_details(f, r);
        break;
    }
    fclose(f);
    emit(out, to, buf, len);
    free(buf);
    emit_action_error(out, r);
}

void output_file(output *out, const file_report *r)
{
    if (!out->o.json) {
        output_human(out, r);
        return;
    }
    /* -i, -o and --quiet filter JSON records as they filter lines; error
     * records, which stand for the stderr lines of text mode, always stay. */
    const output_opts *o = &out->o;
    bool keep =
        r->verdict == FILE_ERROR ||
        (!o->quiet && (r->verdict == FILE_INFECTED ||
                       (!o->infected_only && !(o->suppress_ok && r->verdict == FILE_CLEAN))));
    if (!keep)
        return;
    char *line = output_json_file(r);
    if (line == NULL) {
        output_note(out, "out of memory printing the result of %s", r->path);
        return;
    }
    emit(out, stdout, line, strlen(line));
    free(line);
}

static void emit_path_line(output *out, FILE *to, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void emit_path_line(output *out, FILE *to, const char *path, const char *fmt, ...)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return;
    put_escaped(f, path);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    emit(out, to, buf, len);
    free(buf);
}

void output_excluded(output *out, const char *path)
{
    const output_opts *o = &out->o;
    if (o->json || o->quiet || o->infected_only || o->suppress_ok)
        return;
    emit_path_line(out, stdout, path, ": Excluded\n");
}

void output_skipped(output *out, const char *path, const char *what, bool loud)
{
    if (out->o.quiet || !(out->o.verbose || loud))
        return;
    emit_path_line(out, stderr, path, ": skipped (%s)\n", what);
}

void output_note(output *out, const char *fmt, ...)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return;
    fputs("vigil: ", f);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
    emit(out, stderr, buf, len);
    free(buf);
}

void output_progress(output *out, const char *text)
{
    if (!out->o.progress)
        return;
    pthread_mutex_lock(&out->lock);
    /* Unchanged and still on screen: spare a slow terminal the redraw. */
    if (!out->progress_shown || strcmp(text, out->progress_text) != 0) {
        fprintf(stderr, "\r\033[K%s", text);
        fflush(stderr);
        snprintf(out->progress_text, sizeof out->progress_text, "%s", text);
        out->progress_shown = true;
    }
    pthread_mutex_unlock(&out->lock);
}

void output_progress_clear(output *out)
{
    pthread_mutex_lock(&out->lock);
    wipe_progress(out);
    pthread_mutex_unlock(&out->lock);
}

static double mib(uint64_t n)
{
    return (double)n / (1024.0 * 1024.0);
}

void output_summary(output *out, const scan_summary *s)
{
    if (out->o.quiet)
        return;
    if (out->o.json) {
        char *line = output_json_summary(s);
        if (line != NULL)
            emit(out, stdout, line, strlen(line));
        free(line);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return;
    char start[32], end[32];
    struct tm tm;
    strftime(start, sizeof start, "%Y:%m:%d %H:%M:%S", localtime_r(&s->start, &tm));
    strftime(end, sizeof end, "%Y:%m:%d %H:%M:%S", localtime_r(&s->end, &tm));
    char action_line[128] = "";
    if (s->action != NULL)
        snprintf(action_line, sizeof action_line, "Action: %s: %llu done, %llu not done\n",
                 s->action, (unsigned long long)s->acted, (unsigned long long)s->action_failed);
    double ratio = s->bytes_read ? (double)s->bytes_scanned / (double)s->bytes_read : 0.0;
    unsigned long secs = (unsigned long)s->seconds;
    fprintf(f,
            "\n----------- SCAN SUMMARY -----------\n"
            "Known viruses: %llu\n"
            "Engine version: %s\n"
            "Scanned directories: %llu\n"
            "Scanned files: %llu\n"
            "Infected files: %llu\n"
            "Incomplete files: %llu\n"
            "Total errors: %llu\n"
            "Skipped: %llu symlinks, %llu special files, %llu loops or other file systems\n"
            "Data scanned: %.2f MB\n"
            "Data read: %.2f MB (ratio %.2f:1)\n"
            "Time: %.3f sec (%lu m %lu s)\n"
            "%s"
            "Start Date: %s\n"
            "End Date:   %s\n",
            (unsigned long long)s->known_viruses, s->engine_version, (unsigned long long)s->dirs,
            (unsigned long long)s->files, (unsigned long long)s->infected,
            (unsigned long long)s->incomplete, (unsigned long long)s->errors,
            (unsigned long long)s->skipped_symlinks, (unsigned long long)s->skipped_special,
            (unsigned long long)s->skipped_other, mib(s->bytes_scanned), mib(s->bytes_read), ratio,
            s->seconds, secs / 60, secs % 60, action_line, start, end);
    fclose(f);
    emit(out, stdout, buf, len);
    free(buf);
}
