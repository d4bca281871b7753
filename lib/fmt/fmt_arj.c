/* ARJ archives, plain or self-extracting.
 *
 * Take ClamAV's clam.arj (393 bytes):
 *
 *     0x000  60 EA 2C 00            header id, basic header size 44
 *     0x004  22 0B 01 02 10 00 02   first_hdr_size 34, versions, host OS,
 *            ...                    flags, method, file type 2 = main header
 *            "clam.arj\0" "\0"      name and comment at first_hdr_size
 *     0x030  59 66 A9 25            CRC-32 of the 44 basic header bytes
 *     0x034  00 00                  no extended header
 *     0x036  60 EA 38 00            the member: basic header of 56 bytes
 *            2E 0B 01 02 10 01 00   first_hdr_size 46, flags 0x10,
 *            ...                    method 1, file type 0 (binary);
 *            at +12 (u32 LE)        compressed size 269, original size 544,
 *                                   CRC-32 of the original, ...
 *            "clam.exe\0" "\0"
 *     0x072  F8 AD 02 72 00 00      header CRC, no extended header
 *     0x078  269 bytes of method-1 data
 *     0x185  60 EA 00 00            basic header size 0: end of archive
 *
 * Every header is id, size (<= 2600), basic header, CRC-32 of it, then
 * extended headers (u16 size, data, CRC-32) until a size of 0; a member's
 * compressed data follows its headers. The first header is the archive's
 * own. A self-extracting archive starts after an executable stub: when the
 * object begins with "MZ", the first 64 KiB are searched for a main header
 * whose CRC matches, as ARJ itself does.
 *
 * Each member of file type 0 (binary) or 1 (text) is emitted under its
 * stored name ('\' -> '/', anything unprintable -> '?'): stored members as
 * a zero-copy view, methods 1-4 through arj_decode.c into a vgi_child.
 * The CRC-32 of the output is checked (a mismatch is an error event; the
 * data is scanned all the same), except for the pieces of a member split
 * across volumes. Garbled (password) members are reported once and skipped.
 *
 * Trust: header sizes are capped, every header's CRC must match before its
 * fields are used, compressed sizes are checked against the object, and the
 * walk moves forward by at least one header per step, so it ends; the
 * member count is enforced by the scan (max_files). */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "arj_decode.h"
#include "fmt.h"

#define FMT_NAME     "arj"
#define HDR_ID0      0x60
#define HDR_ID1      0xEA
#define HDR_MAX      2600 /* largest basic header ARJ writes or reads */
#define FIRST_MIN    30   /* fixed part of the basic header */
#define SFX_SPAN     65536
#define MAX_EXT_HDRS 64
#define NAME_BUF     256
#define CRC_CHUNK    65536
#define CHECK_EVERY  64

#define F_GARBLED 0x01u
#define F_VOLUME  0x04u /* continues in the next volume */
#define F_EXTFILE 0x08u /* continued from the previous volume */

#define T_BINARY  0
#define T_TEXT    1
#define T_MAIN    2
#define T_DIR     3
#define T_LABEL   4
#define T_CHAPTER 5

typedef struct arj_hdr {
    uint64_t off;   /* of the header id */
    unsigned bsize; /* basic header size; 0 = end of archive */
    uint64_t next;  /* first byte after the extended headers */
    unsigned flags, method, type;
    uint32_t csize, osize, crc;
    char name[NAME_BUF];
} arj_hdr;

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The stored name, printable: '\' -> '/', other bytes outside ASCII -> '?'. */
static void copy_name(char *dst, const uint8_t *src, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && src[i] != 0 && o < NAME_BUF - 1; i++) {
        uint8_t c = src[i];
        dst[o++] = c == '\\' ? '/' : (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[o] = '\0';
}

/* Reads and checks the basic header at off: 1 = a header (bsize 0: the end
 * mark), 0 = no id, bad size or CRC mismatch, -1 = cut short. Does not read
 * the extended headers. */
static int basic_header(vg_fmap *map, uint64_t off, arj_hdr *h)
{
    const uint8_t *p = vg_fmap_need(map, off, 4);
    if (p == NULL)
        return -1;
    if (p[0] != HDR_ID0 || p[1] != HDR_ID1)
        return 0;
    memset(h, 0, sizeof *h);
    h->off = off;
    h->bsize = rd16(p + 2);
    if (h->bsize == 0)
        return 1;
    if (h->bsize < FIRST_MIN || h->bsize > HDR_MAX)
        return 0;
    p = vg_fmap_need(map, off + 4, h->bsize + 4u);
    if (p == NULL)
        return -1;
    if (crc32(0L, p, h->bsize) != rd32(p + h->bsize))
        return 0;
    unsigned first = p[0];
    if (first < FIRST_MIN || first > h->bsize)
        return 0;
    h->flags = p[4];
    h->method = p[5];
    h->type = p[6];
    h->csize = rd32(p + 12);
    h->osize = rd32(p + 16);
    h->crc = rd32(p + 20);
    copy_name(h->name, p + first, h->bsize - first);
    return 1;
}

/* Steps over the extended headers after a basic header; sets h->next. */
static vg_error skip_ext(vg_fmap *map, arj_hdr *h)
{
    uint64_t off = h->off + 4 + h->bsize + 4;
    for (unsigned i = 0; i <= MAX_EXT_HDRS; i++) {
        const uint8_t *p = vg_fmap_need(map, off, 2);
        if (p == NULL)
            return VG_ERR_TRUNCATED;
        unsigned n = rd16(p);
        off += 2;
        if (n == 0) {
            h->next = off;
            return VG_OK;
        }
        off += n + 4u; /* data and its CRC */
        if (off > vg_fmap_size(map))
            return VG_ERR_TRUNCATED;
    }
    return VG_ERR_MALFORMED;
}

/* Offset of the main header: 0, or inside the first 64 KiB after an "MZ"
 * stub. 0 = none. */
static int find_main(vg_fmap *map, uint64_t *at)
{
    uint64_t size = vg_fmap_size(map);
    arj_hdr h;
    const uint8_t *p = vg_fmap_need(map, 0, 2);
    if (p == NULL)
        return 0;
    if (p[0] == HDR_ID0 && p[1] == HDR_ID1) {
        *at = 0;
        return basic_header(map, 0, &h) == 1 && h.bsize != 0 && h.type == T_MAIN;
    }
    if (p[0] != 'M' || p[1] != 'Z')
        return 0;
    size_t n = size < SFX_SPAN ? (size_t)size : SFX_SPAN;
    for (size_t i = 2; i + 4 <= n;) {
        /* basic_header() moves the window: take it again per candidate */
        p = vg_fmap_need(map, 0, n);
        if (p == NULL)
            return 0;
        const uint8_t *q = memmem(p + i, n - i, "\x60\xEA", 2);
        if (q == NULL)
            return 0;
        i = (size_t)(q - p);
        if (basic_header(map, i, &h) == 1 && h.bsize != 0 && h.type == T_MAIN) {
            *at = i;
            return 1;
        }
        i++;
    }
    return 0;
}

static int arj_probe(vg_fmap *map)
{
    uint64_t at;
    return find_main(map, &at);
}

/* ---- one member ---- */

typedef struct arj_walk {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    uint64_t size;
    int garble_reported, method_reported; /* each once per archive */
    int done;
    vg_error err; /* first error worth returning */
} arj_walk;

typedef struct arj_out {
    arj_walk *w;
    vgi_child *child;
    uint32_t crc;
    uint64_t made;
    vg_error stop;
} arj_out;

static void set_err(arj_walk *w, vg_error err)
{
    if (w->err == VG_OK)
        w->err = err;
}

static vg_error out_write(void *ud, const uint8_t *data, size_t len)
{
    arj_out *o = ud;
    if (vgi_scan_should_stop(o->w->ctx))
        return o->stop = VG_ERR_ABORTED;
    o->crc = (uint32_t)crc32(o->crc, data, (uInt)len);
    o->made += len;
    vg_error err = vgi_child_write(o->child, data, len);
    if (err != VG_OK)
        o->stop = err;
    return err;
}

static int crc_wanted(const arj_hdr *h)
{
    return (h->flags & (F_VOLUME | F_EXTFILE)) == 0;
}

static void crc_mismatch(arj_walk *w, const arj_hdr *h, uint32_t crc)
{
    vgi_scan_report_error(w->ctx, VG_ERR_MALFORMED, FMT_NAME,
                          "member %s at offset %llu: CRC-32 is %08x, the header says %08x", h->name,
                          (unsigned long long)h->off, (unsigned)crc, (unsigned)h->crc);
    set_err(w, VG_ERR_MALFORMED);
}

/* Stored member: a view of the data, its CRC read through the map. */
static void extract_stored(arj_walk *w, const arj_hdr *h, uint64_t data, uint64_t clen)
{
    if (clen == h->csize && crc_wanted(h)) {
        uint32_t crc = 0;
        uint8_t buf[4096];
        for (uint64_t i = 0; i < clen;) {
            size_t n = clen - i < sizeof buf ? (size_t)(clen - i) : sizeof buf;
            if (vg_fmap_read(w->map, data + i, buf, n) != n)
                break;
            crc = (uint32_t)crc32(crc, buf, (uInt)n);
            i += n;
            if (i % CRC_CHUNK == 0 && vgi_scan_should_stop(w->ctx)) {
                w->done = 1;
                return;
            }
        }
        if (crc != h->crc)
            crc_mismatch(w, h, crc);
    }
    vg_fmap *sub = NULL;
    vg_error err = vg_fmap_sub(w->map, data, clen, &sub);
    if (err != VG_OK) {
        set_err(w, err);
        w->done = 1;
        return;
    }
    err = vgi_scan_child(w->ctx, sub, h->name);
    vg_fmap_close(sub);
    if (err == VG_ERR_ABORTED || (err != VG_OK && err != VG_ERR_LIMIT))
        w->done = 1;
}

static void extract_packed(arj_walk *w, const arj_hdr *h, uint64_t data, uint64_t clen)
{
    vgi_child *child = NULL;
    vg_error err = vgi_child_begin(w->ctx, &child);
    if (err != VG_OK) {
        if (err != VG_ERR_LIMIT && err != VG_ERR_ABORTED) /* LIMIT: already reported */
            set_err(w, err);
        w->done = 1;
        return;
    }
    arj_out o = {.w = w, .child = child};
    vg_error derr = vgi_arj_decode(w->map, data, clen, h->method, h->osize, out_write, &o);
    if (derr == VG_ERR_NOMEM || o.stop == VG_ERR_ABORTED) {
        vgi_child_discard(child);
        if (derr == VG_ERR_NOMEM)
            set_err(w, derr);
        w->done = 1;
        return;
    }
    if (o.stop == VG_OK && derr != VG_OK) {
        vgi_scan_report_error(w->ctx, derr, FMT_NAME,
                              "member %s: method %u data at offset %llu is %s after %llu bytes out",
                              h->name, h->method, (unsigned long long)data,
                              derr == VG_ERR_TRUNCATED ? "cut short" : "corrupt",
                              (unsigned long long)o.made);
        set_err(w, derr);
    } else if (o.stop == VG_OK && crc_wanted(h) && o.crc != h->crc) {
        crc_mismatch(w, h, o.crc);
    }
    /* Scan what was made, also when the stream broke off or hit a limit. */
    vg_limit_kind hit = vgi_child_limit(child); /* the child is freed by finish */
    err = vgi_child_finish(child, h->name);
    if (err != VG_OK && err != VG_ERR_LIMIT) {
        if (err != VG_ERR_ABORTED)
            set_err(w, err);
        w->done = 1;
    } else if (o.stop == VG_ERR_LIMIT) {
        /* After max_file_size a later member may still fit; after the scan
         * size or the ratio none can. */
        if (hit != VG_LIMIT_FILESIZE)
            w->done = 1;
    }
}

static void extract(arj_walk *w, const arj_hdr *h, uint64_t data, uint64_t clen)
{
    if (h->type != T_BINARY && h->type != T_TEXT && h->type <= T_CHAPTER)
        return; /* directories and labels carry no data */
    if (h->flags & F_GARBLED) {
        if (!w->garble_reported)
            vgi_scan_report_error(w->ctx, VG_ERR_UNSUPPORTED, FMT_NAME,
                                  "encrypted member %s (garbled); encrypted members are skipped",
                                  h->name);
        w->garble_reported = 1;
        return;
    }
    if (h->method > 4) {
        if (!w->method_reported)
            vgi_scan_report_error(w->ctx, VG_ERR_UNSUPPORTED, FMT_NAME,
                                  "member %s: unknown method %u; such members are skipped", h->name,
                                  h->method);
        w->method_reported = 1;
        return;
    }
    if (h->method == 0)
        extract_stored(w, h, data, clen);
    else
        extract_packed(w, h, data, clen);
}

static vg_error arj_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    arj_walk w = {.ctx = ctx, .map = map, .size = vg_fmap_size(map)};
    uint64_t off;
    if (!find_main(map, &off))
        return VG_OK; /* probe saw something else */
    arj_hdr h;
    basic_header(map, off, &h);
    vg_error err = skip_ext(map, &h);
    if (err != VG_OK) {
        vgi_scan_report_error(ctx, err, FMT_NAME, "main header at offset %llu: bad extended header",
                              (unsigned long long)off);
        return err;
    }
    off = h.next;
    for (unsigned n = 0; !w.done; n++) {
        if (n % CHECK_EVERY == 0 && vgi_scan_should_stop(ctx))
            break;
        int r = basic_header(map, off, &h);
        if (r <= 0) {
            err = r < 0 ? VG_ERR_TRUNCATED : VG_ERR_MALFORMED;
            vgi_scan_report_error(ctx, err, FMT_NAME, "%s header at offset %llu",
                                  r < 0 ? "cut short" : "no valid", (unsigned long long)off);
            set_err(&w, err);
            break;
        }
        if (h.bsize == 0)
            break; /* end of archive */
        if ((err = skip_ext(map, &h)) != VG_OK) {
            vgi_scan_report_error(ctx, err, FMT_NAME,
                                  "member %s at offset %llu: bad extended header", h.name,
                                  (unsigned long long)off);
            set_err(&w, err);
            break;
        }
        if (h.name[0] == '\0')
            snprintf(h.name, sizeof h.name, "arj-member-%u", n + 1);
        uint64_t clen = h.csize;
        int cut = clen > w.size - h.next;
        if (cut) {
            clen = w.size - h.next;
            vgi_scan_report_error(ctx, VG_ERR_TRUNCATED, FMT_NAME,
                                  "member %s: %u compressed bytes declared at offset %llu, "
                                  "%llu present",
                                  h.name, (unsigned)h.csize, (unsigned long long)h.next,
                                  (unsigned long long)clen);
            set_err(&w, VG_ERR_TRUNCATED);
        }
        extract(&w, &h, h.next, clen);
        if (cut)
            break;
        off = h.next + h.csize;
    }
    return w.err;
}

const vgi_format vgi_format_arj = {"arj", arj_probe, arj_parse};
