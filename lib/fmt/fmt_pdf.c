/* PDF: every stream decoded, embedded files by name, JavaScript.
 *
 *     %PDF-1.4
 *     15 0 obj << /Type /EmbeddedFile /Length 544 >> stream ...MZ... endstream endobj
 *     16 0 obj << /Type /Filespec /F (clam.exe) /EF << /F 15 0 R >> >> endobj
 *     20 0 obj << /S /JavaScript /JS (app.alert\(1\)) >> endobj
 *
 * gives the children "clam.exe" (stream 15, named by the Filespec that
 * points to it), "js20" (the script, unescaped) and "obj<N>" or
 * "obj<N>:<Subtype>" for every other stream, decoded through its filters.
 * Our own reader, in passes:
 *
 *   1. pdf_objs.c scans the file for "N G obj" and "trailer", ignoring
 *      the cross-reference table (robust to broken or missing ones), and
 *      records where every object and every stream's stored bytes are;
 *   2. the trailer's /Encrypt is set up (pdf_crypt.c): the standard
 *      handler with the empty user password, else streams are scanned as
 *      stored and that is reported;
 *   3. object streams are decoded and their objects added (pdf_objstm.c);
 *   4. every object is walked for Filespecs and /JS (pdf_walk.c);
 *   5. every stream is decoded (pdf_stream.c, pdf_filter.c) straight into
 *      a vgi_child, which charges the size, scan-size and ratio limits.
 *
 * Corrupt data is reported (at most PDF_MAX_ERROR_REPORTS per document)
 * and what was decoded is scanned. A size limit on one stream moves on to
 * the next; a scan-size or ratio limit, max_files or an abort ends the
 * document. */
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "pdf_doc.h"

#define PROBE_BYTES 1024

void pdf_doc_error(pdf_doc *doc, vg_error code, const char *fmt, ...)
{
    if (doc->first_err == VG_OK && (code == VG_ERR_MALFORMED || code == VG_ERR_TRUNCATED))
        doc->first_err = code;
    if (doc->reports >= PDF_MAX_ERROR_REPORTS) {
        doc->suppressed++;
        return;
    }
    doc->reports++;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vgi_scan_report_error(doc->ctx, code, PDF_FMT, "%s", msg);
}

void pdf_doc_free(pdf_doc *doc)
{
    vg_free(doc->ent);
    vg_free(doc->hash);
    vg_free(doc->st);
    for (size_t i = 0; i < doc->n_stm; i++)
        vg_free(doc->stm[i].p);
    vg_free(doc->stm);
    for (size_t i = 0; i < doc->n_names; i++)
        vg_free(doc->names[i].name);
    vg_free(doc->names);
    vg_free(doc->buf);
    pdf_arena_cleanup(&doc->arena);
}

/* ---- encryption ---- */

static void setup_crypt(pdf_doc *doc)
{
    pdf_arena_reset(&doc->arena);
    pdf_obj *trailer = NULL;
    vg_error err = doc->enc_in_entry ? pdf_doc_parse(doc, &doc->ent[doc->enc_at], &trailer)
                                     : pdf_doc_parse_at(doc, doc->enc_at, &trailer);
    pdf_obj *enc = err == VG_OK ? pdf_doc_resolve(doc, pdf_dict_get(trailer, "Encrypt")) : NULL;
    pdf_obj *id = err == VG_OK ? pdf_doc_resolve(doc, pdf_dict_get(trailer, "ID")) : NULL;
    pdf_obj *id0 = id != NULL && id->type == PDF_ARRAY ? pdf_doc_resolve(doc, id->kids) : NULL;
    if (id0 != NULL && id0->type != PDF_STRING)
        id0 = NULL;
    if (enc != NULL && enc->type == PDF_DICT &&
        pdf_crypt_init(&doc->crypt, enc, id0 ? id0->s : NULL, id0 ? id0->len : 0) == VG_OK)
        return;
    doc->crypt.on = 0;
    doc->enc_unsupported = 1;
    pdf_doc_error(doc, VG_ERR_UNSUPPORTED,
                  "encrypted PDF (no empty user password, or a handler we lack): streams "
                  "scanned as stored");
}

/* ---- emitting the streams ---- */

typedef struct child_sink {
    vgi_child *c;
    vgi_scan_ctx *ctx;
    uint64_t written;
} child_sink;

static vg_error child_write(void *ud, const uint8_t *p, size_t n)
{
    child_sink *cs = ud;
    cs->written += n;
    return vgi_child_write(cs->c, p, n);
}

static int child_stop(void *ud)
{
    return vgi_scan_should_stop(((child_sink *)ud)->ctx);
}

static void stream_name(pdf_doc *doc, const pdf_entry *e, pdf_obj *dict, char *out, size_t cap)
{
    const char *named = pdf_doc_name(doc, e->num);
    if (named != NULL) {
        snprintf(out, cap, "%s", named);
        return;
    }
    int o = snprintf(out, cap, "obj%u", e->num);
    pdf_obj *sub = pdf_dict_get(dict, "Subtype");
    if (sub == NULL || sub->type != PDF_NAME || sub->len == 0 || o < 0 || (size_t)o + 2 >= cap)
        return;
    size_t k = (size_t)o;
    out[k++] = ':';
    for (uint32_t i = 0; i < sub->len && k + 1 < cap && i < 32; i++) {
        uint8_t c = sub->s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-';
        out[k++] = ok ? (char)c : '_';
    }
    out[k] = '\0';
}

static vg_error emit_stream(pdf_doc *doc, size_t si)
{
    pdf_arena_reset(&doc->arena);
    const pdf_entry *e = &doc->ent[doc->st[si].entry];
    pdf_obj *dict = NULL;
    if (pdf_doc_parse(doc, e, &dict) != VG_OK || dict->type != PDF_DICT)
        dict = NULL;
    char name[PDF_MAX_FILENAME + 48];
    stream_name(doc, e, dict, name, sizeof name);
    child_sink cs = {NULL, doc->ctx, 0};
    vg_error err = vgi_child_begin(doc->ctx, &cs.c);
    if (err != VG_OK)
        return err;
    pdf_sink sink = {child_write, child_stop, &cs};
    err = pdf_stream_decode(doc, si, dict, &sink);
    vg_limit_kind hit = vgi_child_limit(cs.c);
    if (cs.written == 0 && err != VG_ERR_LIMIT) {
        vgi_child_discard(cs.c);
        return err;
    }
    vg_error ferr = vgi_child_finish(cs.c, name);
    if (err == VG_ERR_LIMIT && hit == VG_LIMIT_FILESIZE)
        err = VG_OK; /* later streams may still fit */
    if (ferr == VG_ERR_ABORTED || ferr == VG_ERR_NOMEM || ferr == VG_ERR_LIMIT)
        return ferr;
    return err;
}

/* ---- the handler ---- */

static int pdf_probe(vg_fmap *map)
{
    uint64_t size = vg_fmap_size(map);
    size_t n = size < PROBE_BYTES ? (size_t)size : PROBE_BYTES;
    const uint8_t *p = vg_fmap_need(map, 0, n);
    return p != NULL && n >= 5 && memmem(p, n, "%PDF-", 5) != NULL;
}

static vg_error run(pdf_doc *doc)
{
    vg_error err = pdf_doc_scan(doc);
    if (err != VG_OK)
        return err;
    if (doc->have_enc)
        setup_crypt(doc);
    if ((err = pdf_objstm_load_all(doc)) != VG_OK)
        return err;
    if ((err = pdf_walk_all(doc)) != VG_OK)
        return err;
    for (size_t si = 0; si < doc->n_st && !doc->stopped; si++) {
        if (vgi_scan_should_stop(doc->ctx))
            return VG_ERR_ABORTED;
        if ((err = emit_stream(doc, si)) != VG_OK)
            return err;
    }
    return VG_OK;
}

static vg_error pdf_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    pdf_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.ctx = ctx;
    doc.map = map;
    doc.size = vg_fmap_size(map);
    pdf_arena_init(&doc.arena, PDF_ARENA_CAP);
    /* Every object is parsed a few times (passes 1 and 4, and when
     * referenced); far past that, references are being abused. Object
     * streams raise the cap by what they add. */
    doc.parse_cap = PDF_PARSE_FLOOR + 64 * doc.size;
    doc.buf = vg_malloc(PDF_READ_CHUNK + 32);
    vg_error err = doc.buf != NULL ? run(&doc) : VG_ERR_NOMEM;
    if (doc.suppressed > 0)
        vgi_scan_report_error(ctx, doc.first_err != VG_OK ? doc.first_err : VG_ERR_MALFORMED,
                              PDF_FMT, "%u more problems in this PDF not reported", doc.suppressed);
    pdf_doc_free(&doc);
    if (err == VG_ERR_LIMIT)
        return VG_OK; /* reported where it was hit: nothing more fits */
    if (err == VG_ERR_IO) {
        vgi_scan_report_error(ctx, err, PDF_FMT, "read error");
        return err;
    }
    if (err != VG_OK)
        return err;
    return doc.first_err;
}

const vgi_format vgi_format_pdf = {"pdf", pdf_probe, pdf_parse};
