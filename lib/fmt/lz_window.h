/* The output window shared by the LZ77 decoders (inflate64.c, explode.c).
 *
 * A decoder writes literals and back-references into a power-of-two ring;
 * each time the ring fills, its new bytes go to the sink, which is where a
 * scan charges them and can stop a bomb. Memory is the window and nothing
 * else. Inline: put() and copy() are the decoders' innermost loops. */
#ifndef VGI_FMT_LZ_WINDOW_H
#define VGI_FMT_LZ_WINDOW_H

#include <stdint.h>
#include <string.h>
#include <vigil/error.h>

typedef vg_error (*vgi_lz_sink)(void *ud, const uint8_t *data, size_t len);

typedef struct vgi_lz_window {
    uint8_t *win;
    unsigned size;   /* a power of two */
    unsigned wpos;   /* next write in win */
    unsigned wflush; /* start of what the sink has not seen */
    uint64_t total;  /* bytes made so far */
    vgi_lz_sink sink;
    void *ud;
    int sink_failed; /* the sink said stop: later bytes are not handed over */
} vgi_lz_window;

static inline void vgi_lz_init(vgi_lz_window *w, uint8_t *win, unsigned size, vgi_lz_sink sink,
                               void *ud)
{
    *w = (vgi_lz_window){.win = win, .size = size, .sink = sink, .ud = ud};
}

/* Hands the bytes written since the last flush to the sink. */
static inline vg_error vgi_lz_flush(vgi_lz_window *w)
{
    vg_error err = VG_OK;
    if (w->wpos > w->wflush && !w->sink_failed) {
        err = w->sink(w->ud, w->win + w->wflush, w->wpos - w->wflush);
        w->sink_failed = err != VG_OK;
    }
    w->wflush = w->wpos;
    if (w->wpos == w->size)
        w->wpos = w->wflush = 0;
    return err;
}

static inline vg_error vgi_lz_put(vgi_lz_window *w, uint8_t byte)
{
    w->win[w->wpos++] = byte;
    w->total++;
    return w->wpos == w->size ? vgi_lz_flush(w) : VG_OK;
}

/* Copies len bytes from back bytes behind (1 <= back <= size; the caller
 * checks back <= total). */
static inline vg_error vgi_lz_copy(vgi_lz_window *w, unsigned back, unsigned len)
{
    unsigned mask = w->size - 1;
    while (len > 0) {
        unsigned src = (w->wpos - back) & mask;
        unsigned n = len;
        if (n > w->size - w->wpos)
            n = w->size - w->wpos;
        if (n > w->size - src)
            n = w->size - src;
        if (back >= n) {
            memmove(w->win + w->wpos, w->win + src, n); /* back == size: src == wpos */
        } else {
            for (unsigned i = 0; i < n; i++) /* overlapping: a run repeats itself */
                w->win[w->wpos + i] = w->win[src + i];
        }
        w->wpos += n;
        w->total += n;
        len -= n;
        if (w->wpos == w->size) {
            vg_error err = vgi_lz_flush(w);
            if (err != VG_OK)
                return err;
        }
    }
    return VG_OK;
}

#endif
