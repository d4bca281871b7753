/* Result lines of `vigil markings` (see markings_out.h):
 *
 *     /srv/memo.txt: CLASSIFIED (us-banner: banner "TOP SECRET//SI//NOFORN" at offset 0)
 *     /srv/a.zip: CLASSIFIED (us-banner: in docs/plan.docx > word/document.xml: banner ...)
 *     /srv/notes.txt: not classified
 *     /srv/big.iso: not classified (incomplete: limit:filesize)
 *     /srv/locked: ERROR cannot open: Permission denied          (stderr)
 *
 * Only the first hit is on the line ("(+2 more)" counts the others); --json
 * lists them all with their evidence:
 *
 *     {"path":"/srv/a.zip","classified":true,
 *      "hits":[{"chain":["/srv/a.zip","docs/plan.docx","word/document.xml"],
 *               "rule":"us-banner","reason":"...",
 *               "evidence":[{"kind":"banner","offset":57,"length":22,"text":"..."}]}],
 *      "incomplete":[],"errors":[]}
 *
 * As in vigil scan's output, control bytes of names and texts are printed
 * as \xNN in text mode, and JSON strings that are not UTF-8 get U+FFFD for
 * each bad byte. */
#include "markings_out.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/limits.h>

#include "report.h"

void mark_file_init(mark_file *f)
{
    memset(f, 0, sizeof *f);
}

static void free_chain(char **chain, unsigned depth)
{
    if (chain == NULL)
        return;
    for (unsigned i = 0; i <= depth; i++)
        free(chain[i]);
    free(chain);
}

static void clear(mark_file *f)
{
    for (size_t i = 0; i < f->n_hits; i++) {
        free_chain(f->hits[i].chain, f->hits[i].depth);
        free(f->hits[i].rule);
        free(f->hits[i].reason);
    }
    for (size_t i = 0; i < f->n_probs; i++) {
        free_chain(f->probs[i].chain, f->probs[i].depth);
        free(f->probs[i].message);
    }
    f->n_hits = f->more_hits = f->n_probs = f->more_probs = 0;
    f->oom = f->failed = false;
    f->error[0] = '\0';
}

void mark_file_cleanup(mark_file *f)
{
    clear(f);
    free(f->hits);
    free(f->probs);
    memset(f, 0, sizeof *f);
}

void mark_file_begin(mark_file *f, const char *path)
{
    clear(f);
    f->path = path;
}

static char **copy_chain(const vg_event *e)
{
    char **c = calloc(e->depth + 1, sizeof *c);
    if (c == NULL)
        return NULL;
    for (unsigned i = 0; i <= e->depth; i++)
        if ((c[i] = strdup(e->chain[i] ? e->chain[i] : "?")) == NULL) {
            free_chain(c, e->depth);
            return NULL;
        }
    return c;
}

static void add_hit(mark_file *f, const vg_event *e)
{
    if (f->hits == NULL && (f->hits = calloc(MARK_MAX_HITS, sizeof *f->hits)) == NULL) {
        f->oom = true;
        return;
    }
    if (f->n_hits == MARK_MAX_HITS) {
        f->more_hits++;
        return;
    }
    mark_hit *h = &f->hits[f->n_hits];
    memset(h, 0, sizeof *h);
    h->depth = e->depth;
    h->chain = copy_chain(e);
    h->rule = strdup(e->signature ? e->signature : "marking");
    h->reason = strdup(e->message ? e->message : "");
    if (e->marking != NULL) {
        h->n_ev = e->marking->n < VG_MARK_MAX_EVIDENCE ? e->marking->n : VG_MARK_MAX_EVIDENCE;
        memcpy(h->ev, e->marking->ev, h->n_ev * sizeof h->ev[0]);
    }
    if (h->chain == NULL || h->rule == NULL || h->reason == NULL) {
        free_chain(h->chain, h->depth);
        free(h->rule);
        free(h->reason);
        f->oom = true;
        f->more_hits++; /* still counted: the file stays classified */
        return;
    }
    f->n_hits++;
}

static void add_problem(mark_file *f, const vg_event *e)
{
    if (f->probs == NULL && (f->probs = calloc(MARK_MAX_PROBLEMS, sizeof *f->probs)) == NULL) {
        f->oom = true;
        return;
    }
    if (f->n_probs == MARK_MAX_PROBLEMS) {
        f->more_probs++;
        return;
    }
    mark_problem *p = &f->probs[f->n_probs];
    memset(p, 0, sizeof *p);
    p->depth = e->depth;
    if (e->kind == VG_EVENT_LIMIT)
        snprintf(p->what, sizeof p->what, "limit:%s", vg_limit_name(e->limit));
    else
        snprintf(p->what, sizeof p->what, "error:%s", report_error_token(e->error));
    p->chain = copy_chain(e);
    p->message = strdup(e->message ? e->message : "");
    if (p->chain == NULL || p->message == NULL) {
        free_chain(p->chain, p->depth);
        free(p->message);
        f->oom = true;
        f->more_probs++;
        return;
    }
    f->n_probs++;
}

int mark_file_on_event(const vg_event *e, void *userdata)
{
    mark_file *f = userdata;
    switch (e->kind) {
    case VG_EVENT_MARKING:
        add_hit(f, e);
        break;
    case VG_EVENT_LIMIT:
    case VG_EVENT_ERROR:
        add_problem(f, e);
        break;
    case VG_EVENT_DETECTION:
        break; /* no signatures are loaded */
    }
    return 0;
}

void mark_file_fail(mark_file *f, const char *why)
{
    f->failed = true;
    snprintf(f->error, sizeof f->error, "%s", why);
}

void mark_file_end(mark_file *f, vg_error err)
{
    if (err != VG_OK)
        mark_file_fail(f, vg_strerror(err));
}

static bool classified(const mark_file *f)
{
    return f->n_hits + f->more_hits > 0;
}

/* ---- text ---- */

static void put_escaped(FILE *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(o, "\\x%02x", *p);
        else
            fputc(*p, o);
    }
}

static void put_members(FILE *o, char **chain, unsigned depth)
{
    for (unsigned i = 1; i <= depth; i++) {
        if (i > 1)
            fputs(" > ", o);
        put_escaped(o, chain[i]);
    }
}

/* "limit:filesize,error:malformed": each distinct reason once, in order. */
static void put_incomplete(FILE *o, const mark_file *f)
{
    int printed = 0;
    for (size_t i = 0; i < f->n_probs; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(f->probs[j].what, f->probs[i].what) == 0;
        if (seen)
            continue;
        fputs(printed++ ? "," : " (incomplete: ", o);
        fputs(f->probs[i].what, o);
    }
    if (printed == 0 && (f->more_probs > 0 || f->oom))
        fputs(" (incomplete: out of memory", o), printed = 1;
    if (printed)
        fputc(')', o);
}

static void text_line(FILE *o, const mark_file *f)
{
    put_escaped(o, f->path);
    if (f->failed) {
        fputs(": ERROR ", o);
        put_escaped(o, f->error);
    } else if (classified(f)) {
        fputs(": CLASSIFIED", o);
        if (f->n_hits > 0) {
            const mark_hit *h = &f->hits[0];
            fputs(" (", o);
            put_escaped(o, h->rule);
            fputs(": ", o);
            if (h->depth > 0) {
                fputs("in ", o);
                put_members(o, h->chain, h->depth);
                fputs(": ", o);
            }
            put_escaped(o, h->reason);
            fputc(')', o);
        }
        size_t more = f->n_hits + f->more_hits - (f->n_hits > 0 ? 1 : 0);
        if (more > 0)
            fprintf(o, " (+%zu more)", more);
    } else {
        fputs(": not classified", o);
        put_incomplete(o, f);
    }
    fputc('\n', o);
}

/* ---- JSON ---- */

/* s as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static json_t *str_lossy(const char *s)
{
    json_t *j = json_string(s);
    if (j != NULL)
        return j;
    size_t len = strlen(s);
    char *fixed = malloc(len * 3 + 1);
    if (fixed == NULL)
        return NULL;
    char *w = fixed;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        /* Keep a well-formed sequence whole; replace a bad byte. */
        size_t n = 0;
        if (p[0] < 0x80)
            n = 1;
        else if ((p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2)
            n = 2;
        else if ((p[0] & 0xf0) == 0xe0)
            n = 3;
        else if ((p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4)
            n = 4;
        for (size_t k = 1; k < n; k++)
            if ((p[k] & 0xc0) != 0x80)
                n = 0;
        if (n > 1) {
            char one[5] = {0};
            memcpy(one, p, n);
            json_t *t = json_string(one); /* overlongs and surrogates are refused here */
            if (t == NULL)
                n = 0;
            json_decref(t);
        }
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
    j = json_string(fixed);
    free(fixed);
    return j;
}

static json_t *chain_json(char **chain, unsigned depth)
{
    json_t *a = json_array();
    for (unsigned i = 0; a != NULL && i <= depth; i++)
        json_array_append_new(a, str_lossy(chain[i]));
    return a;
}

static json_t *hit_json(const mark_hit *h)
{
    json_t *ev = json_array();
    for (unsigned i = 0; ev != NULL && i < h->n_ev; i++)
        json_array_append_new(
            ev, json_pack("{s:s, s:I, s:I, s:o}", "kind", h->ev[i].kind ? h->ev[i].kind : "?",
                          "offset", (json_int_t)h->ev[i].offset, "length",
                          (json_int_t)h->ev[i].length, "text", str_lossy(h->ev[i].text)));
    return json_pack("{s:o, s:o, s:o, s:o}", "chain", chain_json(h->chain, h->depth), "rule",
                     str_lossy(h->rule), "reason", str_lossy(h->reason), "evidence", ev);
}

static char *json_line(const mark_file *f)
{
    json_t *hits = json_array(), *errors = json_array(), *inc = json_array();
    for (size_t i = 0; hits != NULL && i < f->n_hits; i++)
        json_array_append_new(hits, hit_json(&f->hits[i]));
    for (size_t i = 0; errors != NULL && inc != NULL && i < f->n_probs; i++) {
        const mark_problem *p = &f->probs[i];
        json_array_append_new(errors,
                              json_pack("{s:o, s:s, s:o}", "chain", chain_json(p->chain, p->depth),
                                        "what", p->what, "message", str_lossy(p->message)));
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(f->probs[j].what, p->what) == 0;
        if (!seen)
            json_array_append_new(inc, json_string(p->what));
    }
    json_t *o =
        json_pack("{s:o, s:b, s:o, s:o, s:o}", "path", str_lossy(f->path), "classified",
                  !f->failed && classified(f), "hits", hits, "incomplete", inc, "errors", errors);
    if (o == NULL)
        return NULL;
    if (f->failed)
        json_object_set_new(o, "error", str_lossy(f->error));
    if (f->more_hits > 0)
        json_object_set_new(o, "hits_not_listed", json_integer((json_int_t)f->more_hits));
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    char *line = realloc(s, n + 2);
    if (line == NULL) {
        free(s);
        return NULL;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    return line;
}

char *mark_file_format(const mark_file *f, bool json, bool *to_stderr)
{
    *to_stderr = false;
    if (json)
        return json_line(f);
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    if (o == NULL)
        return NULL;
    text_line(o, f);
    if (fclose(o) != 0) {
        free(buf);
        return NULL;
    }
    *to_stderr = f->failed;
    return buf;
}
