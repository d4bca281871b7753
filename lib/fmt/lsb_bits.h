/* LSB-first bit input over an fmap range, shared by the LZ77 decoders
 * (inflate64.c, explode.c): both read their streams a bit at a time from
 * the low end of each byte, through a buffer refilled by vg_fmap_read().
 *
 *     if (!vgi_bits_need(b, 5)) return VG_ERR_TRUNCATED;
 *     unsigned n = vgi_bits_take(b, 5);
 *
 * A failed read ends the input, so a vanished file looks truncated, never
 * like more data. Inline: these are the decoders' innermost calls. */
#ifndef VGI_FMT_LSB_BITS_H
#define VGI_FMT_LSB_BITS_H

#include <stdint.h>
#include <vigil/fmap.h>

typedef struct vgi_bits {
    vg_fmap *map;
    uint64_t in_off;  /* next byte to read from map */
    uint64_t in_end;  /* end of the input range */
    uint64_t fetched; /* bytes moved into the bit buffer */
    uint8_t *buf;
    size_t cap, len, pos;
    uint64_t bb; /* bit buffer; bits above bc are zero */
    unsigned bc;
} vgi_bits;

static inline void vgi_bits_init(vgi_bits *b, vg_fmap *map, uint64_t off, uint64_t len,
                                 uint8_t *buf, size_t cap)
{
    *b = (vgi_bits){.map = map, .in_off = off, .buf = buf, .cap = cap};
    b->in_end = len > UINT64_MAX - off ? UINT64_MAX : off + len;
}

/* Tops the bit buffer up to at least 57 bits, or to the end of the input. */
static inline void vgi_bits_refill(vgi_bits *b)
{
    while (b->bc <= 56) {
        if (b->pos == b->len) {
            uint64_t left = b->in_end - b->in_off;
            if (left == 0)
                return;
            size_t want = left < b->cap ? (size_t)left : b->cap;
            size_t got = vg_fmap_read(b->map, b->in_off, b->buf, want);
            if (got == 0) {
                b->in_end = b->in_off;
                return;
            }
            b->in_off += got;
            b->len = got;
            b->pos = 0;
        }
        b->bb |= (uint64_t)b->buf[b->pos++] << b->bc;
        b->bc += 8;
        b->fetched++;
    }
}

/* 1 when n bits are available. */
static inline int vgi_bits_need(vgi_bits *b, unsigned n)
{
    if (b->bc < n)
        vgi_bits_refill(b);
    return b->bc >= n;
}

/* n <= 32 bits, which vgi_bits_need() has made sure of. */
static inline unsigned vgi_bits_take(vgi_bits *b, unsigned n)
{
    unsigned v = (unsigned)(b->bb & ((1ull << n) - 1));
    b->bb >>= n;
    b->bc -= n;
    return v;
}

#endif
