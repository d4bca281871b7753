/* Object streams (PDF 1.5): objects compressed inside a stream.
 *
 *     7 0 obj << /Type /ObjStm /N 2 /First 10 /Filter /FlateDecode /Length 80 >>
 *     stream  (inflated:)  "16 0 17 52 " << /Type /Filespec /F (a.exe) ... >> << /JS (...) >>
 *                           ^ N pairs "number offset", offsets counted from /First
 *
 * They hold no streams, but they do hold dictionaries a scanner needs: the
 * Filespec naming an embedded file, a /JS string, a /Length or /Filter that
 * a stream refers to. Each object stream is decoded whole into memory
 * (capped at PDF_MAX_OBJSTM_BYTES each and PDF_MAX_OBJSTM_TOTAL in all;
 * a cut one still registers the objects that fit) and its objects are
 * added to the table as views into that buffer. An object defined in the
 * file itself is never overridden by one from an object stream. */
#include <string.h>

#include "../core/mem.h"
#include "pdf_doc.h"

typedef struct mem_sink {
    uint8_t *p;
    size_t n, cap, max;
    int full;
    vgi_scan_ctx *ctx;
} mem_sink;

static vg_error mem_write(void *ud, const uint8_t *p, size_t n)
{
    mem_sink *m = ud;
    if (n > m->max - m->n) {
        n = m->max - m->n;
        m->full = 1;
    }
    if (n == 0)
        return m->full ? VG_ERR_LIMIT : VG_OK;
    if (m->n + n > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->n + n)
            cap *= 2;
        cap = cap > m->max ? m->max : cap;
        uint8_t *q = vg_realloc(m->p, cap);
        if (q == NULL)
            return VG_ERR_NOMEM;
        m->p = q;
        m->cap = cap;
    }
    memcpy(m->p + m->n, p, n);
    m->n += n;
    return m->full ? VG_ERR_LIMIT : VG_OK;
}

static int mem_stop(void *ud)
{
    return vgi_scan_should_stop(((mem_sink *)ud)->ctx);
}

/* Reads the header pairs and registers the objects of buffer b. */
static vg_error register_objects(pdf_doc *doc, uint32_t b, int64_t count, int64_t first)
{
    const pdf_stmbuf *sb = &doc->stm[b];
    if (first < 0 || (uint64_t)first > sb->n || count <= 0)
        return VG_ERR_MALFORMED;
    pdf_lexer lx = {sb->p, (size_t)first, 0, &doc->arena, 0};
    uint64_t prev_off = 0;
    pdf_entry prev = {0};
    int have_prev = 0;
    for (int64_t i = 0; i < count; i++) {
        pdf_arena_reset(&doc->arena);
        pdf_obj *num, *off;
        if (pdf_parse_value(&lx, &num) != VG_OK || pdf_parse_value(&lx, &off) != VG_OK ||
            num->type != PDF_INT || off->type != PDF_INT || num->i < 0 || num->i > UINT32_MAX ||
            off->i < 0 || (uint64_t)off->i > sb->n - (uint64_t)first)
            break;
        uint64_t at = (uint64_t)first + (uint64_t)off->i;
        if (have_prev) {
            prev.len = (uint32_t)(at > prev_off ? at - prev_off : sb->n - prev_off);
            vg_error err = pdf_doc_add(doc, &prev);
            if (err != VG_OK)
                return err;
        }
        prev = (pdf_entry){.num = (uint32_t)num->i, .in_stm = 1, .stm = b, .off = at};
        prev_off = at;
        have_prev = 1;
    }
    if (have_prev) {
        prev.len = (uint32_t)(sb->n - prev_off);
        return pdf_doc_add(doc, &prev);
    }
    return VG_OK;
}

static vg_error load_one(pdf_doc *doc, size_t si)
{
    pdf_arena_reset(&doc->arena);
    const pdf_entry *e = &doc->ent[doc->st[si].entry];
    pdf_obj *dict;
    if (pdf_doc_parse(doc, e, &dict) != VG_OK || !pdf_is_name(pdf_dict_get(dict, "Type"), "ObjStm"))
        return VG_OK;
    if (doc->enc_unsupported)
        return VG_OK; /* ciphertext */
    uint32_t num = e->num;
    int64_t count = pdf_doc_int(doc, pdf_dict_get(dict, "N"));
    int64_t first = pdf_doc_int(doc, pdf_dict_get(dict, "First"));
    if (doc->stm_bytes >= PDF_MAX_OBJSTM_TOTAL) {
        pdf_doc_error(doc, VG_ERR_LIMIT, "object stream %u not read: %zu bytes of them already",
                      num, doc->stm_bytes);
        return VG_OK;
    }
    size_t room = PDF_MAX_OBJSTM_TOTAL - doc->stm_bytes;
    mem_sink m = {.max = room < PDF_MAX_OBJSTM_BYTES ? room : PDF_MAX_OBJSTM_BYTES,
                  .ctx = doc->ctx};
    pdf_sink sink = {mem_write, mem_stop, &m};
    vg_error err = pdf_stream_decode(doc, si, dict, &sink);
    if (err == VG_ERR_LIMIT && m.full) {
        pdf_doc_error(doc, VG_ERR_LIMIT, "object stream %u larger than %zu bytes: cut", num, m.max);
        err = VG_OK;
    }
    if (err != VG_OK || m.n == 0) {
        vg_free(m.p);
        return err;
    }
    if (doc->n_stm == doc->cap_stm) {
        size_t cap = doc->cap_stm ? doc->cap_stm * 2 : 16;
        pdf_stmbuf *nb = vg_realloc(doc->stm, cap * sizeof *nb);
        if (nb == NULL) {
            vg_free(m.p);
            return VG_ERR_NOMEM;
        }
        doc->stm = nb;
        doc->cap_stm = cap;
    }
    doc->stm[doc->n_stm] = (pdf_stmbuf){m.p, m.n};
    doc->stm_bytes += m.n;
    doc->parse_cap += 64 * (uint64_t)m.n;
    err = register_objects(doc, (uint32_t)doc->n_stm++, count, first);
    if (err == VG_ERR_MALFORMED) {
        pdf_doc_error(doc, err, "object stream %u: bad /N or /First", num);
        err = VG_OK;
    }
    return err;
}

vg_error pdf_objstm_load_all(pdf_doc *doc)
{
    for (size_t si = 0; si < doc->n_st && !doc->stopped; si++) {
        if (vgi_scan_should_stop(doc->ctx))
            return VG_ERR_ABORTED;
        vg_error err = load_one(doc, si);
        if (err == VG_ERR_LIMIT)
            return VG_OK; /* the object table is full: reported */
        if (err != VG_OK)
            return err;
    }
    return VG_OK;
}
