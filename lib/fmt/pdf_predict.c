/* Predictors of /DecodeParms (after Flate or LZW).
 *
 *     /Predictor 12 /Columns 4:   02 01 01 01 01  02 01 01 01 01
 *                                 ^type "Up"      ^type "Up"
 *     decoded rows:               01 01 01 01     02 02 02 02
 *
 * PNG (/Predictor >= 10): every row starts with its own filter type
 * (None, Sub, Up, Average, Paeth; an unknown type is read as None). TIFF
 * (/Predictor 2): each sample adds the one a pixel to its left. A row is
 * ceil(Columns * Colors * BitsPerComponent / 8) bytes, checked against
 * PDF_MAX_ROW by pdf_predictor_valid() before anything is allocated, so a
 * huge /Columns cannot make us allocate more. A cut last row is decoded as
 * far as it goes. */
#include <string.h>

#include "../core/mem.h"
#include "pdf_stage.h"

typedef struct predict_stage {
    pdf_stage base;
    int png;
    unsigned colors, bpc;
    size_t row, bpp, have;
    uint8_t *prev; /* previous decoded row (PNG) */
    uint8_t *cur;  /* PNG: type byte + row; TIFF: row */
} predict_stage;

static uint8_t paeth(int a, int b, int c)
{
    int p = a + b - c;
    int pa = p > a ? p - a : a - p;
    int pb = p > b ? p - b : b - p;
    int pc = p > c ? p - c : c - p;
    if (pa <= pb && pa <= pc)
        return (uint8_t)a;
    return (uint8_t)(pb <= pc ? b : c);
}

/* Decodes the n bytes of a PNG row in place (cur + 1) against prev. */
static void png_row(predict_stage *s, size_t n)
{
    uint8_t type = s->cur[0];
    uint8_t *x = s->cur + 1;
    const uint8_t *up = s->prev;
    size_t bpp = s->bpp;
    for (size_t i = 0; i < n; i++) {
        int a = i >= bpp ? x[i - bpp] : 0;
        int b = up[i];
        int c = i >= bpp ? up[i - bpp] : 0;
        switch (type) {
        case 1:
            x[i] = (uint8_t)(x[i] + a);
            break;
        case 2:
            x[i] = (uint8_t)(x[i] + b);
            break;
        case 3:
            x[i] = (uint8_t)(x[i] + (a + b) / 2);
            break;
        case 4:
            x[i] = (uint8_t)(x[i] + paeth(a, b, c));
            break;
        default:
            break;
        }
    }
    memcpy(s->prev, x, n);
}

static unsigned get_bits(const uint8_t *row, size_t k, unsigned bpc)
{
    size_t bit = k * bpc;
    unsigned shift = 8 - bpc - (unsigned)(bit % 8);
    return (row[bit / 8] >> shift) & ((1u << bpc) - 1);
}

static void set_bits(uint8_t *row, size_t k, unsigned bpc, unsigned v)
{
    size_t bit = k * bpc;
    unsigned shift = 8 - bpc - (unsigned)(bit % 8);
    unsigned mask = ((1u << bpc) - 1) << shift;
    row[bit / 8] = (uint8_t)((row[bit / 8] & ~mask) | ((v << shift) & mask));
}

/* Decodes the n bytes of a TIFF row in place. */
static void tiff_row(predict_stage *s, size_t n)
{
    uint8_t *x = s->cur;
    size_t colors = s->colors;
    if (s->bpc == 8) {
        for (size_t i = colors; i < n; i++)
            x[i] = (uint8_t)(x[i] + x[i - colors]);
    } else if (s->bpc == 16) {
        for (size_t i = 2 * colors; i + 1 < n; i += 2) {
            unsigned v = ((unsigned)x[i] << 8 | x[i + 1]) +
                         ((unsigned)x[i - 2 * colors] << 8 | x[i - 2 * colors + 1]);
            x[i] = (uint8_t)(v >> 8);
            x[i + 1] = (uint8_t)v;
        }
    } else {
        size_t samples = n * 8 / s->bpc;
        for (size_t k = colors; k < samples; k++)
            set_bits(x, k, s->bpc, get_bits(x, k, s->bpc) + get_bits(x, k - colors, s->bpc));
    }
}

static vg_error predict_write(pdf_decoder *d, pdf_stage *st, const uint8_t *p, size_t n)
{
    predict_stage *s = (predict_stage *)st;
    size_t full = s->row + (s->png ? 1 : 0);
    while (n > 0) {
        size_t take = full - s->have < n ? full - s->have : n;
        memcpy(s->cur + s->have, p, take);
        s->have += take;
        p += take;
        n -= take;
        if (s->have < full)
            break;
        s->have = 0;
        if (s->png)
            png_row(s, s->row);
        else
            tiff_row(s, s->row);
        vg_error err = pdf_stage_emit(d, st, s->cur + (s->png ? 1 : 0), s->row);
        if (err != VG_OK)
            return err;
    }
    return VG_OK;
}

static vg_error predict_finish(pdf_decoder *d, pdf_stage *st)
{
    predict_stage *s = (predict_stage *)st;
    size_t n = s->have;
    s->have = 0;
    if (s->png) {
        if (n <= 1)
            return VG_OK;
        png_row(s, n - 1);
        return pdf_stage_emit(d, st, s->cur + 1, n - 1);
    }
    tiff_row(s, n);
    return pdf_stage_emit(d, st, s->cur, n);
}

static void predict_free(pdf_stage *st)
{
    predict_stage *s = (predict_stage *)st;
    vg_free(s->prev);
    vg_free(s->cur);
}

pdf_stage *pdf_stage_predict_new(const pdf_filter_spec *spec)
{
    predict_stage *s = vg_calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->base.write = predict_write;
    s->base.finish = predict_finish;
    s->base.free = predict_free;
    s->png = spec->predictor >= 10;
    s->colors = spec->colors;
    s->bpc = spec->bpc;
    /* pdf_predictor_valid() bounded these: the row is at most PDF_MAX_ROW. */
    s->row = ((size_t)spec->columns * spec->colors * spec->bpc + 7) / 8;
    s->bpp = ((size_t)spec->colors * spec->bpc + 7) / 8;
    s->prev = vg_calloc(1, s->row);
    s->cur = vg_calloc(1, s->row + 1);
    if (s->prev == NULL || s->cur == NULL) {
        predict_free(&s->base);
        vg_free(s);
        return NULL;
    }
    return &s->base;
}
