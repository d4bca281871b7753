/* BinHex 4.0 (.hqx): a Macintosh file, both forks, as 7-bit text.
 *
 *     (This file must be converted with BinHex 4.0)
 *
 *     :#'0XB@dZCAKP!%9B43"$E'&Y!!!!!!)J!!!!!EY969T3!!)!!!!%!!m!rrm!!,J
 *     !!!!K!!!!3!!D!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!%!!,Y
 *     ...:
 *
 * Between the colons, 6-bit characters of the alphabet below (line breaks
 * ignored) give bytes, 4 characters per 3; then run-length coding: 0x90 n
 * repeats the previous byte n-1 more times, 0x90 0x00 is a literal 0x90.
 * The bytes are:
 *
 *     n (1..63)  name[n]  version  type[4] creator[4] flags[2]
 *     data length[4] resource length[4] (big-endian)  CRC[2]
 *     data fork[data length]      CRC[2]
 *     resource fork[resource length]  CRC[2]
 *
 * each CRC being CRC-16/XMODEM (polynomial 0x1021, start 0) of what it
 * follows. The forks are decoded as they stream by into members named by
 * the header's file name ("clam.exe", "clam.exe.rsrc"); a CRC mismatch or
 * a stream cut short is reported and what was decoded is scanned all the
 * same. The header's lengths are not trusted for anything but counting:
 * no allocation depends on them, and the child limits stop a run-length
 * bomb (at most ~95 bytes out per character in). */
#include <string.h>

#include "../core/mem.h"
#include "fmt.h"

#define PROBE_BYTES  8192
#define COLON_WINDOW 4096 /* where the data may start after the marker line */
#define WIN          ((size_t)64 << 10)
#define FORK_BUF     4096

static const char marker[] = "(This file must be converted with BinHex";
static const char alphabet[] = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

enum stage { ST_HEADER, ST_DATA, ST_DATA_CRC, ST_RSRC, ST_RSRC_CRC, ST_DONE };

typedef struct bh {
    vgi_scan_ctx *ctx;
    int value[256]; /* character -> 6-bit value, -1 outside the alphabet */
    uint16_t crctab[256];
    uint32_t acc;
    unsigned bits;
    int rle_marker, have_last;
    uint8_t last;
    enum stage stage;
    uint8_t hdr[1 + 255 + 21];
    size_t hl, hneed;
    uint64_t left; /* bytes of the current fork still to come */
    uint32_t rlen; /* resource fork length, from the header */
    uint16_t crc;
    uint8_t crcb[2];
    unsigned crcn;
    vgi_child *child;
    int full, stop;
    vg_error status;
    char name[300];
    char fork_name[310];
    uint8_t buf[FORK_BUF];
    size_t nbuf;
} bh;

static void crc_table(uint16_t tab[256])
{
    for (unsigned b = 0; b < 256; b++) {
        uint16_t crc = (uint16_t)(b << 8);
        for (int i = 0; i < 8; i++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
        tab[b] = crc;
    }
}

static uint16_t crc16(const bh *h, uint16_t crc, uint8_t b)
{
    return (uint16_t)(crc << 8) ^ h->crctab[(crc >> 8) ^ b];
}

static void note(bh *h, vg_error err)
{
    if (err == VG_ERR_ABORTED || err == VG_ERR_NOMEM) {
        h->stop = 1;
        h->status = err;
    } else if (err == VG_ERR_LIMIT) {
        h->stop = 1; /* max_files or depth: reported */
    }
}

static void flush(bh *h)
{
    size_t n = h->nbuf;
    h->nbuf = 0;
    if (n == 0 || h->full || h->stop)
        return;
    vg_error err;
    if (h->child == NULL && (err = vgi_child_begin(h->ctx, &h->child)) != VG_OK) {
        h->full = 1;
        note(h, err);
        return;
    }
    err = vgi_child_write(h->child, h->buf, n);
    if (err != VG_OK) {
        /* a limit: what was written is scanned, and decoding further only
         * feeds a bomb */
        h->full = 1;
        h->stop = 1;
    }
}

static void finish_fork(bh *h)
{
    flush(h);
    vgi_child *c = h->child;
    h->child = NULL;
    if (c != NULL)
        note(h, vgi_child_finish(c, h->fork_name));
}

static void start_fork(bh *h, enum stage st, uint64_t len, const char *suffix)
{
    h->stage = len > 0 ? st : st + 1;
    h->left = len;
    h->crc = 0;
    h->crcn = 0;
    h->full = 0;
    strcpy(h->fork_name, h->name);
    strcat(h->fork_name, suffix);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void header_done(bh *h)
{
    size_t n = h->hdr[0], o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = h->hdr[1 + i];
        if (c == '/' || c == '\\')
            o = 0; /* keep the last path component only */
        else
            h->name[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    h->name[o] = '\0';
    if (o == 0)
        strcpy(h->name, "binhex.data");
    const uint8_t *t = h->hdr + 1 + n + 1 + 4 + 4 + 2;
    uint32_t dlen = be32(t), rlen = be32(t + 4);
    uint16_t want = (uint16_t)(t[8] << 8 | t[9]);
    uint16_t crc = 0;
    for (size_t i = 0; i < h->hneed - 2; i++)
        crc = crc16(h, crc, h->hdr[i]);
    if (crc != want) {
        vgi_scan_report_error(h->ctx, VG_ERR_MALFORMED, "binhex",
                              "header CRC %04x, expected %04x; decoding on", crc, want);
        h->status = VG_ERR_MALFORMED;
    }
    h->rlen = rlen;
    start_fork(h, ST_DATA, dlen, "");
}

static void crc_done(bh *h, const char *what)
{
    uint16_t want = (uint16_t)(h->crcb[0] << 8 | h->crcb[1]);
    if (h->crc != want) {
        vgi_scan_report_error(h->ctx, VG_ERR_MALFORMED, "binhex",
                              "%s fork of %s: CRC %04x, expected %04x; scanned all the same", what,
                              h->name, h->crc, want);
        h->status = VG_ERR_MALFORMED;
    }
}

/* One byte after run-length decoding. */
static void sink(bh *h, uint8_t b)
{
    switch (h->stage) {
    case ST_HEADER:
        h->hdr[h->hl++] = b;
        if (h->hl == 1) {
            if (b == 0) {
                vgi_scan_report_error(h->ctx, VG_ERR_MALFORMED, "binhex", "empty file name");
                h->status = VG_ERR_MALFORMED;
                h->stop = 1;
            }
            h->hneed = 1 + (size_t)b + 21;
        } else if (h->hl == h->hneed) {
            header_done(h);
        }
        break;
    case ST_DATA:
    case ST_RSRC:
        h->crc = crc16(h, h->crc, b);
        h->buf[h->nbuf++] = b;
        if (h->nbuf == FORK_BUF)
            flush(h);
        if (--h->left == 0)
            h->stage++;
        break;
    case ST_DATA_CRC:
    case ST_RSRC_CRC:
        h->crcb[h->crcn++] = b;
        if (h->crcn < 2)
            break;
        if (h->stage == ST_DATA_CRC) {
            crc_done(h, "data");
            finish_fork(h);
            start_fork(h, ST_RSRC, h->rlen, ".rsrc");
        } else {
            crc_done(h, "resource");
            finish_fork(h);
            h->stage = ST_DONE;
        }
        break;
    default:
        break;
    }
}

/* count more copies of b: a fork takes them a buffer at a time (a run-length
 * bomb is all runs), the rest byte by byte. */
static void run(bh *h, uint8_t b, unsigned count)
{
    while (count > 0 && h->stage != ST_DONE && !h->stop) {
        if (h->stage != ST_DATA && h->stage != ST_RSRC) {
            sink(h, b);
            count--;
            continue;
        }
        size_t k = FORK_BUF - h->nbuf;
        k = k < count ? k : count;
        k = k < h->left ? k : (size_t)h->left;
        memset(h->buf + h->nbuf, b, k);
        for (size_t i = 0; i < k; i++)
            h->crc = crc16(h, h->crc, b);
        h->nbuf += k;
        h->left -= k;
        count -= (unsigned)k;
        if (h->nbuf == FORK_BUF)
            flush(h);
        if (h->left == 0)
            h->stage++;
    }
}

static void rle(bh *h, uint8_t b)
{
    if (h->rle_marker) {
        h->rle_marker = 0;
        if (b == 0) {
            sink(h, 0x90);
            h->last = 0x90;
            h->have_last = 1;
        } else if (h->have_last) {
            run(h, h->last, (unsigned)b - 1);
        }
    } else if (b == 0x90) {
        h->rle_marker = 1;
    } else {
        sink(h, b);
        h->last = b;
        h->have_last = 1;
    }
}

static int binhex_probe(vg_fmap *map)
{
    uint64_t size = vg_fmap_size(map);
    size_t n = size < PROBE_BYTES ? (size_t)size : PROBE_BYTES;
    const uint8_t *p = vg_fmap_need(map, 0, n);
    /* BinHex is text: a NUL early on rules an object out before the search
     * (this probe runs on every object, executables included). */
    if (p == NULL || memchr(p, 0, n < 512 ? n : 512) != NULL)
        return 0;
    return memmem(p, n, marker, sizeof marker - 1) != NULL;
}

/* Offset of the first data character (after the opening ':'), or 0. */
static uint64_t find_start(vg_fmap *map)
{
    uint64_t size = vg_fmap_size(map);
    size_t n = size < PROBE_BYTES + COLON_WINDOW ? (size_t)size : PROBE_BYTES + COLON_WINDOW;
    const uint8_t *p = vg_fmap_need(map, 0, n);
    if (p == NULL)
        return 0;
    const uint8_t *m = memmem(p, n < PROBE_BYTES ? n : PROBE_BYTES, marker, sizeof marker - 1);
    if (m == NULL)
        return 0;
    const uint8_t *nl = memchr(m, '\n', (size_t)(p + n - m));
    if (nl == NULL)
        return 0;
    const uint8_t *c = memchr(nl, ':', (size_t)(p + n - nl));
    return c ? (uint64_t)(c - p) + 1 : 0;
}

static vg_error binhex_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    uint64_t off = find_start(map), size = vg_fmap_size(map);
    if (off == 0) {
        vgi_scan_report_error(ctx, VG_ERR_MALFORMED, "binhex", "no ':' after the BinHex line");
        return VG_ERR_MALFORMED;
    }
    bh *h = vg_calloc(1, sizeof *h);
    if (h == NULL)
        return VG_ERR_NOMEM;
    h->ctx = ctx;
    for (int i = 0; i < 256; i++)
        h->value[i] = -1;
    for (int i = 0; alphabet[i]; i++)
        h->value[(uint8_t)alphabet[i]] = i;
    crc_table(h->crctab);
    int ended = 0;
    while (off < size && !h->stop && h->stage != ST_DONE && !ended) {
        if (vgi_scan_should_stop(ctx))
            break;
        size_t n = size - off < WIN ? (size_t)(size - off) : WIN;
        const uint8_t *p = vg_fmap_need(map, off, n);
        if (p == NULL)
            break;
        size_t i;
        /* p stays valid: emitting a fork reads the child's own map only */
        for (i = 0; i < n && !h->stop && h->stage != ST_DONE; i++) {
            uint8_t c = p[i];
            if (c == ':') {
                ended = 1;
                break;
            }
            if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
                continue;
            int v = h->value[c];
            if (v < 0) {
                vgi_scan_report_error(ctx, VG_ERR_MALFORMED, "binhex",
                                      "byte 0x%02x outside the BinHex alphabet at offset %llu", c,
                                      (unsigned long long)(off + i));
                h->status = VG_ERR_MALFORMED;
                ended = 1;
                break;
            }
            h->acc = (h->acc << 6 | (uint32_t)v) & 0xffffff;
            h->bits += 6;
            if (h->bits >= 8) {
                h->bits -= 8;
                rle(h, (uint8_t)(h->acc >> h->bits));
            }
        }
        off += i;
    }
    if (h->stage != ST_DONE && !h->stop) {
        vgi_scan_report_error(ctx, VG_ERR_TRUNCATED, "binhex",
                              "BinHex data ends inside the %s; scanning what was decoded",
                              h->stage == ST_HEADER ? "header" : "forks");
        if (h->status == VG_OK)
            h->status = VG_ERR_TRUNCATED;
    }
    if (h->stage == ST_DATA || h->stage == ST_RSRC || h->stage == ST_DATA_CRC ||
        h->stage == ST_RSRC_CRC)
        finish_fork(h);
    else
        vgi_child_discard(h->child);
    vg_error status = h->status;
    vg_free(h);
    return status;
}

const vgi_format vgi_format_binhex = {"binhex", binhex_probe, binhex_parse};
