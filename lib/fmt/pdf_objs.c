/* Pass 1 over a PDF: find every object by scanning for "N G obj".
 *
 *     %PDF-1.4
 *     1 0 obj << /Length 2 0 R >> stream\r\n ...data... \r\nendstream endobj
 *     2 0 obj 334 endobj
 *     xref ...  trailer << /Root 1 0 R /Encrypt 5 0 R /ID [<..> <..>] >>
 *
 * The cross-reference table is not read at all: it is the first thing a
 * malicious or damaged file gets wrong, and viewers fall back to this very
 * scan. Each definition is recorded (a later one of the same number wins
 * lookups, as with incremental updates; every one is still walked and its
 * stream emitted). After a stream dictionary the stored bytes are skipped,
 * so "N G obj" inside stream data is not taken for an object: /Length is
 * used when "endstream" follows where it says (a reference resolves when
 * its object came earlier), otherwise the next "endstream" ends the data.
 *
 * Bounds: PDF_MAX_OBJECTS definitions; an object is parsed from a window
 * of 64 KiB, or 1 MiB when it does not fit (its tree is capped by the
 * arena); the file is read in windows of PDF_READ_CHUNK; the search for
 * "endstream" is cached so that a thousand streams without one cost one
 * pass over the file, not a thousand. */
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "pdf_doc.h"

#define LOOKBACK 64

/* ---- the object table ---- */

static uint32_t hash_num(uint32_t num)
{
    return num * 2654435761u;
}

static vg_error hash_grow(pdf_doc *doc)
{
    size_t cap = doc->hash_cap ? doc->hash_cap * 2 : 1024;
    uint32_t *h = vg_calloc(cap, sizeof *h);
    if (h == NULL)
        return VG_ERR_NOMEM;
    for (size_t i = 0; i < doc->hash_cap; i++) {
        uint32_t v = doc->hash[i];
        if (v == 0)
            continue;
        size_t k = hash_num(doc->ent[v - 1].num) & (cap - 1);
        while (h[k] != 0)
            k = (k + 1) & (cap - 1);
        h[k] = v;
    }
    vg_free(doc->hash);
    doc->hash = h;
    doc->hash_cap = cap;
    return VG_OK;
}

vg_error pdf_doc_add(pdf_doc *doc, const pdf_entry *e)
{
    if (doc->n_ent >= PDF_MAX_OBJECTS) {
        if (!doc->stopped)
            vgi_scan_report_limit(doc->ctx, VG_LIMIT_FILES, PDF_FMT,
                                  "more than %u object definitions; the rest is not read",
                                  PDF_MAX_OBJECTS);
        doc->stopped = 1;
        return VG_ERR_LIMIT;
    }
    if (doc->n_ent == doc->cap_ent) {
        size_t cap = doc->cap_ent ? doc->cap_ent * 2 : 256;
        pdf_entry *n = vg_realloc(doc->ent, cap * sizeof *n);
        if (n == NULL)
            return VG_ERR_NOMEM;
        doc->ent = n;
        doc->cap_ent = cap;
    }
    if ((doc->hash_used + 1) * 2 > doc->hash_cap && hash_grow(doc) != VG_OK)
        return VG_ERR_NOMEM;
    doc->ent[doc->n_ent] = *e;
    uint32_t idx = (uint32_t)doc->n_ent + 1;
    doc->n_ent++;
    size_t k = hash_num(e->num) & (doc->hash_cap - 1);
    while (doc->hash[k] != 0) {
        pdf_entry *old = &doc->ent[doc->hash[k] - 1];
        if (old->num == e->num) {
            if (!(e->in_stm && !old->in_stm))
                doc->hash[k] = idx;
            return VG_OK;
        }
        k = (k + 1) & (doc->hash_cap - 1);
    }
    doc->hash[k] = idx;
    doc->hash_used++;
    return VG_OK;
}

const pdf_entry *pdf_doc_lookup(const pdf_doc *doc, uint32_t num)
{
    if (doc->hash_cap == 0)
        return NULL;
    size_t k = hash_num(num) & (doc->hash_cap - 1);
    while (doc->hash[k] != 0) {
        const pdf_entry *e = &doc->ent[doc->hash[k] - 1];
        if (e->num == num)
            return e;
        k = (k + 1) & (doc->hash_cap - 1);
    }
    return NULL;
}

/* ---- parsing one object ---- */

/* Charges n bytes of work (text parsed plus tree built); 0 once the
 * document's parse budget is spent. */
static int charge_parse(pdf_doc *doc, size_t n)
{
    doc->parsed += n;
    if (doc->parsed <= doc->parse_cap)
        return 1;
    if (doc->parsed - n <= doc->parse_cap)
        pdf_doc_error(doc, VG_ERR_LIMIT,
                      "more than %llu bytes of objects parsed (references to big objects?); "
                      "the rest is read without them",
                      (unsigned long long)doc->parse_cap);
    return 0;
}

static vg_error parse_window(pdf_doc *doc, uint64_t off, size_t *end, pdf_obj **out)
{
    *out = NULL;
    if (off >= doc->size || doc->parsed > doc->parse_cap)
        return VG_ERR_MALFORMED;
    uint64_t left = doc->size - off;
    size_t win = left < PDF_OBJ_WINDOW ? (size_t)left : PDF_OBJ_WINDOW;
    for (;;) {
        const uint8_t *p = vg_fmap_need(doc->map, off, win);
        if (p == NULL)
            return VG_ERR_IO;
        pdf_lexer lx = {p, win, 0, &doc->arena, 0};
        size_t used = doc->arena.used_total;
        vg_error err = pdf_parse_value(&lx, out);
        if (!charge_parse(doc, lx.pos + (doc->arena.used_total - used)))
            return VG_ERR_MALFORMED;
        /* Cut by the window, not by the file: once more with a larger one. */
        if (lx.truncated && win < left && win < VG_FMAP_NEED_MAX) {
            win = left < VG_FMAP_NEED_MAX ? (size_t)left : VG_FMAP_NEED_MAX;
            continue;
        }
        if (err == VG_ERR_NOMEM && doc->arena.used_total + 4096 > doc->arena.cap)
            err = VG_ERR_MALFORMED; /* the object is too big for the arena */
        if (end != NULL)
            *end = lx.pos;
        return err;
    }
}

vg_error pdf_doc_parse_at(pdf_doc *doc, uint64_t off, pdf_obj **out)
{
    return parse_window(doc, off, NULL, out);
}

vg_error pdf_doc_parse(pdf_doc *doc, const pdf_entry *e, pdf_obj **out)
{
    *out = NULL;
    if (!e->in_stm)
        return parse_window(doc, e->off, NULL, out);
    const pdf_stmbuf *b = &doc->stm[e->stm];
    if (e->off > b->n || e->len > b->n - e->off)
        return VG_ERR_MALFORMED;
    if (doc->parsed > doc->parse_cap)
        return VG_ERR_MALFORMED;
    pdf_lexer lx = {b->p + e->off, e->len, 0, &doc->arena, 0};
    size_t used = doc->arena.used_total;
    vg_error err = pdf_parse_value(&lx, out);
    if (!charge_parse(doc, lx.pos + (doc->arena.used_total - used)))
        return VG_ERR_MALFORMED;
    if (err == VG_ERR_NOMEM && doc->arena.used_total + 4096 > doc->arena.cap)
        err = VG_ERR_MALFORMED;
    return err;
}

pdf_obj *pdf_doc_resolve(pdf_doc *doc, pdf_obj *o)
{
    for (int hop = 0; o != NULL && o->type == PDF_REF; hop++) {
        const pdf_entry *e =
            hop < 8 && o->i >= 0 && o->i <= UINT32_MAX ? pdf_doc_lookup(doc, (uint32_t)o->i) : NULL;
        if (e == NULL || pdf_doc_parse(doc, e, &o) != VG_OK)
            return NULL;
    }
    return o;
}

int64_t pdf_doc_int(pdf_doc *doc, pdf_obj *o)
{
    o = pdf_doc_resolve(doc, o);
    if (o == NULL || (o->type != PDF_INT && o->type != PDF_REAL) || o->i < 0)
        return -1;
    return o->i;
}

/* ---- pass 1 ---- */

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* "N G" before "obj" at h (p[0] is at file offset base); 1 if valid. */
static int object_header(const uint8_t *p, uint64_t base, size_t h, size_t n, uint64_t size,
                         uint32_t *num, uint16_t *gen)
{
    if (h + 3 < n) {
        if (!pdf_is_space(p[h + 3]) && !pdf_is_delim(p[h + 3]))
            return 0;
    } else if (base + h + 3 != size) {
        return 0;
    }
    size_t i = h, stop = h > LOOKBACK ? h - LOOKBACK : 0;
    uint64_t v[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        size_t sp = 0;
        while (i > stop && pdf_is_space(p[i - 1]) && p[i - 1] != 0) {
            i--;
            sp++;
        }
        if (sp == 0)
            return 0;
        size_t digits = 0;
        while (i > stop && is_digit(p[i - 1]) && digits < 11) {
            i--;
            digits++;
        }
        if (digits == 0 || digits > (k == 0 ? 5u : 10u))
            return 0;
        for (size_t j = 0; j < digits; j++)
            v[k] = v[k] * 10 + (uint64_t)(p[i + j] - '0');
    }
    if (i > 0 && !pdf_is_space(p[i - 1]) && !pdf_is_delim(p[i - 1]))
        return 0;
    if (i == 0 && base != 0 && i == stop)
        return 0; /* the number may go on before the window */
    if (v[0] > 65535 || v[1] > UINT32_MAX)
        return 0;
    *gen = (uint16_t)v[0];
    *num = (uint32_t)v[1];
    return 1;
}

/* Offset of the next "endstream" at or after from, or doc->size. */
static uint64_t find_endstream(pdf_doc *doc, uint64_t from)
{
    if (from >= doc->es_from && from <= doc->es_at)
        return doc->es_at;
    uint64_t pos = from;
    while (pos < doc->size) {
        size_t n = doc->size - pos < PDF_READ_CHUNK ? (size_t)(doc->size - pos) : PDF_READ_CHUNK;
        const uint8_t *p = vg_fmap_need(doc->map, pos, n);
        if (p == NULL)
            break;
        const uint8_t *hit = memmem(p, n, "endstream", 9);
        if (hit != NULL) {
            doc->es_from = from;
            doc->es_at = pos + (uint64_t)(hit - p);
            return doc->es_at;
        }
        if (pos + n >= doc->size)
            break;
        pos += n - 8;
    }
    doc->es_from = from;
    doc->es_at = doc->size;
    return doc->size;
}

int pdf_doc_length_ok(pdf_doc *doc, uint64_t data_off, int64_t len)
{
    if (len < 0 || (uint64_t)len > doc->size - data_off)
        return 0;
    uint64_t at = data_off + (uint64_t)len;
    size_t n = doc->size - at < 32 ? (size_t)(doc->size - at) : 32;
    const uint8_t *p = vg_fmap_need(doc->map, at, n);
    return p != NULL && memmem(p, n, "endstream", 9) != NULL;
}

/* After a stream dictionary ending at off: records the stream, returns
 * where pass 1 goes on. */
static vg_error stream_after(pdf_doc *doc, pdf_obj *dict, uint64_t off, uint64_t *next)
{
    const uint8_t *p = vg_fmap_need(doc->map, off, doc->size - off < 16 ? doc->size - off : 16);
    if (p == NULL)
        return VG_OK;
    size_t n = doc->size - off < 16 ? (size_t)(doc->size - off) : 16, i = 6;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i < n && p[i] == '\r')
        i++;
    if (i < n && p[i] == '\n')
        i++;
    uint64_t data = off + i;
    pdf_stream s = {.entry = (uint32_t)(doc->n_ent - 1), .data_off = data};
    pdf_obj *len = pdf_dict_get(dict, "Length");
    int64_t l = -1;
    if (len != NULL && len->type == PDF_REF && len->i <= UINT32_MAX &&
        pdf_doc_lookup(doc, (uint32_t)len->i) == NULL)
        s.len_ref = (uint32_t)len->i; /* defined later: try again in pass 2 */
    else
        l = pdf_doc_int(doc, len);
    if (pdf_doc_length_ok(doc, data, l)) {
        s.data_len = (uint64_t)l;
        *next = data + s.data_len;
    } else {
        uint64_t end = find_endstream(doc, data);
        *next = end < doc->size ? end + 9 : data; /* none: scan on inside the data */
        const uint8_t *q = end > data ? vg_fmap_need(doc->map, end - 1, 1) : NULL;
        if (q != NULL && *q == '\n')
            end--;
        q = end > data ? vg_fmap_need(doc->map, end - 1, 1) : NULL;
        if (q != NULL && *q == '\r')
            end--;
        s.data_len = end - data;
    }
    if (doc->n_st == doc->cap_st) {
        size_t cap = doc->cap_st ? doc->cap_st * 2 : 64;
        pdf_stream *ns = vg_realloc(doc->st, cap * sizeof *ns);
        if (ns == NULL)
            return VG_ERR_NOMEM;
        doc->st = ns;
        doc->cap_st = cap;
    }
    doc->st[doc->n_st++] = s;
    doc->ent[doc->n_ent - 1].has_stream = 1;
    return VG_OK;
}

/* The object whose "obj" keyword ends at body; sets *next. */
static vg_error read_object(pdf_doc *doc, uint32_t num, uint16_t gen, uint64_t body, uint64_t *next)
{
    pdf_entry e = {.num = num, .gen = gen, .off = body};
    vg_error err = pdf_doc_add(doc, &e);
    *next = body;
    if (err != VG_OK)
        return err;
    pdf_arena_reset(&doc->arena);
    pdf_obj *o;
    size_t end;
    err = parse_window(doc, body, &end, &o);
    if (err == VG_ERR_NOMEM || err == VG_ERR_IO)
        return err;
    if (err != VG_OK) {
        pdf_doc_error(doc, err, "object %u at offset %llu does not parse", num,
                      (unsigned long long)body);
        return VG_OK;
    }
    *next = body + end;
    if (o->type != PDF_DICT)
        return VG_OK;
    if (pdf_is_name(pdf_dict_get(o, "Type"), "XRef") && pdf_dict_get(o, "Encrypt") != NULL) {
        doc->have_enc = 1;
        doc->enc_in_entry = 1;
        doc->enc_at = doc->n_ent - 1;
    }
    uint64_t off = body + end;
    size_t n = doc->size - off < 64 ? (size_t)(doc->size - off) : 64;
    const uint8_t *p = vg_fmap_need(doc->map, off, n);
    if (p == NULL)
        return VG_OK;
    size_t i = 0;
    while (i < n && pdf_is_space(p[i]))
        i++;
    if (n - i >= 6 && memcmp(p + i, "stream", 6) == 0)
        return stream_after(doc, o, off + i, next);
    return VG_OK;
}

/* "trailer <<...>>" at t: remembered when it holds /Encrypt. */
static void read_trailer(pdf_doc *doc, uint64_t t)
{
    pdf_arena_reset(&doc->arena);
    pdf_obj *o;
    if (parse_window(doc, t + 7, NULL, &o) == VG_OK && pdf_dict_get(o, "Encrypt") != NULL) {
        doc->have_enc = 1;
        doc->enc_in_entry = 0;
        doc->enc_at = t + 7;
    }
}

vg_error pdf_doc_scan(pdf_doc *doc)
{
    uint64_t pos = 0, thit = UINT64_MAX, tdone = 0;
    unsigned steps = 0;
    while (pos < doc->size && !doc->stopped) {
        if ((++steps & 1023) == 0 && vgi_scan_should_stop(doc->ctx))
            return VG_ERR_ABORTED;
        uint64_t base = pos > LOOKBACK ? pos - LOOKBACK : 0;
        size_t n = doc->size - base < PDF_READ_CHUNK ? (size_t)(doc->size - base) : PDF_READ_CHUNK;
        const uint8_t *p = vg_fmap_need(doc->map, base, n);
        if (p == NULL)
            return VG_ERR_IO;
        int last = base + n == doc->size;
        size_t from = (size_t)(pos - base), lim = last ? n : n - 16;
        /* The next "trailer" (thit), searched once per stretch of file:
         * every byte before tdone has been looked at. */
        if (thit != UINT64_MAX && thit < pos) {
            thit = UINT64_MAX;
            tdone = pos;
        }
        if (thit == UINT64_MAX && tdone < base + lim) {
            uint64_t s = tdone > pos + 6 ? tdone - 6 : pos;
            const uint8_t *t = memmem(p + (s - base), (size_t)(base + lim - s), "trailer", 7);
            if (t != NULL)
                thit = base + (uint64_t)(t - p);
            tdone = base + lim;
        }
        const uint8_t *hit = p + from;
        uint32_t num = 0;
        uint16_t gen = 0;
        size_t h = 0;
        int found = 0;
        while ((hit = memmem(hit, (size_t)(p + lim - hit), "obj", 3)) != NULL) {
            h = (size_t)(hit - p);
            if (base + h > thit)
                break;
            if (object_header(p, base, h, n, doc->size, &num, &gen)) {
                found = 1;
                break;
            }
            hit++;
        }
        if (thit != UINT64_MAX && (!found || thit < base + h)) {
            read_trailer(doc, thit);
            pos = thit + 7;
            continue;
        }
        if (!found) {
            if (last)
                break;
            pos = base + lim;
            continue;
        }
        uint64_t next;
        vg_error err = read_object(doc, num, gen, base + h + 3, &next);
        if (err == VG_ERR_LIMIT)
            return VG_OK; /* reported; read what was found */
        if (err != VG_OK)
            return err;
        pos = next > base + h + 3 ? next : base + h + 3;
    }
    return VG_OK;
}
