/* Decoding one PDF stream: its /Filter chain, /DecodeParms, decryption.
 *
 *     12 0 obj << /Length 13 0 R /Filter [/AHx /Fl] /DecodeParms [null 14 0 R] >>
 *
 * Every value may be an indirect reference (resolved through the object
 * table). Filters are named in full or abbreviated (Fl AHx A85 LZW RL);
 * /Crypt is the identity here. An image or fax codec (DCT, JPX, CCITTFax,
 * JBIG2) or any unknown name ends the chain: what the filters before it
 * produced is emitted, which for a JPEG is the JPEG file itself. A chain of
 * more than PDF_MAX_FILTERS is not decoded at all (stored bytes emitted,
 * reported). DecodeParms follow pdf.js: an array pairs with the filter
 * array, a single dictionary only with a single filter.
 *
 * The stored bytes are read through fmap windows of PDF_READ_CHUNK, so a
 * stream of any size is decoded in pieces, decrypted first when the
 * document is encrypted (not cross-reference streams, nor metadata when
 * /EncryptMetadata is false). */
#include <string.h>

#include "../core/mem.h"
#include "pdf_doc.h"

#define WORK_FLOOR ((uint64_t)64 << 20)

static const struct {
    const char *full, *abbr;
    pdf_filter_kind kind;
} known[] = {
    {"FlateDecode", "Fl", PDF_F_FLATE},  {"ASCIIHexDecode", "AHx", PDF_F_AHX},
    {"ASCII85Decode", "A85", PDF_F_A85}, {"LZWDecode", "LZW", PDF_F_LZW},
    {"RunLengthDecode", "RL", PDF_F_RL},
};

/* 1 and *kind for a filter we decode; 0 for an unknown one. */
static int filter_kind(const pdf_obj *name, pdf_filter_kind *kind)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (pdf_is_name(name, known[i].full) || pdf_is_name(name, known[i].abbr)) {
            *kind = known[i].kind;
            return 1;
        }
    return 0;
}

static unsigned param(pdf_doc *doc, pdf_obj *parms, const char *key, unsigned dflt)
{
    pdf_obj *v = pdf_dict_get(parms, key);
    if (v == NULL)
        return dflt;
    int64_t i = pdf_doc_int(doc, v);
    return i < 0 || i > 0x7fffffff ? 0x7fffffff : (unsigned)i;
}

/* Fills spec from the dictionary; returns how many filters to apply. */
static size_t build_chain(pdf_doc *doc, pdf_obj *dict, uint32_t num,
                          pdf_filter_spec spec[PDF_MAX_FILTERS])
{
    pdf_obj *f = pdf_doc_resolve(doc, pdf_dict_get(dict, "Filter"));
    pdf_obj *parms = pdf_doc_resolve(doc, pdf_dict_get(dict, "DecodeParms"));
    if (parms == NULL)
        parms = pdf_doc_resolve(doc, pdf_dict_get(dict, "DP"));
    if (f == NULL)
        return 0;
    pdf_obj *items = f, *pitem = parms;
    size_t count = 1;
    if (f->type == PDF_ARRAY) {
        items = f->kids;
        count = f->nkids;
        pitem = parms != NULL && parms->type == PDF_ARRAY ? parms->kids : NULL;
    }
    if (count > PDF_MAX_FILTERS) {
        pdf_doc_error(doc, VG_ERR_MALFORMED,
                      "stream of object %u has %zu filters (max %d): scanned as stored", num, count,
                      PDF_MAX_FILTERS);
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < count && items != NULL; i++) {
        pdf_obj *name = pdf_doc_resolve(doc, items);
        pdf_obj *p = pdf_doc_resolve(doc, pitem);
        items = f->type == PDF_ARRAY ? items->next : NULL;
        pitem = pitem != NULL && f->type == PDF_ARRAY ? pitem->next : NULL;
        if (pdf_is_name(name, "Crypt"))
            continue;
        pdf_filter_spec *s = &spec[n];
        if (!filter_kind(name, &s->kind))
            break; /* an image codec or unknown: emit what we have */
        s->predictor = param(doc, p, "Predictor", 1);
        s->colors = param(doc, p, "Colors", 1);
        s->bpc = param(doc, p, "BitsPerComponent", 8);
        s->columns = param(doc, p, "Columns", 1);
        s->early_change = (int)param(doc, p, "EarlyChange", 1);
        if ((s->kind == PDF_F_FLATE || s->kind == PDF_F_LZW) && s->predictor > 1 &&
            !pdf_predictor_valid(s))
            pdf_doc_error(doc, VG_ERR_MALFORMED,
                          "stream of object %u: unusable predictor %u (columns %u, colors %u, "
                          "bits %u); decoded without it",
                          num, s->predictor, s->columns, s->colors, s->bpc);
        n++;
    }
    return n;
}

static int wants_decryption(const pdf_doc *doc, pdf_obj *dict)
{
    if (!doc->crypt.on || doc->crypt.stm == PDF_CRYPT_NONE)
        return 0;
    pdf_obj *type = pdf_dict_get(dict, "Type");
    if (pdf_is_name(type, "XRef"))
        return 0;
    if (pdf_is_name(type, "Metadata") && !doc->crypt.encrypt_metadata)
        return 0;
    return 1;
}

vg_error pdf_stream_decode(pdf_doc *doc, size_t si, pdf_obj *dict, const pdf_sink *sink)
{
    pdf_stream *s = &doc->st[si];
    const pdf_entry *e = &doc->ent[s->entry];
    if (s->len_ref != 0) {
        /* /Length pointed forward in pass 1: take it now if it fits. */
        pdf_obj ref = {.type = PDF_REF, .i = s->len_ref};
        int64_t l = pdf_doc_int(doc, &ref);
        if (pdf_doc_length_ok(doc, s->data_off, l))
            s->data_len = (uint64_t)l;
        s->len_ref = 0;
    }
    pdf_filter_spec spec[PDF_MAX_FILTERS];
    memset(spec, 0, sizeof spec);
    /* Ciphertext we cannot decrypt goes out as stored: decoding it would
     * only report garbage (cross-reference streams are never encrypted). */
    size_t nf = doc->enc_unsupported && !pdf_is_name(pdf_dict_get(dict, "Type"), "XRef")
                    ? 0
                    : build_chain(doc, dict, e->num, spec);

    const vg_limits *lim = vgi_scan_limits(doc->ctx);
    uint64_t work = s->data_len * lim->max_ratio;
    if (s->data_len != 0 && work / s->data_len != lim->max_ratio)
        work = UINT64_MAX;
    work = work < WORK_FLOOR ? WORK_FLOOR : work;
    work = work > lim->max_scan_size ? lim->max_scan_size : work;

    pdf_decoder *dec = NULL;
    pdf_cipher *cx = NULL;
    vg_error err = VG_OK;
    if (nf > 0 && (err = pdf_decoder_new(spec, nf, sink, work, &dec)) != VG_OK)
        return err;
    if (wants_decryption(doc, dict) && (err = pdf_cipher_new(&doc->crypt, e->num, e->gen, &cx)))
        goto done;

    uint64_t off = s->data_off, end = s->data_off + s->data_len;
    while (off < end && err == VG_OK) {
        size_t n = end - off < PDF_READ_CHUNK ? (size_t)(end - off) : PDF_READ_CHUNK;
        const uint8_t *p = vg_fmap_need(doc->map, off, n);
        if (p == NULL) {
            err = VG_ERR_IO;
            break;
        }
        off += n;
        if (cx != NULL) {
            n = pdf_cipher_update(cx, p, n, doc->buf);
            p = doc->buf;
        }
        err = dec != NULL ? pdf_decoder_write(dec, p, n) : sink->write(sink->ud, p, n);
        if (err == VG_OK && vgi_scan_should_stop(doc->ctx))
            err = VG_ERR_ABORTED;
    }
    if (err == VG_OK && cx != NULL) {
        size_t n = pdf_cipher_final(cx, doc->buf);
        err =
            dec != NULL ? pdf_decoder_write(dec, doc->buf, n) : sink->write(sink->ud, doc->buf, n);
    }
    if (dec != NULL && (err == VG_OK || err == VG_ERR_MALFORMED))
        err = pdf_decoder_finish(dec);
done:
    if (err == VG_ERR_LIMIT && dec != NULL && pdf_decoder_work_exceeded(dec)) {
        vgi_scan_report_limit(doc->ctx, VG_LIMIT_RATIO, PDF_FMT,
                              "stream of object %u: its filters expand it past %llu bytes", e->num,
                              (unsigned long long)work);
        err = VG_OK;
    } else if (err == VG_ERR_MALFORMED || err == VG_ERR_TRUNCATED) {
        pdf_doc_error(doc, err, "stream of object %u at offset %llu: %s; scanning what was decoded",
                      e->num, (unsigned long long)s->data_off,
                      dec != NULL ? pdf_decoder_message(dec) : "bad data");
        err = VG_OK;
    } else if (err == VG_ERR_IO) {
        pdf_doc_error(doc, err, "stream of object %u at offset %llu: read error", e->num,
                      (unsigned long long)s->data_off);
        doc->stopped = 1;
        err = VG_OK;
    }
    pdf_cipher_free(cx);
    pdf_decoder_free(dec);
    return err;
}
