/* PDF stream filters as a push pipeline.
 *
 *     /Filter [/ASCIIHexDecode /FlateDecode] /DecodeParms [null <</Predictor 12 /Columns 5>>]
 *
 * becomes raw -> AHx -> Flate -> PNG predictor -> sink: the caller pushes
 * the stored bytes in pieces of any size (a stream may be larger than an
 * fmap window), every stage decodes what it can and pushes its output on,
 * and the sink (a vgi_child, or a capped buffer for object streams) sees
 * the decoded bytes as they come. Nothing is held whole. */
#ifndef VGI_FMT_PDF_FILTER_H
#define VGI_FMT_PDF_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

/* Longest /Filter array decoded. */
#define PDF_MAX_FILTERS 8
/* Largest predictor row (bytes), whatever /Columns claims. */
#define PDF_MAX_ROW ((size_t)1 << 20)

typedef enum pdf_filter_kind {
    PDF_F_FLATE,
    PDF_F_AHX,
    PDF_F_A85,
    PDF_F_LZW,
    PDF_F_RL,
} pdf_filter_kind;

typedef struct pdf_filter_spec {
    pdf_filter_kind kind;
    /* /DecodeParms of Flate and LZW; predictor 0 or 1 means none. */
    unsigned predictor, colors, bpc, columns;
    int early_change; /* LZW, default 1 */
} pdf_filter_spec;

/* Where decoded bytes go. write returns VG_OK or the reason to stop
 * (VG_ERR_LIMIT, VG_ERR_ABORTED, VG_ERR_NOMEM). stop (may be NULL) is asked
 * now and then whether the scan must end (time limit, abort). */
typedef struct pdf_sink {
    vg_error (*write)(void *ud, const uint8_t *p, size_t n);
    int (*stop)(void *ud);
    void *ud;
} pdf_sink;

typedef struct pdf_decoder pdf_decoder;

/* Checks spec (Predictor, Colors, BitsPerComponent, Columns): 0 if the
 * predictor is unusable (then decode without it). */
int pdf_predictor_valid(const pdf_filter_spec *spec);

/* A pipeline of n (<= PDF_MAX_FILTERS) filters ending in sink. work_cap
 * bounds the bytes the intermediate stages may produce (a Flate of a Flate
 * of white space feeding ASCIIHex emits nothing but costs time):
 * exceeding it stops the pipeline with VG_ERR_LIMIT and sets
 * pdf_decoder_work_exceeded(). */
vg_error pdf_decoder_new(const pdf_filter_spec *spec, size_t n, const pdf_sink *sink,
                         uint64_t work_cap, pdf_decoder **out);

/* Pushes stored bytes. VG_OK to go on; anything else means stop pushing:
 * the sink's error, VG_ERR_LIMIT (work cap), or VG_ERR_MALFORMED (the data
 * is corrupt; what was decoded before has reached the sink). Data after
 * the end marker of a filter is ignored. */
vg_error pdf_decoder_write(pdf_decoder *d, const uint8_t *p, size_t n);

/* Flushes every stage. VG_ERR_TRUNCATED when a Flate stream had not
 * ended, VG_ERR_MALFORMED for corrupt data, else as write. */
vg_error pdf_decoder_finish(pdf_decoder *d);

int pdf_decoder_work_exceeded(const pdf_decoder *d);
/* Short text for the first data error ("flate: invalid distance"), or "". */
const char *pdf_decoder_message(const pdf_decoder *d);

void pdf_decoder_free(pdf_decoder *d);

#endif
