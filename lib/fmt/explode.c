/* PKWARE Implode, decoded ("explode"): zip method 6, PKZIP 1.x, 1989-1993.
 *
 * An imploded member is an LZ77 stream over a 4 KiB or 8 KiB dictionary
 * (general purpose bit 1) whose symbols are Shannon-Fano coded with two
 * trees, lengths and distances, or three, with literals first (bit 2).
 * ClamAV's clam.impl.zip, for instance: 4 KiB, two trees, so literals are
 * plain 8-bit bytes and the shortest match is 2 (3 with a literal tree).
 * Bits are read LSB first. Each item starts with a flag bit: 1 is a literal;
 * 0 is a match: 6 (4 KiB) or 7 (8 KiB) low distance bits, then the upper 6
 * bits from the distance tree, then the length from the length tree, where
 * symbol 63 takes 8 more bits. The match copies from distance + 1 back;
 * bytes before the start of the output read as zeros, which a zeroed window
 * gives for free. There is no end marker: the member's uncompressed size
 * says when to stop.
 *
 * The trees (APPNOTE, "Imploding") are stored as run-length pairs of
 * (count, bit length) and turned into codes by a fixed rule: sort by length,
 * stable, then hand out codes from the longest, highest-numbered symbol up,
 * each length group a run of consecutive code values. We keep, per length,
 * the group's first code value and its symbols in that order, so decoding a
 * symbol is: read bits MSB first, and at each length ask whether the value
 * falls inside that group's run. A tree whose runs overlap (a prefix
 * conflict) or overflow 16 bits is VG_ERR_MALFORMED, as is a tree that does
 * not describe exactly 64 or 256 symbols.
 *
 * Bounds. The window is the output buffer: every 8 KiB made goes to the
 * sink, which can stop a bomb there. Every loop step reads at least one bit
 * and, in the main loop, makes at least one byte, and the main loop ends at
 * the uncompressed size, so nothing spins without input. */
#include "explode.h"
#include "lsb_bits.h"
#include "lz_window.h"

#include <string.h>

#include "../core/mem.h"

#define WSIZE   8192u /* the larger dictionary; a 4 KiB stream never reaches further */
#define INBUF   8192u
#define MAXBITS 16

#define SYM_TRUNCATED (-1)
#define SYM_MALFORMED (-2)

typedef struct sftree {
    uint16_t count[MAXBITS + 1]; /* symbols per code length */
    uint32_t base[MAXBITS + 1];  /* first code of each length, as a 16-bit left-aligned value */
    uint16_t first[MAXBITS + 1]; /* where each length's group starts in sym[] */
    uint8_t sym[256];            /* by length, each group in code order */
} sftree;

typedef struct exploder {
    vgi_bits in;       /* over inbuf */
    vgi_lz_window out; /* over win */
    sftree lit, len, dist;
    uint8_t inbuf[INBUF];
    uint8_t win[WSIZE];
} exploder;

/* ---- Shannon-Fano trees ---- */

/* Codes from lengths (1..16) by the APPNOTE rule; 0, or -1 when the codes
 * overflow 16 bits or one is a prefix of another. */
static int build(sftree *t, const uint8_t *lens, unsigned n)
{
    uint16_t pos[MAXBITS + 1];
    memset(t->count, 0, sizeof t->count);
    for (unsigned i = 0; i < n; i++)
        t->count[lens[i]]++;
    t->first[1] = 0;
    for (unsigned l = 1; l < MAXBITS; l++)
        t->first[l + 1] = (uint16_t)(t->first[l] + t->count[l]);
    memcpy(pos, t->first, sizeof pos);
    /* Stable sort by length, codes handed out from the end: within a
     * length, the highest symbol gets the lowest code. */
    for (unsigned i = n; i-- > 0;)
        t->sym[pos[lens[i]]++] = (uint8_t)i;
    uint32_t acc = 0;
    for (unsigned l = MAXBITS; l >= 1; l--) {
        if (t->count[l] == 0)
            continue;
        uint32_t step = 1u << (MAXBITS - l);
        if (acc & (step - 1))
            return -1; /* this run would start inside a longer code */
        t->base[l] = acc;
        acc += (uint32_t)t->count[l] * step;
        if (acc > 1u << MAXBITS)
            return -1;
    }
    return 0;
}

/* Reads one tree of exactly nsym symbols: a byte holding the number of
 * bytes that follow, minus one; each byte (count - 1) << 4 | (length - 1). */
static vg_error read_tree(exploder *s, sftree *t, unsigned nsym)
{
    uint8_t lens[256];
    unsigned k = 0;
    if (!vgi_bits_need(&s->in, 8))
        return VG_ERR_TRUNCATED;
    unsigned nbytes = vgi_bits_take(&s->in, 8) + 1;
    for (unsigned i = 0; i < nbytes; i++) {
        if (!vgi_bits_need(&s->in, 8))
            return VG_ERR_TRUNCATED;
        unsigned b = vgi_bits_take(&s->in, 8);
        unsigned count = (b >> 4) + 1, len = (b & 15) + 1;
        if (k + count > nsym)
            return VG_ERR_MALFORMED;
        memset(lens + k, (int)len, count);
        k += count;
    }
    if (k != nsym || build(t, lens, nsym) != 0)
        return VG_ERR_MALFORMED;
    return VG_OK;
}

/* Next symbol, or SYM_TRUNCATED / SYM_MALFORMED. Missing input reads as
 * zero bits; a code is only taken when all of its bits are real. */
static int decode(exploder *s, const sftree *t)
{
    if (s->in.bc < MAXBITS)
        vgi_bits_refill(&s->in);
    uint32_t v = 0;
    for (unsigned l = 1; l <= MAXBITS; l++) {
        v = v << 1 | (uint32_t)((s->in.bb >> (l - 1)) & 1); /* MSB of the code first */
        if (t->count[l] == 0)
            continue;
        uint32_t c = v << (MAXBITS - l);
        if (c < t->base[l])
            continue;
        uint32_t k = (c - t->base[l]) >> (MAXBITS - l);
        if (k < t->count[l]) {
            if (l > s->in.bc)
                return SYM_TRUNCATED;
            vgi_bits_take(&s->in, l);
            return t->sym[t->first[l] + k];
        }
    }
    return s->in.bc < MAXBITS ? SYM_TRUNCATED : SYM_MALFORMED;
}

static vg_error sym_error(int sym)
{
    return sym == SYM_TRUNCATED ? VG_ERR_TRUNCATED : VG_ERR_MALFORMED;
}

static vg_error run(exploder *s, unsigned flags, uint64_t out_size)
{
    int literals = (flags & VGI_EXPLODE_LITERALS) != 0;
    unsigned low_bits = (flags & VGI_EXPLODE_8K) ? 7 : 6;
    unsigned min_match = literals ? 3 : 2;
    vg_error err;
    if (literals && (err = read_tree(s, &s->lit, 256)) != VG_OK)
        return err;
    if ((err = read_tree(s, &s->len, 64)) != VG_OK || (err = read_tree(s, &s->dist, 64)) != VG_OK)
        return err;

    while (s->out.total < out_size) {
        if (!vgi_bits_need(&s->in, 1))
            return VG_ERR_TRUNCATED;
        if (vgi_bits_take(&s->in, 1)) {
            int c;
            if (literals) {
                if ((c = decode(s, &s->lit)) < 0)
                    return sym_error(c);
            } else {
                if (!vgi_bits_need(&s->in, 8))
                    return VG_ERR_TRUNCATED;
                c = (int)vgi_bits_take(&s->in, 8);
            }
            if ((err = vgi_lz_put(&s->out, (uint8_t)c)) != VG_OK)
                return err;
            continue;
        }
        if (!vgi_bits_need(&s->in, low_bits))
            return VG_ERR_TRUNCATED;
        unsigned low = vgi_bits_take(&s->in, low_bits);
        int hi = decode(s, &s->dist);
        if (hi < 0)
            return sym_error(hi);
        int len = decode(s, &s->len);
        if (len < 0)
            return sym_error(len);
        if (len == 63) {
            if (!vgi_bits_need(&s->in, 8))
                return VG_ERR_TRUNCATED;
            len += (int)vgi_bits_take(&s->in, 8);
        }
        uint64_t n = (uint64_t)len + min_match;
        if (n > out_size - s->out.total)
            n = out_size - s->out.total; /* the last match may run past the end */
        if ((err = vgi_lz_copy(&s->out, ((unsigned)hi << low_bits | low) + 1, (unsigned)n)) !=
            VG_OK)
            return err;
    }
    return VG_OK;
}

vg_error vgi_explode(vg_fmap *map, uint64_t off, uint64_t len, unsigned flags, uint64_t out_size,
                     vgi_explode_sink sink, void *ud)
{
    if (map == NULL || sink == NULL || off > vg_fmap_size(map))
        return VG_ERR_INVALID_ARG;
    if (out_size == 0)
        return VG_OK;
    exploder *s = vg_malloc(sizeof *s);
    if (s == NULL)
        return VG_ERR_NOMEM;
    memset(s, 0, offsetof(exploder, inbuf));
    memset(s->win, 0, sizeof s->win); /* matches may reach before the start: zeros */
    vgi_bits_init(&s->in, map, off, len, s->inbuf, INBUF);
    vgi_lz_init(&s->out, s->win, WSIZE, sink, ud);
    vg_error err = run(s, flags, out_size);
    vg_error ferr = vgi_lz_flush(&s->out); /* what came before a broken part is scanned too */
    if (err == VG_OK)
        err = ferr;
    vg_free(s);
    return err;
}
