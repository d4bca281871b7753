/* Test helper: builds body-signature IR by hand, without the hex parser, so
 * the matcher's tests pin down the IR contract of lib/sig/sig.h itself:
 *
 *     irb b; irb_init(&b);
 *     irb_hex(&b, "4d5a??90");          BYTES (?? a? ?a allowed)
 *     irb_gap(&b, 2, 4);                GAP 2..4 (VGI_GAP_INF for '*')
 *     irb_alt(&b, 0, "6869", "6c6c", NULL);   ALT; 1 for !(..)
 *     irb_bound(&b, 'B');
 *     const vgi_body_sig *sig = irb_done(&b);
 *     anchors_of(sig, an, max)          every (element, byte) a hit may name
 *
 * Everything lives inside the irb, so nothing needs freeing. */
#ifndef VGT_IR_BUILD_H
#define VGT_IR_BUILD_H

#include <stdarg.h>
#include <string.h>
#include "match/match.h"

typedef struct irb {
    vgi_body_sig sig;
    vgi_el el[128];
    uint8_t val[4096], mask[4096];
    vgi_alt alts[512];
    int bad;
} irb;

static inline void irb_init(irb *b)
{
    memset(b, 0, sizeof *b);
    b->sig.el = b->el;
    b->sig.val = b->val;
    b->sig.mask = b->mask;
    b->sig.alts = b->alts;
}

static inline int irb_nib(char c, int *v)
{
    if (c >= '0' && c <= '9')
        *v = c - '0';
    else if (c >= 'a' && c <= 'f')
        *v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
        *v = c - 'A' + 10;
    else if (c == '?')
        *v = -1;
    else
        return 0;
    return 1;
}

/* Appends masked bytes from hex; returns how many. */
static inline uint32_t irb_bytes(irb *b, const char *hex)
{
    uint32_t n = 0;
    for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
        int hi, lo;
        if (!irb_nib(hex[i], &hi) || !irb_nib(hex[i + 1], &lo) || b->sig.n_bytes >= 4096) {
            b->bad = 1;
            return n;
        }
        b->val[b->sig.n_bytes] = (uint8_t)(((hi < 0 ? 0 : hi) << 4) | (lo < 0 ? 0 : lo));
        b->mask[b->sig.n_bytes] = (uint8_t)((hi < 0 ? 0 : 0xf0) | (lo < 0 ? 0 : 0x0f));
        b->sig.n_bytes++;
        n++;
    }
    return n;
}

static inline vgi_el *irb_new(irb *b, uint8_t kind)
{
    vgi_el *e = &b->el[b->sig.n_el++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    return e;
}

static inline void irb_hex(irb *b, const char *hex)
{
    uint32_t off = b->sig.n_bytes;
    vgi_el *e = irb_new(b, VGI_EL_BYTES);
    e->off = off;
    e->len = irb_bytes(b, hex);
    b->sig.min_len += e->len;
}

static inline void irb_gap(irb *b, uint32_t min, uint32_t max)
{
    vgi_el *e = irb_new(b, VGI_EL_GAP);
    e->min = min;
    e->max = max;
    b->sig.min_len += min;
}

/* Alternatives as hex strings, NULL-terminated. */
static inline void irb_alt(irb *b, int neg, ...)
{
    vgi_el *e = irb_new(b, VGI_EL_ALT);
    e->neg = (uint8_t)neg;
    e->off = b->sig.n_alts;
    e->min = UINT32_MAX;
    va_list ap;
    va_start(ap, neg);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;) {
        vgi_alt *a = &b->alts[b->sig.n_alts++];
        a->off = b->sig.n_bytes;
        a->len = irb_bytes(b, s);
        if (a->len < e->min)
            e->min = a->len;
        if (a->len > e->max)
            e->max = a->len;
        e->len++;
    }
    va_end(ap);
    b->sig.min_len += e->min;
}

static inline void irb_bound(irb *b, char kind)
{
    vgi_el *e = irb_new(b, VGI_EL_BOUND);
    e->bound = (uint8_t)kind;
}

static inline void irb_offset(irb *b, vgi_off_kind kind, uint64_t off, uint64_t range)
{
    b->sig.off_kind = (uint8_t)kind;
    b->sig.off = off;
    b->sig.off_range = range;
}

static inline const vgi_body_sig *irb_done(irb *b)
{
    return &b->sig;
}

/* Where a prefilter hit can place a signature: element el, byte of it. */
typedef struct anchor {
    uint32_t el, byte;
} anchor;

/* Every anchor a prefilter could report for s: each byte of each BYTES
 * element and each ALT. */
static inline size_t anchors_of(const vgi_body_sig *s, anchor *out, size_t max)
{
    size_t n = 0;
    for (uint32_t i = 0; i < s->n_el; i++) {
        const vgi_el *e = &s->el[i];
        if (e->kind == VGI_EL_BYTES)
            for (uint32_t b = 0; b < e->len && n < max; b++)
                out[n++] = (anchor){i, b};
        else if (e->kind == VGI_EL_ALT && n < max)
            out[n++] = (anchor){i, 0};
    }
    return n;
}

#endif
