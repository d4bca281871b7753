/* Small builders shared by the container-format tests: a growable byte
 * buffer and little-endian writers. */
#ifndef VG_FMT_TESTBUF_H
#define VG_FMT_TESTBUF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* p is malloc'd (free it); cap is its size, always more than n once
 * anything was put. */
typedef struct tbuf {
    uint8_t *p;
    size_t n, cap;
} tbuf;

/* Appends n bytes of d (d may be NULL when n is 0), growing the buffer; a
 * NUL is kept after the data, so text can be read from p. */
static inline void tb_put(tbuf *b, const void *d, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        assert_non_null(q);
        b->p = q;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = 0;
}

static inline void tb_str(tbuf *b, const char *s)
{
    tb_put(b, s, strlen(s));
}

static inline void le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void tb_le16(tbuf *b, unsigned v)
{
    uint8_t x[2];
    le16(x, v);
    tb_put(b, x, 2);
}

static inline void tb_le32(tbuf *b, uint32_t v)
{
    uint8_t x[4];
    le32(x, v);
    tb_put(b, x, 4);
}

#endif
