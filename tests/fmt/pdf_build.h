/* What the PDF handler's tests share: a PDF writer (objects, streams,
 * xref, trailer), encoders for every filter (deflate via zlib, ASCIIHex,
 * ASCII85, LZW, RunLength, PNG predictor), the marker payload and its
 * signature, and the scan checks. Included by one test program each. */
#ifndef VGT_PDF_BUILD_H
#define VGT_PDF_BUILD_H

#include "testutil.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "core/mem.h"
#include "fmt_testbuf.h"

static uint8_t payload[544];
static char sigline[200];

/* ---- a growable buffer and a PDF writer ---- */

typedef tbuf buf;

static inline void b_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void b_printf(buf *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof tmp);
    tb_put(b, tmp, (size_t)n);
}

static size_t offs[64];

static inline void pdf_head(buf *b)
{
    memset(offs, 0, sizeof offs);
    tb_str(b, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
}

static inline void pdf_obj(buf *b, unsigned num, const char *body)
{
    if (num < 64)
        offs[num] = b->n;
    b_printf(b, "%u 0 obj\n%s\nendobj\n", num, body);
}

/* A stream with a direct, correct /Length and extra dictionary entries. */
static inline void pdf_stream(buf *b, unsigned num, const char *extra, const void *data, size_t len)
{
    if (num < 64)
        offs[num] = b->n;
    b_printf(b, "%u 0 obj\n<< /Length %zu %s >>\nstream\n", num, len, extra);
    tb_put(b, data, len);
    tb_str(b, "\nendstream\nendobj\n");
}

/* xref table with the recorded offsets, trailer, startxref. */
static inline void pdf_tail(buf *b, unsigned nobj, const char *trailer_extra)
{
    size_t x = b->n;
    b_printf(b, "xref\n0 %u\n0000000000 65535 f \n", nobj + 1);
    for (unsigned i = 1; i <= nobj; i++)
        b_printf(b, "%010zu 00000 n \n", offs[i]);
    b_printf(b, "trailer\n<< /Size %u /Root 1 0 R %s >>\nstartxref\n%zu\n%%%%EOF\n", nobj + 1,
             trailer_extra, x);
}

static inline void pdf_catalog(buf *b)
{
    pdf_obj(b, 1, "<< /Type /Catalog /Pages 2 0 R >>");
    pdf_obj(b, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    pdf_obj(b, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
}

/* ---- encoders ---- */

static inline uint8_t *deflate_buf(const void *data, size_t len, size_t *out_len)
{
    uLongf n = compressBound(len);
    uint8_t *o = malloc(n);
    assert_non_null(o);
    assert_int_equal(compress2(o, &n, data, len, 9), Z_OK);
    *out_len = n;
    return o;
}

static inline void enc_ahx(buf *o, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b_printf(o, "%02X%s", d[i], i % 32 == 31 ? "\n" : "");
    tb_str(o, ">");
}

static inline void enc_a85(buf *o, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i += 4) {
        size_t k = n - i < 4 ? n - i : 4;
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++)
            v = v << 8 | (j < k ? d[i + j] : 0);
        if (k == 4 && v == 0) {
            tb_str(o, "z");
            continue;
        }
        char c[5];
        for (int j = 4; j >= 0; j--) {
            c[j] = (char)('!' + v % 85);
            v /= 85;
        }
        tb_put(o, c, k + 1);
        if (i % 64 == 60)
            tb_str(o, "\n");
    }
    tb_str(o, "~>");
}

static inline unsigned bitlen(unsigned x)
{
    unsigned n = 0;
    while (x) {
        n++;
        x >>= 1;
    }
    return n;
}

/* LZW with EarlyChange 1, as PDF writers do (no table reset: short input). */
static inline void enc_lzw(buf *o, const uint8_t *d, size_t n)
{
    uint16_t *child = calloc(4096 * 256, sizeof *child);
    assert_non_null(child);
    unsigned next = 258, w = d[0];
    uint32_t acc = 0;
    unsigned nbits = 0;
#define PUT(code, width)                                                                           \
    do {                                                                                           \
        acc = acc << (width) | (code);                                                             \
        nbits += (width);                                                                          \
        while (nbits >= 8) {                                                                       \
            uint8_t byte = (uint8_t)(acc >> (nbits - 8));                                          \
            tb_put(o, &byte, 1);                                                                   \
            nbits -= 8;                                                                            \
        }                                                                                          \
    } while (0)
    PUT(256u, 9u); /* a clear code first, as many writers do */
    for (size_t i = 1; i < n; i++) {
        unsigned c = d[i];
        if (child[w * 256 + c]) {
            w = child[w * 256 + c];
            continue;
        }
        unsigned width = bitlen(next - 1 + 1);
        PUT(w, width > 12 ? 12 : width);
        assert_true(next < 4000);
        child[w * 256 + c] = (uint16_t)next++;
        w = c;
    }
    unsigned width = bitlen(next - 1 + 1);
    PUT(w, width);
    width = bitlen(next + 1);
    PUT(257u, width);
    if (nbits > 0)
        PUT(0u, 8 - nbits);
#undef PUT
    free(child);
}

static inline void enc_rl(buf *o, const uint8_t *d, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = 1;
        while (i + run < n && run < 128 && d[i + run] == d[i])
            run++;
        if (run >= 2) {
            uint8_t h[2] = {(uint8_t)(257 - run), d[i]};
            tb_put(o, h, 2);
            i += run;
            continue;
        }
        size_t lit = 1;
        while (i + lit < n && lit < 128 && !(i + lit + 1 < n && d[i + lit] == d[i + lit + 1]))
            lit++;
        uint8_t h = (uint8_t)(lit - 1);
        tb_put(o, &h, 1);
        tb_put(o, d + i, lit);
        i += lit;
    }
    uint8_t eod = 128;
    tb_put(o, &eod, 1);
}

static inline int pred_paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* PNG rows of cols bytes (1 colour, 8 bits), the row filters in turn. */
static inline void enc_png(buf *o, const uint8_t *d, size_t n, size_t cols)
{
    for (size_t r = 0; r * cols < n; r++) {
        uint8_t t = (uint8_t)(r % 5);
        tb_put(o, &t, 1);
        for (size_t i = 0; i < cols; i++) {
            size_t at = r * cols + i;
            int x = at < n ? d[at] : 0;
            int a = i > 0 && at - 1 < n ? d[at - 1] : 0;
            int up = r > 0 ? d[at - cols] : 0;
            int c = r > 0 && i > 0 ? d[at - cols - 1] : 0;
            int p = t == 0   ? 0
                    : t == 1 ? a
                    : t == 2 ? up
                    : t == 3 ? (a + up) / 2
                             : pred_paeth(a, up, c);
            uint8_t v = (uint8_t)(x - p);
            tb_put(o, &v, 1);
        }
    }
}

/* ---- scanning helpers ---- */

static inline int chain_detects(const vgt_events *ev, const char *sig, const char *chain)
{
    for (size_t i = 0; i < ev->n; i++)
        if (ev->ev[i].kind == VG_EVENT_DETECTION && strcmp(ev->ev[i].signature, sig) == 0 &&
            (chain == NULL || strcmp(ev->ev[i].chain, chain) == 0))
            return 1;
    return 0;
}

/* Scans b, expects the payload in chain (NULL: anywhere) and no error. */
static inline void expect_payload(vg_engine *e, const buf *b, const char *chain, int errors)
{
    vgt_events ev;
    vgt_scan_mem(e, b->p, b->n, VG_SCAN_ALLMATCH, &ev);
    if (!chain_detects(&ev, "Test.PDF.Payload", chain) ||
        (errors >= 0 && vgt_count_kind(&ev, VG_EVENT_ERROR) != errors))
        vgt_dump_events(&ev);
    assert_true(chain_detects(&ev, "Test.PDF.Payload", chain));
    if (errors >= 0)
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), errors);
}

#endif
