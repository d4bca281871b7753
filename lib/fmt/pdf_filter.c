/* PDF stream filters: the pipeline, Flate, ASCIIHex, ASCII85, RunLength.
 *
 *     stored:   78 9c f3 48 cd c9 c9 07 00 ...      /Filter /FlateDecode
 *     flate:    "Hello"                             -> sink
 *
 * Every stage keeps only its own small state (a zlib stream, a half-read
 * hex digit, an ASCII85 tuple, a run length) and pushes its output on as
 * soon as it has some, so a stream larger than any window, or a bomb, is
 * never held whole: the sink (vgi_child_write) says when to stop.
 *
 * Lenient where viewers are, because malware relies on what viewers accept:
 * a Flate stream whose zlib header is wrong is read as raw deflate, a bad
 * Adler-32 at the very end is ignored, what was inflated before corrupt or
 * missing data is kept (the sink has it), ASCII85 may start with "<~" and
 * a short last tuple is padded. Work is bounded: intermediate stages may
 * produce at most work_cap bytes in all (a Flate of white space feeding
 * ASCIIHex emits nothing, so no sink limit would ever stop it), and the
 * sink's stop() is asked every megabyte. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "../core/mem.h"
#include "pdf_stage.h"

#define STOP_EVERY ((uint64_t)1 << 20)
#define OUT_CHUNK  16384

struct pdf_decoder {
    pdf_stage *st[2 * PDF_MAX_FILTERS]; /* a filter, and its predictor */
    unsigned n;
    pdf_sink sink;
    uint64_t work, work_cap, total, next_check;
    int work_exceeded;
    vg_error data_err;
    char msg[96];
};

vg_error pdf_stage_fail(pdf_decoder *d, vg_error code, const char *msg)
{
    if (d->data_err == VG_OK) {
        d->data_err = code;
        snprintf(d->msg, sizeof d->msg, "%s", msg);
    }
    return code;
}

vg_error pdf_stage_emit(pdf_decoder *d, pdf_stage *s, const uint8_t *p, size_t n)
{
    if (n == 0)
        return VG_OK;
    d->total += n;
    if (d->total >= d->next_check) {
        d->next_check = d->total + STOP_EVERY;
        if (d->sink.stop != NULL && d->sink.stop(d->sink.ud))
            return VG_ERR_ABORTED;
    }
    if (s->idx + 1 >= d->n)
        return d->sink.write(d->sink.ud, p, n);
    d->work += n;
    if (d->work > d->work_cap) {
        d->work_exceeded = 1;
        return VG_ERR_LIMIT;
    }
    pdf_stage *next = d->st[s->idx + 1];
    return next->done ? VG_OK : next->write(d, next, p, n);
}

/* ---- FlateDecode ---- */

typedef struct flate_stage {
    pdf_stage base;
    z_stream z;
    int init;
    unsigned nhdr;
    uint8_t hdr[2];
    uint8_t out[OUT_CHUNK];
} flate_stage;

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return vg_calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    vg_free(p);
}

static vg_error flate_feed(pdf_decoder *d, flate_stage *f, const uint8_t *p, size_t n)
{
    while (n > 0 && !f->base.done) {
        uInt take = n > (1u << 30) ? 1u << 30 : (uInt)n;
        f->z.next_in = (Bytef *)(uintptr_t)p;
        f->z.avail_in = take;
        for (;;) {
            f->z.next_out = f->out;
            f->z.avail_out = sizeof f->out;
            int ret = inflate(&f->z, Z_NO_FLUSH);
            size_t made = sizeof f->out - f->z.avail_out;
            vg_error err = pdf_stage_emit(d, &f->base, f->out, made);
            if (err != VG_OK)
                return err;
            if (ret == Z_STREAM_END) {
                f->base.done = 1;
                return VG_OK;
            }
            if (ret == Z_DATA_ERROR && f->z.msg != NULL &&
                strcmp(f->z.msg, "incorrect data check") == 0) {
                f->base.done = 1; /* only the Adler-32 is wrong: the data is whole */
                return VG_OK;
            }
            if (ret == Z_MEM_ERROR)
                return VG_ERR_NOMEM;
            if (ret != Z_OK && ret != Z_BUF_ERROR) {
                f->base.done = 1;
                return pdf_stage_fail(d, VG_ERR_MALFORMED, f->z.msg ? f->z.msg : "corrupt");
            }
            if (f->z.avail_in == 0 && made < sizeof f->out)
                break;
            if (ret == Z_BUF_ERROR && made == 0)
                break;
        }
        p += take - f->z.avail_in;
        n -= take - f->z.avail_in;
        if (f->z.avail_in != 0)
            break; /* no progress possible */
    }
    return VG_OK;
}

static vg_error flate_write(pdf_decoder *d, pdf_stage *s, const uint8_t *p, size_t n)
{
    flate_stage *f = (flate_stage *)s;
    if (!f->init) {
        while (f->nhdr < 2 && n > 0) {
            f->hdr[f->nhdr++] = *p++;
            n--;
        }
        if (f->nhdr < 2)
            return VG_OK;
        /* A valid zlib header: CM 8, window <= 32 KiB, check bits. Anything
         * else is read as raw deflate, as viewers do. */
        unsigned h = (unsigned)f->hdr[0] << 8 | f->hdr[1];
        int zlib = (f->hdr[0] & 0x0f) == 8 && (f->hdr[0] >> 4) <= 7 && h % 31 == 0;
        f->z.zalloc = z_alloc;
        f->z.zfree = z_free;
        int ret = inflateInit2(&f->z, zlib ? 15 : -15);
        if (ret != Z_OK)
            return ret == Z_MEM_ERROR ? VG_ERR_NOMEM : VG_ERR_MALFORMED;
        f->init = 1;
        vg_error err = flate_feed(d, f, f->hdr, 2);
        if (err != VG_OK)
            return err;
    }
    return flate_feed(d, f, p, n);
}

static vg_error flate_finish(pdf_decoder *d, pdf_stage *s)
{
    if (!((flate_stage *)s)->init && ((flate_stage *)s)->nhdr == 0)
        return VG_OK; /* an empty stream */
    return pdf_stage_fail(d, VG_ERR_TRUNCATED, "flate data cut short");
}

static void flate_free(pdf_stage *s)
{
    flate_stage *f = (flate_stage *)s;
    if (f->init)
        inflateEnd(&f->z);
}

/* ---- ASCIIHexDecode ---- */

typedef struct hex_stage {
    pdf_stage base;
    int hi;
} hex_stage;

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_white(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0;
}

static vg_error hex_write(pdf_decoder *d, pdf_stage *s, const uint8_t *p, size_t n)
{
    hex_stage *h = (hex_stage *)s;
    uint8_t out[OUT_CHUNK];
    size_t o = 0;
    vg_error err = VG_OK;
    for (size_t i = 0; i < n && err == VG_OK; i++) {
        int v = hexval(p[i]);
        if (v < 0) {
            if (is_white(p[i]))
                continue;
            s->done = 1;
            if (p[i] != '>')
                err = pdf_stage_fail(d, VG_ERR_MALFORMED, "ASCIIHex: invalid character");
            break;
        }
        if (h->hi < 0) {
            h->hi = v;
            continue;
        }
        out[o++] = (uint8_t)(h->hi << 4 | v);
        h->hi = -1;
        if (o == sizeof out) {
            err = pdf_stage_emit(d, s, out, o);
            o = 0;
        }
    }
    vg_error e2 = err == VG_OK || err == VG_ERR_MALFORMED ? pdf_stage_emit(d, s, out, o) : VG_OK;
    return e2 != VG_OK ? e2 : err;
}

static vg_error hex_finish(pdf_decoder *d, pdf_stage *s)
{
    hex_stage *h = (hex_stage *)s;
    if (h->hi < 0)
        return VG_OK;
    uint8_t b = (uint8_t)(h->hi << 4);
    h->hi = -1;
    return pdf_stage_emit(d, s, &b, 1);
}

/* ---- ASCII85Decode ---- */

typedef struct a85_stage {
    pdf_stage base;
    unsigned count; /* characters of the current tuple */
    uint64_t value;
    int pre; /* 0: nothing yet, 1: '<' seen first, 2: past the prefix or data */
} a85_stage;

static void put_be32(uint8_t *o, uint32_t v)
{
    o[0] = (uint8_t)(v >> 24);
    o[1] = (uint8_t)(v >> 16);
    o[2] = (uint8_t)(v >> 8);
    o[3] = (uint8_t)v;
}

static vg_error a85_write(pdf_decoder *d, pdf_stage *s, const uint8_t *p, size_t n)
{
    a85_stage *a = (a85_stage *)s;
    uint8_t out[OUT_CHUNK];
    size_t o = 0;
    vg_error err = VG_OK;
    for (size_t i = 0; i < n && err == VG_OK; i++) {
        uint8_t c = p[i];
        if (is_white(c))
            continue;
        if (a->pre == 0 && c == '<') {
            a->pre = 1;
            continue;
        }
        if (a->pre == 1 && c == '~') {
            a->pre = 2;
            continue;
        }
        a->pre = 2;
        if (c == '~') {
            s->done = 1;
            break;
        }
        if (c == 'z' && a->count == 0) {
            memset(out + o, 0, 4);
            o += 4;
        } else if (c >= '!' && c <= 'u') {
            a->value = a->value * 85 + (uint64_t)(c - '!');
            if (++a->count < 5)
                continue;
            if (a->value > UINT32_MAX) {
                s->done = 1;
                err = pdf_stage_fail(d, VG_ERR_MALFORMED, "ASCII85: tuple out of range");
                break;
            }
            put_be32(out + o, (uint32_t)a->value);
            o += 4;
            a->count = 0;
            a->value = 0;
        } else {
            s->done = 1;
            err = pdf_stage_fail(d, VG_ERR_MALFORMED, "ASCII85: invalid character");
            break;
        }
        if (o > sizeof out - 4) {
            err = pdf_stage_emit(d, s, out, o);
            o = 0;
        }
    }
    vg_error e2 = err == VG_OK || err == VG_ERR_MALFORMED ? pdf_stage_emit(d, s, out, o) : VG_OK;
    return e2 != VG_OK ? e2 : err;
}

static vg_error a85_finish(pdf_decoder *d, pdf_stage *s)
{
    a85_stage *a = (a85_stage *)s;
    if (a->count < 2)
        return VG_OK;
    unsigned k = a->count;
    uint64_t v = a->value;
    for (unsigned i = k; i < 5; i++)
        v = v * 85 + 84; /* pad with 'u' */
    a->count = 0;
    if (v > UINT32_MAX)
        return pdf_stage_fail(d, VG_ERR_MALFORMED, "ASCII85: last tuple out of range");
    uint8_t out[4];
    put_be32(out, (uint32_t)v);
    return pdf_stage_emit(d, s, out, k - 1);
}

/* ---- RunLengthDecode ---- */

typedef struct rl_stage {
    pdf_stage base;
    unsigned literal; /* literal bytes still to copy */
    unsigned repeat;  /* > 0: the next byte is repeated this often */
} rl_stage;

static vg_error rl_write(pdf_decoder *d, pdf_stage *s, const uint8_t *p, size_t n)
{
    rl_stage *r = (rl_stage *)s;
    uint8_t out[OUT_CHUNK];
    size_t o = 0;
    vg_error err = VG_OK;
    for (size_t i = 0; i < n && err == VG_OK; i++) {
        uint8_t c = p[i];
        if (r->literal > 0) {
            out[o++] = c;
            r->literal--;
        } else if (r->repeat > 0) {
            memset(out + o, c, r->repeat);
            o += r->repeat;
            r->repeat = 0;
        } else if (c < 128) {
            r->literal = c + 1u;
        } else if (c > 128) {
            r->repeat = 257u - c;
        } else {
            s->done = 1;
            break;
        }
        if (o > sizeof out - 128) {
            err = pdf_stage_emit(d, s, out, o);
            o = 0;
        }
    }
    if (err != VG_OK)
        return err;
    return pdf_stage_emit(d, s, out, o);
}

/* ---- the pipeline ---- */

static vg_error no_finish(pdf_decoder *d, pdf_stage *s)
{
    (void)d;
    (void)s;
    return VG_OK;
}

static void no_free(pdf_stage *s)
{
    (void)s;
}

static pdf_stage *stage_new(const pdf_filter_spec *spec)
{
    pdf_stage *s = NULL;
    switch (spec->kind) {
    case PDF_F_FLATE:
        s = vg_calloc(1, sizeof(flate_stage));
        if (s != NULL) {
            s->write = flate_write;
            s->finish = flate_finish;
            s->free = flate_free;
        }
        return s;
    case PDF_F_AHX:
        s = vg_calloc(1, sizeof(hex_stage));
        if (s != NULL) {
            ((hex_stage *)s)->hi = -1;
            s->write = hex_write;
            s->finish = hex_finish;
        }
        break;
    case PDF_F_A85:
        s = vg_calloc(1, sizeof(a85_stage));
        if (s != NULL) {
            s->write = a85_write;
            s->finish = a85_finish;
        }
        break;
    case PDF_F_RL:
        s = vg_calloc(1, sizeof(rl_stage));
        if (s != NULL) {
            s->write = rl_write;
            s->finish = no_finish;
        }
        break;
    case PDF_F_LZW:
        return pdf_stage_lzw_new(spec);
    }
    if (s != NULL)
        s->free = no_free;
    return s;
}

int pdf_predictor_valid(const pdf_filter_spec *spec)
{
    unsigned b = spec->bpc;
    if (spec->predictor != 2 && (spec->predictor < 10 || spec->predictor > 15))
        return 0;
    if (b != 1 && b != 2 && b != 4 && b != 8 && b != 16)
        return 0;
    if (spec->colors < 1 || spec->colors > 32 || spec->columns < 1 ||
        spec->columns > PDF_MAX_ROW * 8)
        return 0;
    uint64_t row = ((uint64_t)spec->columns * spec->colors * b + 7) / 8;
    return row <= PDF_MAX_ROW;
}

vg_error pdf_decoder_new(const pdf_filter_spec *spec, size_t n, const pdf_sink *sink,
                         uint64_t work_cap, pdf_decoder **out)
{
    *out = NULL;
    if (n == 0 || n > PDF_MAX_FILTERS)
        return VG_ERR_INVALID_ARG;
    pdf_decoder *d = vg_calloc(1, sizeof *d);
    if (d == NULL)
        return VG_ERR_NOMEM;
    d->sink = *sink;
    d->work_cap = work_cap;
    d->next_check = STOP_EVERY;
    for (size_t i = 0; i < n; i++) {
        pdf_stage *s = stage_new(&spec[i]);
        if (s == NULL)
            goto nomem;
        s->idx = d->n;
        d->st[d->n++] = s;
        if ((spec[i].kind == PDF_F_FLATE || spec[i].kind == PDF_F_LZW) && spec[i].predictor > 1 &&
            pdf_predictor_valid(&spec[i])) {
            s = pdf_stage_predict_new(&spec[i]);
            if (s == NULL)
                goto nomem;
            s->idx = d->n;
            d->st[d->n++] = s;
        }
    }
    *out = d;
    return VG_OK;
nomem:
    pdf_decoder_free(d);
    return VG_ERR_NOMEM;
}

vg_error pdf_decoder_write(pdf_decoder *d, const uint8_t *p, size_t n)
{
    pdf_stage *s = d->st[0];
    if (s->done)
        return d->data_err != VG_OK ? d->data_err : VG_OK;
    return s->write(d, s, p, n);
}

vg_error pdf_decoder_finish(pdf_decoder *d)
{
    vg_error first = VG_OK;
    for (unsigned i = 0; i < d->n; i++) {
        pdf_stage *s = d->st[i];
        if (s->done)
            continue;
        s->done = 1;
        vg_error err = s->finish(d, s);
        if (err == VG_ERR_LIMIT || err == VG_ERR_ABORTED || err == VG_ERR_NOMEM)
            return err;
        if (first == VG_OK)
            first = err;
    }
    return first != VG_OK ? first : d->data_err;
}

int pdf_decoder_work_exceeded(const pdf_decoder *d)
{
    return d->work_exceeded;
}

const char *pdf_decoder_message(const pdf_decoder *d)
{
    return d->msg;
}

void pdf_decoder_free(pdf_decoder *d)
{
    if (d == NULL)
        return;
    for (unsigned i = 0; i < d->n; i++) {
        d->st[i]->free(d->st[i]);
        vg_free(d->st[i]);
    }
    vg_free(d);
}
