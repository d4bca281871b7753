/* The ledger's reader: walks every line, checks the chain, names the break.
 *
 * What each kind of damage looks like, for a ledger of five entries:
 *
 *     a field of entry 3 edited        entry 3 (line 3): its hash does not match
 *     entry 3 edited, hash recomputed  entry 4 (line 4): prev is not entry 3's hash
 *     lines 3 and 4 swapped            entry 3 (line 3): the line holds entry 4
 *     line 3 deleted                   entry 3 (line 3): the line holds entry 4
 *     lines 4-5 cut off                entry 4: missing, ledger.head records 5
 *     line 5 cut mid-way by a crash    OK with a note when ledger.head says 4
 *
 * The first break is reported; entries after it are still handed to the
 * callback (so `vigil audit` lists them) but not counted as verified. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"
#include "ledger_int.h"

typedef struct walk {
    vg_ledger_report *r;
    uint64_t expect; /* the seq the next line must hold */
    char last_hash[VGI_LEDGER_HEX];
    char last_prev[VGI_LEDGER_HEX];
    int broken;
} walk;

static void brk(walk *w, uint64_t seq, unsigned long line, const char *what)
{
    if (w->broken)
        return;
    w->broken = 1;
    w->r->ok = 0;
    w->r->bad_seq = seq;
    w->r->bad_line = line;
    snprintf(w->r->what, sizeof w->r->what, "%s", what);
}

static void check_line(walk *w, const char *line, size_t len, unsigned long lineno,
                       vg_ledger_entry_fn fn, void *ud, int *stop)
{
    json_t *obj = NULL;
    vg_ledger_entry e;
    char why[256];
    if (!vgi_ledger_parse(line, len, &obj, &e, why, sizeof why)) {
        char msg[300];
        snprintf(msg, sizeof msg, "the line is not a ledger entry: %s", why);
        brk(w, w->expect, lineno, msg);
        return;
    }
    e.line = lineno;
    if (!w->broken) {
        char msg[300];
        if (!vgi_ledger_check_self(line, len, obj, &e, why, sizeof why)) {
            brk(w, e.seq == w->expect ? e.seq : w->expect, lineno, why);
        } else if (e.seq != w->expect) {
            snprintf(msg, sizeof msg,
                     "the line holds entry %llu where entry %llu belongs: entries were %s",
                     (unsigned long long)e.seq, (unsigned long long)w->expect,
                     e.seq > w->expect ? "removed or reordered" : "reordered or duplicated");
            brk(w, w->expect, lineno, msg);
        } else if (strcmp(e.prev, w->last_hash) != 0) {
            snprintf(msg, sizeof msg,
                     "its \"prev\" is not the hash of entry %llu: entry %llu was replaced or "
                     "rewritten",
                     (unsigned long long)(w->expect - 1), (unsigned long long)(w->expect - 1));
            brk(w, w->expect, lineno, msg);
        } else {
            w->r->entries++;
            w->expect++;
            memcpy(w->last_prev, w->last_hash, VGI_LEDGER_HEX);
            memcpy(w->last_hash, e.hash, VGI_LEDGER_HEX);
        }
    }
    if (fn != NULL && fn(&e, ud) != 0)
        *stop = 1;
    json_decref(obj);
}

/* After the last complete line: does the head agree? */
static void check_head(walk *w, const char *head_path, int partial, unsigned long partial_line)
{
    vgi_ledger_head h;
    char why[256];
    uint64_t n = w->r->entries;
    if (vgi_ledger_head_read(head_path, &h, why, sizeof why) != 0) {
        brk(w, n + 1, 0, why);
        return;
    }
    char msg[384];
    if (h.count == n && strcmp(h.hash, w->last_hash) == 0) {
        if (partial)
            snprintf(w->r->note, sizeof w->r->note,
                     "line %lu: an entry cut mid-write by a crash while appending; it was never "
                     "committed (ledger.head ends at entry %llu) and nothing was sent for it",
                     partial_line, (unsigned long long)n);
        return;
    }
    if (!h.present && n == 0)
        return;
    if (!h.present) {
        if (n == 1) { /* a crash between the first append and its head */
            snprintf(w->r->note, sizeof w->r->note,
                     "ledger.head is missing (a crash right after the first append?)");
            return;
        }
        brk(w, n, 0, "ledger.head is missing: the ledger cannot be checked for a cut-off tail");
        return;
    }
    if (n > 0 && h.count == n - 1 && strcmp(h.hash, w->last_prev) == 0) {
        snprintf(w->r->note, sizeof w->r->note,
                 "ledger.head is one entry behind (a crash after entry %llu was written)",
                 (unsigned long long)n);
        return;
    }
    if (h.count > n) {
        snprintf(msg, sizeof msg,
                 "the ledger ends %s entry %llu but ledger.head records %llu entries: it was "
                 "truncated%s",
                 partial ? "with a line cut mid-way after" : "after", (unsigned long long)n,
                 (unsigned long long)h.count,
                 partial ? " (the cut line was committed)" : " (entries removed from the end)");
        brk(w, n + 1, partial ? partial_line : (unsigned long)n + 1, msg);
        return;
    }
    snprintf(msg, sizeof msg,
             "ledger.head records %llu entries ending in %.12s..., the ledger has %llu ending in "
             "%.12s...: the tail was replaced",
             (unsigned long long)h.count, h.hash, (unsigned long long)n, w->last_hash);
    brk(w, n, 0, msg);
}

vg_error vg_ledger_verify(const char *path, vg_ledger_entry_fn fn, void *ud, vg_ledger_report *out)
{
    if (path == NULL || out == NULL)
        return VG_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->ok = 1;
    walk w = {.r = out, .expect = 1};
    memcpy(w.last_hash, vgi_ledger_zero_hash, VGI_LEDGER_HEX);
    memcpy(w.last_prev, vgi_ledger_zero_hash, VGI_LEDGER_HEX);
    char *head_path = vgi_ledger_head_path(path);
    if (head_path == NULL)
        return VG_ERR_NOMEM;
    FILE *f = fopen(path, "re");
    if (f == NULL && errno != ENOENT) {
        vg_free(head_path);
        return VG_ERR_IO;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned long lineno = 0, partial_line = 0;
    int partial = 0, stop = 0;
    vg_error err = VG_OK;
    while (f != NULL && !stop) {
        errno = 0;
        ssize_t n = getline(&line, &cap, f);
        if (n < 0) {
            if (ferror(f))
                err = VG_ERR_IO;
            break;
        }
        lineno++;
        if (line[n - 1] != '\n') {
            partial = 1;
            partial_line = lineno;
            out->partial_tail = 1;
            break;
        }
        check_line(&w, line, (size_t)n - 1, lineno, fn, ud, &stop);
    }
    free(line);
    if (f != NULL)
        fclose(f);
    if (err == VG_OK && !w.broken && !stop)
        check_head(&w, head_path, partial, partial_line);
    vg_free(head_path);
    return err;
}
