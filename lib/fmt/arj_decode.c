/* ARJ decompressors: "decode" (methods 1-3) and "decode_f" (method 4).
 *
 * Both read the compressed bits MSB first. Methods 1-3 are LZ77 with static
 * Huffman codes sent in blocks (the scheme of LHA's -lh5-/-lh6-):
 *
 *     block:  u16 number of codes in the block
 *             T lengths: 5-bit count n (<= 19), then n code lengths, each
 *                        3 bits, where 7 continues in unary (7 = 111 0,
 *                        8 = 111 10, ...); after the third length a 2-bit
 *                        run of zero lengths. n == 0: 5 more bits name the
 *                        only symbol, which then costs no bits at all.
 *             C lengths: 9-bit count n (<= 510), then each length coded
 *                        with the T code: T symbol 0 = one zero, 1 = 4 bits
 *                        + 3 zeros, 2 = 9 bits + 20 zeros, k >= 3 = length
 *                        k - 2. n == 0: 9 bits name the only symbol.
 *             P lengths: like T with 17 symbols and no zero run.
 *             codes:     C symbol < 256 is a literal; 256..509 a match of
 *                        length C - 253 (3..256) whose distance follows as
 *                        a P symbol k: 0 -> 1, else (1 << (k-1)) + k-1
 *                        bits, plus one.
 *
 * Codes are canonical (shorter codes first, then by symbol), so a table is
 * its lengths; it must be complete, as ARJ itself demands: an incomplete
 * or over-subscribed set of lengths is VG_ERR_MALFORMED, which is what
 * keeps every table index inside its array. A code is looked up in a
 * 10-bit table and, when longer, by comparing against the first code of
 * each length.
 *
 * Method 4 has no tables: a length is unary-prefixed (0 = literal, then 8
 * bits; 1x = 1..2; 11xx = 3..6 ... up to seven 1s and a 7-bit field) and
 * a distance likewise with fields of 9 to 13 bits (distances up to 15872).
 *
 * ARJ's dictionary is 26624 bytes; the window here is 64 KiB, so every
 * distance a method can express (up to 65536) is inside it and is checked
 * only against what was output so far. There is no end marker: decoding
 * stops at the header's original size, and a match running past it is cut. */
#include "arj_decode.h"

#include "../core/mem.h"
#include "lz_window.h"

#define WIN_SIZE  65536u
#define THRESHOLD 3
#define NC        510 /* 256 literals + 254 match lengths */
#define NP        17  /* distance classes */
#define NT        19  /* code-length codes */
#define CBIT      9
#define PBIT      5
#define TBIT      5
#define MAXBITS   16
#define FAST_BITS 10
#define IN_CHUNK  4096

/* f-method field widths: length fields 0..7 bits, distance fields 9..13. */
#define F_LEN_START  0
#define F_LEN_STOP   7
#define F_DIST_START 9
#define F_DIST_STOP  13

typedef struct bitin {
    vg_fmap *map;
    uint64_t pos, end; /* next byte to read from the map, end of input */
    uint8_t buf[IN_CHUNK];
    size_t bpos, blen;
    uint64_t acc;  /* next bit is bit 63 */
    unsigned n;    /* valid bits in acc */
    uint64_t over; /* zero bytes supplied past the end of input */
    int io_error;
} bitin;

typedef struct huff {
    int single; /* the n == 0 form: one symbol, zero bits */
    unsigned single_sym;
    uint16_t fast[1u << FAST_BITS]; /* length << 10 | symbol; 0 = longer code */
    unsigned first[MAXBITS + 1], count[MAXBITS + 1], index[MAXBITS + 1];
    uint16_t sorted[NC];
} huff;

typedef struct arj_state {
    bitin in;
    huff c, pt; /* pt holds the T code while C lengths are read, then P */
    uint8_t c_len[NC], pt_len[NT];
    vgi_lz_window w;
} arj_state;

static void refill(bitin *b)
{
    while (b->n <= 56) {
        uint8_t byte = 0;
        if (b->bpos < b->blen) {
            byte = b->buf[b->bpos++];
        } else if (b->pos < b->end && !b->io_error) {
            uint64_t left = b->end - b->pos;
            size_t want = left < IN_CHUNK ? (size_t)left : IN_CHUNK;
            size_t got = vg_fmap_read(b->map, b->pos, b->buf, want);
            if (got == 0) {
                b->io_error = 1;
                continue;
            }
            b->pos += got;
            b->bpos = 0;
            b->blen = got;
            continue;
        } else {
            b->over++;
        }
        b->acc |= (uint64_t)byte << (56 - b->n);
        b->n += 8;
    }
}

static unsigned peek16(bitin *b)
{
    if (b->n < 16)
        refill(b);
    return (unsigned)(b->acc >> 48);
}

static void drop(bitin *b, unsigned k)
{
    if (b->n < k)
        refill(b);
    b->acc <<= k;
    b->n -= k;
}

/* k <= 16 bits as an unsigned number. */
static unsigned getbits(bitin *b, unsigned k)
{
    if (k == 0)
        return 0;
    unsigned v = peek16(b) >> (16 - k);
    drop(b, k);
    return v;
}

/* More bits were consumed than the input holds. */
static int overrun(const bitin *b)
{
    return b->over * 8 > b->n;
}

/* Builds the canonical code for len[0..nsym); 0 when the lengths do not
 * form a complete code. All lengths zero is taken as symbol 0 at no cost,
 * as ARJ's own table builder ends up treating it. */
static int huff_build(huff *h, const uint8_t *len, unsigned nsym)
{
    unsigned next[MAXBITS + 1];
    for (unsigned l = 0; l <= MAXBITS; l++)
        h->count[l] = 0;
    for (unsigned s = 0; s < nsym; s++) {
        if (len[s] > MAXBITS)
            return 0;
        h->count[len[s]]++;
    }
    h->single = 0;
    if (h->count[0] == nsym) {
        h->single = 1;
        h->single_sym = 0;
        return 1;
    }
    long left = 1;
    unsigned code = 0, idx = 0;
    for (unsigned l = 1; l <= MAXBITS; l++) {
        left = left * 2 - (long)h->count[l];
        if (left < 0)
            return 0; /* over-subscribed */
        h->first[l] = code;
        h->index[l] = idx;
        next[l] = code;
        idx += h->count[l];
        code = (code + h->count[l]) << 1;
    }
    if (left != 0)
        return 0; /* incomplete */
    unsigned slot[MAXBITS + 1];
    for (unsigned l = 1; l <= MAXBITS; l++)
        slot[l] = h->index[l];
    for (unsigned i = 0; i < (1u << FAST_BITS); i++)
        h->fast[i] = 0;
    for (unsigned s = 0; s < nsym; s++) {
        unsigned l = len[s];
        if (l == 0)
            continue;
        h->sorted[slot[l]++] = (uint16_t)s;
        unsigned c = next[l]++;
        if (l <= FAST_BITS) {
            unsigned base = c << (FAST_BITS - l), span = 1u << (FAST_BITS - l);
            for (unsigned i = 0; i < span; i++)
                h->fast[base + i] = (uint16_t)(l << 10 | s);
        }
    }
    return 1;
}

static void huff_single(huff *h, unsigned sym)
{
    h->single = 1;
    h->single_sym = sym;
}

static unsigned huff_decode(bitin *b, const huff *h)
{
    if (h->single)
        return h->single_sym;
    unsigned v = peek16(b);
    unsigned e = h->fast[v >> (16 - FAST_BITS)];
    if (e != 0) {
        drop(b, e >> 10);
        return e & 0x3ff;
    }
    for (unsigned l = FAST_BITS + 1; l <= MAXBITS; l++) {
        unsigned code = v >> (16 - l);
        if (code - h->first[l] < h->count[l]) {
            drop(b, l);
            return h->sorted[h->index[l] + code - h->first[l]];
        }
    }
    return 0; /* unreachable for a complete code */
}

/* T or P lengths; special: index after which a 2-bit zero run follows
 * (-1: none). */
static vg_error read_pt_len(arj_state *s, unsigned nn, unsigned nbit, int special)
{
    bitin *b = &s->in;
    unsigned n = getbits(b, nbit);
    if (n == 0) {
        unsigned c = getbits(b, nbit);
        if (c >= nn)
            return VG_ERR_MALFORMED;
        huff_single(&s->pt, c);
        return VG_OK;
    }
    if (n > nn)
        return VG_ERR_MALFORMED;
    unsigned i = 0;
    while (i < n) {
        unsigned v = peek16(b);
        unsigned c = v >> 13;
        if (c == 7) {
            unsigned mask = 1u << 12;
            while (mask & v) {
                mask >>= 1;
                c++;
            }
            if (c > MAXBITS)
                return VG_ERR_MALFORMED;
        }
        drop(b, c < 7 ? 3 : c - 3);
        s->pt_len[i++] = (uint8_t)c;
        if ((int)i == special) {
            unsigned z = getbits(b, 2);
            if (i + z > nn)
                return VG_ERR_MALFORMED;
            while (z-- > 0)
                s->pt_len[i++] = 0;
        }
    }
    while (i < nn)
        s->pt_len[i++] = 0;
    return huff_build(&s->pt, s->pt_len, nn) ? VG_OK : VG_ERR_MALFORMED;
}

static vg_error read_c_len(arj_state *s)
{
    bitin *b = &s->in;
    unsigned n = getbits(b, CBIT);
    if (n == 0) {
        unsigned c = getbits(b, CBIT);
        if (c >= NC)
            return VG_ERR_MALFORMED;
        huff_single(&s->c, c);
        return VG_OK;
    }
    if (n > NC)
        return VG_ERR_MALFORMED;
    unsigned i = 0;
    while (i < n) {
        unsigned c = huff_decode(b, &s->pt);
        if (c <= 2) {
            unsigned z = c == 0 ? 1 : c == 1 ? getbits(b, 4) + 3 : getbits(b, CBIT) + 20;
            if (i + z > NC)
                return VG_ERR_MALFORMED;
            while (z-- > 0)
                s->c_len[i++] = 0;
        } else {
            s->c_len[i++] = (uint8_t)(c - 2);
        }
        if (overrun(b))
            return VG_ERR_TRUNCATED;
    }
    while (i < NC)
        s->c_len[i++] = 0;
    return huff_build(&s->c, s->c_len, NC) ? VG_OK : VG_ERR_MALFORMED;
}

/* Emits a match, cut at out_size. */
static vg_error put_match(arj_state *s, uint64_t out_size, unsigned back, unsigned len)
{
    if (back > s->w.total)
        return VG_ERR_MALFORMED; /* before the start of the output */
    if (len > out_size - s->w.total)
        len = (unsigned)(out_size - s->w.total);
    return vgi_lz_copy(&s->w, back, len);
}

static vg_error decode_huff(arj_state *s, uint64_t out_size)
{
    bitin *b = &s->in;
    uint32_t blocksize = 0;
    vg_error err = VG_OK;
    while (s->w.total < out_size) {
        if (blocksize == 0) {
            blocksize = getbits(b, 16);
            if (blocksize == 0)
                blocksize = 0x10000; /* ARJ's 16-bit counter wraps */
            if ((err = read_pt_len(s, NT, TBIT, 3)) != VG_OK || (err = read_c_len(s)) != VG_OK ||
                (err = read_pt_len(s, NP, PBIT, -1)) != VG_OK)
                return overrun(b) ? VG_ERR_TRUNCATED : err;
        }
        blocksize--;
        unsigned c = huff_decode(b, &s->c);
        if (c < 256) {
            err = vgi_lz_put(&s->w, (uint8_t)c);
        } else {
            unsigned len = c - (256 - THRESHOLD);
            unsigned p = huff_decode(b, &s->pt);
            if (p != 0)
                p = (1u << (p - 1)) + getbits(b, p - 1);
            if (overrun(b))
                return VG_ERR_TRUNCATED;
            err = put_match(s, out_size, p + 1, len);
        }
        if (err != VG_OK)
            return err;
        if (overrun(b))
            return VG_ERR_TRUNCATED;
    }
    return VG_OK;
}

/* One f-method field: up to (stop - start) 1-bits, each doubling the base,
 * then a field of the width reached. */
static unsigned f_field(bitin *b, unsigned start, unsigned stop)
{
    unsigned plus = 0, pwr = 1u << start, width;
    for (width = start; width < stop; width++) {
        if (getbits(b, 1) == 0)
            break;
        plus += pwr;
        pwr <<= 1;
    }
    return plus + getbits(b, width);
}

static vg_error decode_fast(arj_state *s, uint64_t out_size)
{
    bitin *b = &s->in;
    vg_error err = VG_OK;
    while (s->w.total < out_size) {
        unsigned c = f_field(b, F_LEN_START, F_LEN_STOP);
        if (c == 0) {
            err = vgi_lz_put(&s->w, (uint8_t)getbits(b, 8));
        } else {
            unsigned len = c - 1 + THRESHOLD;
            unsigned d = f_field(b, F_DIST_START, F_DIST_STOP);
            if (overrun(b))
                return VG_ERR_TRUNCATED;
            err = put_match(s, out_size, d + 1, len);
        }
        if (err != VG_OK)
            return err;
        if (overrun(b))
            return VG_ERR_TRUNCATED;
    }
    return VG_OK;
}

vg_error vgi_arj_decode(vg_fmap *map, uint64_t off, uint64_t len, unsigned method,
                        uint64_t out_size, vgi_arj_sink sink, void *ud)
{
    if (method < 1 || method > 4)
        return VG_ERR_UNSUPPORTED;
    arj_state *s = vg_malloc(sizeof *s);
    uint8_t *win = vg_malloc(WIN_SIZE);
    vg_error err = VG_ERR_NOMEM;
    if (s == NULL || win == NULL)
        goto done;
    s->in = (bitin){.map = map, .pos = off, .end = off + len};
    if (s->in.end < off)
        s->in.end = UINT64_MAX; /* the fmap read stops at the object's end */
    vgi_lz_init(&s->w, win, WIN_SIZE, sink, ud);
    err = method == 4 ? decode_fast(s, out_size) : decode_huff(s, out_size);
    /* What was made before an error is delivered too. */
    vg_error ferr = vgi_lz_flush(&s->w);
    if (err == VG_OK)
        err = ferr;
    if (err == VG_ERR_TRUNCATED && s->in.io_error)
        err = VG_ERR_IO;
done:
    vg_free(win);
    vg_free(s);
    return err;
}
