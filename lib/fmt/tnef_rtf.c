/* Compressed RTF decoder (see tnef_rtf.h).
 *
 *     control 0x03: ref, ref, literal x6      e.g. "{\rtf1" from the ring
 *
 * Input is read in fmap windows of IN_CHUNK bytes, output leaves in
 * OUT_CHUNK batches; nothing is sized from the header but the raw-size cut. */
#include <string.h>

#include "tnef_rtf.h"

#define IN_CHUNK  4096
#define OUT_CHUNK 4096
#define RING      4096

#define MAGIC_LZFU 0x75465a4cu
#define MAGIC_MELA 0x414c454du

static const char prebuf[] =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
    "\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
    "{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

typedef struct rtf_state {
    vg_fmap *map;
    uint64_t pos, end;
    const uint8_t *in;
    size_t in_len, in_pos;
    vgi_child *child;
    uint8_t out[OUT_CHUNK];
    size_t out_len;
    uint64_t left; /* raw bytes still allowed */
    vg_error err;
} rtf_state;

/* Next input byte, or -1 at the end of the stream's bytes. */
static int next_byte(rtf_state *s)
{
    if (s->in_pos == s->in_len) {
        if (s->pos >= s->end)
            return -1;
        uint64_t left = s->end - s->pos;
        size_t n = left < IN_CHUNK ? (size_t)left : IN_CHUNK;
        s->in = vg_fmap_need(s->map, s->pos, n);
        if (s->in == NULL)
            return -1;
        s->pos += n;
        s->in_len = n;
        s->in_pos = 0;
    }
    return s->in[s->in_pos++];
}

static int flush(rtf_state *s)
{
    if (s->out_len > 0 && s->err == VG_OK)
        s->err = vgi_child_write(s->child, s->out, s->out_len);
    s->out_len = 0;
    return s->err == VG_OK ? 0 : -1;
}

/* Emits one byte; -1 once the raw size is reached or a write failed. */
static int put(rtf_state *s, uint8_t b)
{
    if (s->left == 0)
        return -1;
    s->left--;
    s->out[s->out_len++] = b;
    if (s->out_len == OUT_CHUNK && flush(s) < 0)
        return -1;
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 1: ended by its end marker or the raw size; 0: input ran out. */
static int lzfu(rtf_state *s)
{
    uint8_t ring[RING];
    size_t w = sizeof prebuf - 1;
    memcpy(ring, prebuf, w);
    memset(ring + w, 0, RING - w);
    for (;;) {
        int control = next_byte(s);
        if (control < 0)
            return 0;
        for (int bit = 0; bit < 8; bit++) {
            if (s->left == 0)
                return 1; /* the raw size is all there is to keep */
            if ((control & (1 << bit)) == 0) {
                int c = next_byte(s);
                if (c < 0)
                    return 0;
                ring[w] = (uint8_t)c;
                w = (w + 1) % RING;
                if (put(s, (uint8_t)c) < 0)
                    return 1;
                continue;
            }
            int hi = next_byte(s), lo = next_byte(s);
            if (hi < 0 || lo < 0)
                return 0;
            size_t ref = (size_t)hi << 4 | (size_t)lo >> 4;
            size_t n = (size_t)(lo & 0x0f) + 2;
            if (ref == w)
                return 1; /* end marker */
            for (size_t i = 0; i < n; i++) {
                uint8_t c = ring[(ref + i) % RING];
                ring[w] = c;
                w = (w + 1) % RING;
                if (put(s, c) < 0)
                    return 1;
            }
        }
    }
}

vg_error vgi_tnef_rtf_decode(vg_fmap *map, uint64_t off, uint64_t len, vgi_child *child)
{
    if (len < 16)
        return VG_ERR_MALFORMED;
    const uint8_t *h = vg_fmap_need(map, off, 16);
    if (h == NULL)
        return VG_ERR_TRUNCATED;
    uint32_t raw = le32(h + 4), magic = le32(h + 8);
    rtf_state s = {.map = map, .pos = off + 16, .end = off + len, .child = child, .left = raw};
    if (magic == MAGIC_MELA) {
        /* Stored: the raw bytes follow the header. */
        uint64_t n = len - 16 < raw ? len - 16 : raw;
        while (n > 0) {
            size_t k = n < IN_CHUNK ? (size_t)n : IN_CHUNK;
            const uint8_t *p = vg_fmap_need(map, s.pos, k);
            if (p == NULL)
                return VG_ERR_TRUNCATED;
            vg_error err = vgi_child_write(child, p, k);
            if (err != VG_OK)
                return err;
            s.pos += k;
            n -= k;
        }
        return len - 16 < raw ? VG_ERR_TRUNCATED : VG_OK;
    }
    if (magic != MAGIC_LZFU)
        return VG_ERR_MALFORMED;
    int ended = lzfu(&s);
    flush(&s);
    if (s.err != VG_OK)
        return s.err;
    return ended ? VG_OK : VG_ERR_TRUNCATED;
}
