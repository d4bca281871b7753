/* Deflate64 (zip method 9), and plain deflate with the same code.
 *
 * Deflate64 is RFC 1951 with three changes, all in the tables: the window is
 * 64 KiB, length code 285 means "3 + the next 16 bits" (3..65538) instead of
 * 258, and distance codes 30 and 31, reserved in deflate, mean 32769 and
 * 49153 plus 14 extra bits (up to 65536 back). So one decoder serves both,
 * and the tests check it against zlib on plain deflate streams.
 *
 * Take the 7-Zip member "clam.exe" (544 bytes, method 9). The decoder pulls
 * input 16 KiB at a time with vg_fmap_read(), never past the member's
 * compressed size, into a 64-bit bit buffer read LSB first (RFC 1951 3.1.1).
 * Each block's Huffman codes are rebuilt as counts per length plus a 9-bit
 * lookup table; codes longer than 9 bits fall back to walking the canonical
 * code one bit at a time. Output goes into the 64 KiB circular window, which
 * is also the output buffer: whenever it fills, the full part is handed to
 * the sink, so the caller sees every 64 KiB and can stop a bomb there, and
 * memory stays at one window (plus tables) whatever the member inflates to.
 *
 * Hostile streams. Every loop consumes input bits or makes output, and a
 * block with neither cannot be made: the smallest block costs 3 bits. Empty
 * blocks make no output, so the sink gets a heartbeat (len 0) every 1024
 * blocks to check its clock. Codes are checked as zlib does: an
 * over-subscribed code is refused, an incomplete one is accepted only when it
 * has a single 1-bit code (a lone distance), a missing end-of-block code,
 * repeat before any length, a distance further back than the output made,
 * or a reserved symbol (286, 287; distance 30, 31 in plain deflate) is
 * VG_ERR_MALFORMED. Running out of input is VG_ERR_TRUNCATED. */
#include "inflate64.h"
#include "lsb_bits.h"
#include "lz_window.h"

#include <string.h>

#include "../core/mem.h"

#define WSIZE     65536u /* Deflate64's window; plain deflate reaches 32768 back */
#define INBUF     16384u
#define MAXBITS   15
#define FASTBITS  9
#define FASTSIZE  (1u << FASTBITS)
#define NLIT      288 /* literal/length symbols, the two reserved ones included */
#define NDIST     32
#define NCLEN     19
#define HEARTBEAT 1024u /* blocks between two len-0 sink calls */

/* Decoding results below zero. */
#define SYM_TRUNCATED (-1)
#define SYM_MALFORMED (-2)

typedef struct huff {
    uint16_t fast[FASTSIZE];     /* by the next 9 input bits: sym << 4 | len; 0 = slow path */
    uint16_t count[MAXBITS + 1]; /* codes per length */
    uint16_t sym[NLIT];          /* symbols in canonical order */
} huff;

typedef struct inflater {
    vgi_bits in; /* over inbuf */
    int deflate64;
    vgi_lz_window out; /* over win */
    int fixed_ready;
    huff lit, dist, fixlit, fixdist;
    uint8_t inbuf[INBUF];
    uint8_t win[WSIZE];
} inflater;

static const uint16_t lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                   31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint32_t dbase[32] = {1,    2,    3,    4,     5,     7,     9,     13,
                                   17,   25,   33,   49,    65,    97,    129,   193,
                                   257,  385,  513,  769,   1025,  1537,  2049,  3073,
                                   4097, 6145, 8193, 12289, 16385, 24577, 32769, 49153};
static const uint8_t dext[32] = {0, 0, 0, 0, 1, 1, 2,  2,  3,  3,  4,  4,  5,  5,  6,  6,
                                 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14};

/* ---- Huffman codes ---- */

static unsigned reverse(unsigned code, unsigned len)
{
    unsigned r = 0;
    for (unsigned i = 0; i < len; i++, code >>= 1)
        r = r << 1 | (code & 1);
    return r;
}

/* Canonical code from lengths (RFC 1951 3.2.2). Returns 0 for a complete
 * code, 1 for an incomplete one, -1 when over-subscribed. */
static int build(huff *h, const uint8_t *lens, unsigned n)
{
    uint16_t offs[MAXBITS + 1];
    unsigned next[MAXBITS + 1];
    memset(h->count, 0, sizeof h->count);
    for (unsigned i = 0; i < n; i++)
        h->count[lens[i]]++;
    int left = 1;
    for (unsigned len = 1; len <= MAXBITS; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0)
            return -1;
    }
    offs[1] = 0;
    for (unsigned len = 1; len < MAXBITS; len++)
        offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
    for (unsigned i = 0; i < n; i++)
        if (lens[i] != 0)
            h->sym[offs[lens[i]]++] = (uint16_t)i;

    memset(h->fast, 0, sizeof h->fast);
    unsigned code = 0;
    next[0] = 0;
    for (unsigned len = 1; len <= MAXBITS; len++) {
        code = (code + (len > 1 ? h->count[len - 1] : 0)) << 1;
        next[len] = code;
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned len = lens[i];
        if (len == 0 || len > FASTBITS)
            continue;
        /* Codes go out MSB first, the buffer is read LSB first: index by
         * the reversed code, once per value of the bits that follow it. */
        unsigned r = reverse(next[len]++, len);
        for (unsigned j = r; j < FASTSIZE; j += 1u << len)
            h->fast[j] = (uint16_t)(i << 4 | len);
    }
    return left > 0;
}

/* Next symbol, or SYM_TRUNCATED / SYM_MALFORMED. Missing input reads as
 * zero bits, so a code is only taken when all of its bits are real. */
static int decode(inflater *s, const huff *h)
{
    if (s->in.bc < MAXBITS)
        vgi_bits_refill(&s->in);
    unsigned e = h->fast[s->in.bb & (FASTSIZE - 1)];
    if (e != 0) {
        unsigned len = e & 15;
        if (len > s->in.bc)
            return SYM_TRUNCATED;
        vgi_bits_take(&s->in, len);
        return (int)(e >> 4);
    }
    /* Longer code, or none: walk the canonical code bit by bit. */
    unsigned bits = (unsigned)s->in.bb;
    int code = 0, first = 0, index = 0;
    for (unsigned len = 1; len <= MAXBITS; len++) {
        code |= (int)((bits >> (len - 1)) & 1);
        int count = h->count[len];
        if (code - first < count) {
            if (len > s->in.bc)
                return SYM_TRUNCATED;
            vgi_bits_take(&s->in, len);
            return h->sym[index + code - first];
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return s->in.bc < MAXBITS ? SYM_TRUNCATED : SYM_MALFORMED;
}

static vg_error sym_error(int sym)
{
    return sym == SYM_TRUNCATED ? VG_ERR_TRUNCATED : VG_ERR_MALFORMED;
}

/* ---- blocks ---- */

static vg_error codes(inflater *s, const huff *lit, const huff *dist)
{
    unsigned ndist = s->deflate64 ? 32 : 30;
    for (;;) {
        int sym = decode(s, lit);
        if (sym < 0)
            return sym_error(sym);
        if (sym < 256) {
            vg_error err = vgi_lz_put(&s->out, (uint8_t)sym);
            if (err != VG_OK)
                return err;
            continue;
        }
        if (sym == 256)
            return VG_OK;
        sym -= 257;
        if (sym >= 29)
            return VG_ERR_MALFORMED; /* 286, 287: fixed code only, never valid */
        unsigned base = lbase[sym], extra = lext[sym];
        if (sym == 28 && s->deflate64) {
            base = 3;
            extra = 16;
        }
        if (!vgi_bits_need(&s->in, extra))
            return VG_ERR_TRUNCATED;
        unsigned len = base + vgi_bits_take(&s->in, extra);
        int d = decode(s, dist);
        if (d < 0)
            return sym_error(d);
        if ((unsigned)d >= ndist)
            return VG_ERR_MALFORMED;
        if (!vgi_bits_need(&s->in, dext[d]))
            return VG_ERR_TRUNCATED;
        unsigned back = dbase[d] + vgi_bits_take(&s->in, dext[d]);
        if (back > s->out.total)
            return VG_ERR_MALFORMED; /* before the start of the stream */
        vg_error err = vgi_lz_copy(&s->out, back, len);
        if (err != VG_OK)
            return err;
    }
}

static vg_error stored(inflater *s)
{
    vgi_bits_take(&s->in, s->in.bc & 7); /* to a byte boundary */
    if (!vgi_bits_need(&s->in, 32))
        return VG_ERR_TRUNCATED;
    unsigned len = vgi_bits_take(&s->in, 16), nlen = vgi_bits_take(&s->in, 16);
    if (len != (~nlen & 0xFFFFu))
        return VG_ERR_MALFORMED;
    for (; len > 0; len--) {
        if (!vgi_bits_need(&s->in, 8))
            return VG_ERR_TRUNCATED;
        vg_error err = vgi_lz_put(&s->out, (uint8_t)vgi_bits_take(&s->in, 8));
        if (err != VG_OK)
            return err;
    }
    return VG_OK;
}

static vg_error fixed(inflater *s)
{
    if (!s->fixed_ready) {
        uint8_t lens[NLIT];
        memset(lens, 8, 144);
        memset(lens + 144, 9, 112);
        memset(lens + 256, 7, 24);
        memset(lens + 280, 8, 8);
        build(&s->fixlit, lens, NLIT);
        memset(lens, 5, NDIST); /* 30 and 31 are checked when used */
        build(&s->fixdist, lens, NDIST);
        s->fixed_ready = 1;
    }
    return codes(s, &s->fixlit, &s->fixdist);
}

/* An incomplete code is accepted only when it is a single 1-bit code (or,
 * for distances, no code at all): zlib's rule. */
static int usable(int built, const huff *h, unsigned n)
{
    return built == 0 || (built > 0 && n - h->count[0] == h->count[1]);
}

static vg_error dynamic(inflater *s)
{
    static const uint8_t order[NCLEN] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                         11, 4,  12, 3, 13, 2, 14, 1, 15};
    uint8_t lens[NLIT + NDIST];
    if (!vgi_bits_need(&s->in, 14))
        return VG_ERR_TRUNCATED;
    unsigned nlen = vgi_bits_take(&s->in, 5) + 257, ndist = vgi_bits_take(&s->in, 5) + 1,
             ncode = vgi_bits_take(&s->in, 4) + 4;
    if (nlen > 286 || ndist > (s->deflate64 ? 32u : 30u))
        return VG_ERR_MALFORMED;
    memset(lens, 0, NCLEN);
    for (unsigned i = 0; i < ncode; i++) {
        if (!vgi_bits_need(&s->in, 3))
            return VG_ERR_TRUNCATED;
        lens[order[i]] = (uint8_t)vgi_bits_take(&s->in, 3);
    }
    if (build(&s->lit, lens, NCLEN) != 0)
        return VG_ERR_MALFORMED; /* the code-length code must be complete */
    for (unsigned i = 0; i < nlen + ndist;) {
        int sym = decode(s, &s->lit);
        if (sym < 0)
            return sym_error(sym);
        if (sym < 16) {
            lens[i++] = (uint8_t)sym;
            continue;
        }
        unsigned rep, val = 0;
        if (sym == 16) {
            if (i == 0)
                return VG_ERR_MALFORMED; /* repeat of nothing */
            val = lens[i - 1];
            if (!vgi_bits_need(&s->in, 2))
                return VG_ERR_TRUNCATED;
            rep = 3 + vgi_bits_take(&s->in, 2);
        } else if (sym == 17) {
            if (!vgi_bits_need(&s->in, 3))
                return VG_ERR_TRUNCATED;
            rep = 3 + vgi_bits_take(&s->in, 3);
        } else {
            if (!vgi_bits_need(&s->in, 7))
                return VG_ERR_TRUNCATED;
            rep = 11 + vgi_bits_take(&s->in, 7);
        }
        if (i + rep > nlen + ndist)
            return VG_ERR_MALFORMED;
        memset(lens + i, (int)val, rep);
        i += rep;
    }
    if (lens[256] == 0)
        return VG_ERR_MALFORMED; /* no end-of-block code */
    if (!usable(build(&s->lit, lens, nlen), &s->lit, nlen) ||
        !usable(build(&s->dist, lens + nlen, ndist), &s->dist, ndist))
        return VG_ERR_MALFORMED;
    return codes(s, &s->lit, &s->dist);
}

vg_error vgi_inflate64(vg_fmap *map, uint64_t off, uint64_t len, unsigned flags,
                       vgi_inflate_sink sink, void *ud, uint64_t *used)
{
    if (used != NULL)
        *used = 0;
    if (map == NULL || sink == NULL || off > vg_fmap_size(map))
        return VG_ERR_INVALID_ARG;
    inflater *s = vg_malloc(sizeof *s);
    if (s == NULL)
        return VG_ERR_NOMEM;
    /* Everything but the two buffers starts at zero. */
    memset(s, 0, offsetof(inflater, inbuf));
    vgi_bits_init(&s->in, map, off, len, s->inbuf, INBUF);
    s->deflate64 = (flags & VGI_INFLATE_DEFLATE64) != 0;
    vgi_lz_init(&s->out, s->win, WSIZE, sink, ud);

    vg_error err = VG_OK;
    unsigned blocks = 0;
    for (int last = 0; !last && err == VG_OK;) {
        if (!vgi_bits_need(&s->in, 3)) {
            err = VG_ERR_TRUNCATED;
            break;
        }
        last = (int)vgi_bits_take(&s->in, 1);
        switch (vgi_bits_take(&s->in, 2)) {
        case 0:
            err = stored(s);
            break;
        case 1:
            err = fixed(s);
            break;
        case 2:
            err = dynamic(s);
            break;
        default:
            err = VG_ERR_MALFORMED; /* block type 3 is reserved */
            break;
        }
        if (err == VG_OK && ++blocks % HEARTBEAT == 0) {
            err = sink(ud, NULL, 0);
            s->out.sink_failed = err != VG_OK;
        }
    }
    /* Deliver what was decoded before a broken part: it is scanned too. */
    vg_error ferr = vgi_lz_flush(&s->out);
    if (err == VG_OK)
        err = ferr;
    if (used != NULL)
        *used = s->in.fetched - s->in.bc / 8;
    vg_free(s);
    return err;
}
