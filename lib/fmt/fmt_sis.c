/* Symbian installation files (.sis), EPOC release 3/5 and 6.
 *
 * Take ClamAV's clam.sis (596 bytes, EPOC release 6). All numbers are
 * little-endian:
 *
 *     0x00  UID1 01000000  UID2 10003A12 (release 6; 1000006D: 3/5)
 *           UID3 10000419  UID4 (checksum of the UIDs)
 *     0x10  u16 CRC, u16 languages 1, u16 files 1, u16 requisites 1,
 *           u16 install language, u16 install files, u16 drive '!',
 *           u16 capabilities
 *     0x20  u32 installer version 200, u16 options 0x0001 (unicode),
 *           u16 type, u16/u16 version, u32 variant
 *     0x30  u32 pointers: languages 0x64, files 0x66, requisites 0x96,
 *           certificates, component name, ...
 *     0x66  the file records, one after another:
 *           u32 record type 0 (simple), u32 file type 0, u32 details,
 *           u32 source name length 92 + pointer, u32 destination name
 *           length 22 + pointer ("!:\clam.exe" in UTF-16),
 *           u32 file length 262 + pointer 0x14E, (release 6) u32 original
 *           length 544, u32 MIME type length + pointer
 *     0x14E 262 bytes of zlib data: clam.exe
 *
 * Record types: 0 simple, 1 multi-language (the length, pointer and
 * original length fields are arrays, one per language), 2 options (u32
 * count, a name length + pointer per option and language, 16 bytes of
 * selection), 3 if / 4 else-if (u32 expression size + expression), 5 else,
 * 6 end-if. Files are zlib streams unless the options say NoCompress
 * (0x0008) or the file is from release 3/5; names are UTF-16 when the
 * options say IsUnicode (0x0001), 8-bit otherwise.
 *
 * Each file is emitted under its destination name (printable ASCII, '\'
 * -> '/'), inflated straight into a vgi_child or, when stored, as a view.
 * A file of type 4 ("does not exist yet") has no data and is skipped.
 * Symbian 9 files (UID1 10201A7A, a different tagged format) are handed to
 * sis_x.c.
 *
 * Trust: language and option counts are capped at 256, the walk over the
 * records at the header's count (a u16) and the object's end, every pointer
 * and length is checked against the object, a file whose bytes overlap the
 * header or another file is refused (a file pointing at its own package
 * would otherwise double the work at every nesting level), and inflated
 * bytes go through vgi_child_write(), which stops a bomb. */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "sis_emit.h"
#include "sis_x.h"

#define FMT_NAME     "sis"
#define UID2_R3      0x1000006Du
#define UID2_R6      0x10003A12u
#define UID3_SIS     0x10000419u
#define HDR_LEN      0x44
#define MAX_LANGS    256
#define MAX_OPTIONS  256
#define NAME_BUF     256
#define RAW_NAME_MAX 1024
#define CHECK_EVERY  64

#define OPT_UNICODE    0x0001u
#define OPT_NOCOMPRESS 0x0008u

#define FT_NULL 4 /* created at install time: no data */

typedef struct sis_walk {
    vgi_sis_out o;
    unsigned nlangs, options;
    int r6, compressed;
} sis_walk;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int sis_probe(vg_fmap *map)
{
    const uint8_t *p = vg_fmap_need(map, 0, 20);
    if (p == NULL)
        return 0;
    if (rd32(p + 8) == UID3_SIS && (rd32(p + 4) == UID2_R3 || rd32(p + 4) == UID2_R6))
        return 1;
    return vgi_sisx_probe(p, 20);
}

/* Name bytes at ptr (len bytes, UTF-16LE when unicode) as printable ASCII;
 * "" when the range is not inside the object. */
static void read_name(sis_walk *w, uint32_t ptr, uint32_t len, char out[NAME_BUF])
{
    out[0] = '\0';
    if (len == 0 || ptr > w->o.size || len > w->o.size - ptr)
        return;
    size_t n = len < RAW_NAME_MAX ? len : RAW_NAME_MAX;
    const uint8_t *p = vg_fmap_need(w->o.map, ptr, n);
    if (p == NULL)
        return;
    size_t step = (w->options & OPT_UNICODE) ? 2 : 1, o = 0;
    for (size_t i = 0; i + step <= n && o < NAME_BUF - 1; i += step) {
        unsigned c = step == 2 ? (unsigned)(p[i] | p[i + 1] << 8) : p[i];
        if (c == 0)
            break;
        out[o++] = c == '\\' ? '/' : (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[o] = '\0';
}

/* ---- the records ---- */

/* A simple (nl == 1) or multi-language file record after its type field,
 * at *off; moves *off past it. 0 when the record does not fit. */
static int file_record(sis_walk *w, uint64_t *off, unsigned nl, unsigned index)
{
    uint64_t fixed = 24, per = w->r6 ? 12 : 8, tail = w->r6 ? 8 : 0;
    uint64_t rlen = fixed + per * nl + tail;
    if (*off > w->o.size || rlen > w->o.size - *off)
        return 0;
    uint8_t head[24];
    if (vg_fmap_read(w->o.map, *off, head, sizeof head) != sizeof head)
        return 0;
    uint32_t ftype = rd32(head);
    char name[NAME_BUF + 16];
    read_name(w, rd32(head + 20), rd32(head + 16), name);
    if (name[0] == '\0')
        read_name(w, rd32(head + 12), rd32(head + 8), name);
    if (name[0] == '\0')
        snprintf(name, NAME_BUF, "file%u", index + 1);
    size_t base = strlen(name);
    uint64_t arr = *off + fixed;
    uint32_t prev_ptr = 0, prev_len = 0;
    for (unsigned i = 0; ftype != FT_NULL && i < nl && !w->o.done; i++) {
        uint8_t v[4];
        if (vg_fmap_read(w->o.map, arr + 4u * i, v, 4) != 4)
            return 0;
        uint32_t len = rd32(v);
        if (vg_fmap_read(w->o.map, arr + 4u * (nl + i), v, 4) != 4)
            return 0;
        uint32_t ptr = rd32(v);
        uint32_t olen = 0;
        if (w->r6) {
            if (vg_fmap_read(w->o.map, arr + 4u * (2 * nl + i), v, 4) != 4)
                return 0;
            olen = rd32(v);
        }
        if (i > 0 && ptr == prev_ptr && len == prev_len)
            continue; /* the same file for another language */
        prev_ptr = ptr;
        prev_len = len;
        if (nl > 1)
            snprintf(name + base, sizeof name - base, ".lang%u", i + 1);
        vgi_sis_emit(&w->o, ptr, len, w->compressed, w->r6 ? olen : UINT64_MAX, name);
        if (vgi_scan_should_stop(w->o.ctx))
            w->o.done = 1;
    }
    *off += rlen;
    return 1;
}

/* Steps over an options record after its type field. */
static int options_record(sis_walk *w, uint64_t *off)
{
    uint8_t v[4];
    if (vg_fmap_read(w->o.map, *off, v, 4) != 4)
        return 0;
    uint32_t n = rd32(v);
    if (n > MAX_OPTIONS)
        return 0;
    *off += 4 + (uint64_t)n * w->nlangs * 8 + 16;
    return *off <= w->o.size;
}

static int expr_record(sis_walk *w, uint64_t *off)
{
    uint8_t v[4];
    if (vg_fmap_read(w->o.map, *off, v, 4) != 4)
        return 0;
    *off += 4 + (uint64_t)rd32(v);
    return *off <= w->o.size;
}

static vg_error sis_v1(vgi_scan_ctx *ctx, vg_fmap *map)
{
    sis_walk w = {.o = {.ctx = ctx, .map = map, .size = vg_fmap_size(map), .data_start = HDR_LEN}};
    uint8_t h[HDR_LEN];
    if (vg_fmap_read(map, 0, h, HDR_LEN) != HDR_LEN) {
        vgi_scan_report_error(ctx, VG_ERR_TRUNCATED, FMT_NAME, "header cut short");
        return VG_ERR_TRUNCATED;
    }
    w.r6 = rd32(h + 4) == UID2_R6;
    w.nlangs = (unsigned)(h[0x12] | h[0x13] << 8);
    unsigned nfiles = (unsigned)(h[0x14] | h[0x15] << 8);
    w.options = (unsigned)(h[0x24] | h[0x25] << 8);
    w.compressed = w.r6 && !(w.options & OPT_NOCOMPRESS);
    uint64_t off = rd32(h + 0x34);
    if (w.nlangs == 0 || w.nlangs > MAX_LANGS) {
        vgi_scan_report_error(ctx, VG_ERR_MALFORMED, FMT_NAME, "%u languages", w.nlangs);
        return VG_ERR_MALFORMED;
    }
    for (unsigned i = 0; i < nfiles && !w.o.done; i++) {
        if (i % CHECK_EVERY == 0 && vgi_scan_should_stop(ctx))
            break;
        uint8_t v[4];
        int ok = vg_fmap_read(map, off, v, 4) == 4;
        uint32_t type = ok ? rd32(v) : 0;
        uint64_t at = off;
        off += 4;
        if (ok) {
            switch (type) {
            case 0:
            case 1:
                ok = file_record(&w, &off, type == 0 ? 1 : w.nlangs, i);
                break;
            case 2:
                ok = options_record(&w, &off);
                break;
            case 3:
            case 4:
                ok = expr_record(&w, &off);
                break;
            case 5:
            case 6:
                break;
            default:
                vgi_scan_report_error(ctx, VG_ERR_MALFORMED, FMT_NAME,
                                      "record %u at offset %llu has unknown type %u", i + 1,
                                      (unsigned long long)at, (unsigned)type);
                vgi_sis_set_err(&w.o, VG_ERR_MALFORMED);
                goto done;
            }
        }
        if (!ok) {
            vgi_scan_report_error(ctx, VG_ERR_TRUNCATED, FMT_NAME,
                                  "record %u of %u at offset %llu is cut short", i + 1, nfiles,
                                  (unsigned long long)at);
            vgi_sis_set_err(&w.o, VG_ERR_TRUNCATED);
            break;
        }
    }
done:
    vgi_sis_out_cleanup(&w.o);
    return w.o.err;
}

static vg_error sis_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    const uint8_t *p = vg_fmap_need(map, 0, 20);
    if (p != NULL && vgi_sisx_probe(p, 20))
        return vgi_sisx_parse(ctx, map);
    return sis_v1(ctx, map);
}

const vgi_format vgi_format_sis = {"sis", sis_probe, sis_parse};
