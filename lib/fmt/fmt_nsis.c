/* Nullsoft Scriptable Install System (NSIS) installers.
 *
 *     MZ ... PE stub (the NSIS runtime, ~34-50 KiB)
 *     firstheader, at a multiple of 512 (the PE's overlay):
 *         u32 flags (1 uninstaller, 2 silent, 4 no CRC, 8 force CRC)
 *         u32 0xDEADBEEF, "NullsoftInst"
 *         u32 length of the decompressed header (the script)
 *         u32 length of the archive from the firstheader on, CRC included
 *     non-solid:  [u32 length | 0x80000000 if compressed][bytes]   header
 *                 [u32 length | 0x80000000 if compressed][bytes]   file data
 *                 ...
 *     solid:      one compressed stream of
 *                 [u32 length][header][u32 length][file data]...
 *     u32 CRC32 of all the above (unless flags say no CRC)
 *
 * The firstheader does not say which codec or layout follows; like 7-Zip,
 * this handler looks at the first bytes: LZMA's properties 0x5D 00 00 ..
 * (after an optional BCJ flag byte) at 0 (solid) or 4 (non-solid), a
 * compressed-length high byte 0x80 (non-solid deflate or bzip2), NSIS's
 * bzip2 block byte 0x31, else solid deflate (see nsis_decode.c).
 *
 * Every data block is a member, named after the script's "File" command
 * when the header names it (nsis_script.c), else "file<N>"; the header
 * itself is the member "nsis-header". Stored blocks are zero-copy views;
 * compressed ones are streamed into the child chunk by chunk, so a solid
 * installer is never held in memory (only the header, up to HDR_CAP, is
 * kept to read names from). Bounds: block lengths against the archive's
 * end, MAX_BLOCKS blocks, every decoded byte charged (kept or skipped,
 * block framing included), LZMA dictionaries capped. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "fmt.h"
#include "nsis_decode.h"
#include "nsis_find.h"
#include "nsis_script.h"

#define FH_SIZE        VGI_NSIS_FH_SIZE
#define HDR_CAP        ((size_t)8 << 20)
#define MAX_BLOCKS     (1u << 20)
#define BUF_SIZE       ((size_t)64 << 10)
#define DICT_MAX       ((uint32_t)128 << 20)
#define DICT_FLOOR     ((uint64_t)16 << 20)
#define FL_NO_CRC      4u
#define FL_FORCE_CRC   8u
#define COMPRESSED_BIT 0x80000000u

typedef struct nsis {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    uint64_t data_off, data_end; /* compressed data, CRC excluded */
    uint32_t hdr_len;
    nsis_method method;
    int solid, filter_flag, stop, bzip2_reported;
    uint32_t dict_cap;
    vg_error err; /* first error reported, returned by parse */
    nsis_dec *dec;
    uint8_t *buf;
    int in_header; /* the header is being read (kept to read names from) */
    uint8_t *hdr;  /* its first hdr_n bytes, in hdr_alloc, at most hdr_cap */
    size_t hdr_n, hdr_alloc, hdr_cap;
    nsis_names *names;
    unsigned blocks;
} nsis;

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int nsis_probe(vg_fmap *map)
{
    uint64_t off;
    return vgi_nsis_find(map, &off);
}

/* ---- errors ---- */

static void fail(nsis *st, vg_error code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(nsis *st, vg_error code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vgi_scan_report_error(st->ctx, code, "nsis", "%s", msg);
    if (st->err == VG_OK)
        st->err = code;
}

/* A member result that ends the whole walk. */
static void note_emit(nsis *st, vg_error err)
{
    if (err == VG_ERR_ABORTED || err == VG_ERR_NOMEM) {
        st->stop = 1;
        if (err == VG_ERR_NOMEM && st->err == VG_OK)
            st->err = err;
    }
}

/* ---- codec detection ---- */

static int is_lzma(const uint8_t *p)
{
    return p[0] == 0x5D && p[1] == 0 && p[2] == 0 && p[5] == 0;
}

static int is_bzip2(const uint8_t *p)
{
    return p[0] == 0x31 && p[1] < 14;
}

/* The codec of a stream starting at p (7 bytes). */
static nsis_method stream_method(const uint8_t *p, int *filter_flag)
{
    *filter_flag = 0;
    if (is_lzma(p))
        return NSIS_LZMA;
    if (p[0] <= 1 && is_lzma(p + 1)) {
        *filter_flag = 1;
        return NSIS_LZMA;
    }
    return is_bzip2(p) ? NSIS_BZIP2 : NSIS_DEFLATE;
}

/* Layout and codec from the 11 bytes after the firstheader. */
static void detect(nsis *st, const uint8_t sig[11])
{
    uint32_t first = le32(sig);
    st->solid = 0;
    st->method = NSIS_COPY; /* a stored header: the codec shows at the first block */
    if (first == st->hdr_len)
        return;
    int f;
    if (stream_method(sig, &f) == NSIS_LZMA) {
        st->solid = 1;
        st->method = NSIS_LZMA;
    } else if (stream_method(sig + 4, &f) == NSIS_LZMA || sig[3] == 0x80) {
        st->method = stream_method(sig + 4, &f);
    } else {
        st->solid = 1;
        st->method = stream_method(sig, &f);
    }
    st->filter_flag = f;
}

static const char *method_name(nsis_method m)
{
    return m == NSIS_LZMA      ? "LZMA"
           : m == NSIS_BZIP2   ? "bzip2"
           : m == NSIS_DEFLATE ? "deflate"
                               : "stored";
}

/* ---- members ---- */

static void capture(nsis *st, const uint8_t *p, size_t n)
{
    size_t room = st->hdr_cap - st->hdr_n;
    if (n > room)
        n = room;
    if (st->hdr_n + n > st->hdr_alloc) { /* grows with the bytes that came, not the claim */
        size_t want = st->hdr_alloc * 2 > st->hdr_n + n ? st->hdr_alloc * 2 : st->hdr_n + n;
        want = want < st->hdr_cap ? want : st->hdr_cap;
        uint8_t *h = vg_realloc(st->hdr, want);
        if (h == NULL) {
            st->hdr_cap = st->hdr_n; /* names are a nicety: keep what is there */
            return;
        }
        st->hdr = h;
        st->hdr_alloc = want;
    }
    if (n > 0)
        memcpy(st->hdr + st->hdr_n, p, n);
    st->hdr_n += n;
}

/* Streams decoded bytes into a member: exactly len of them when bounded
 * (a solid block: the rest is drained past a max_file_size cut), else up
 * to the end of the stream. The header is also captured. Returns the
 * decoder's status; *took is how many bytes were decoded. */
static vg_error emit_decoded(nsis *st, int bounded, uint64_t len, const char *name, int is_hdr,
                             uint64_t *took)
{
    *took = 0;
    vgi_child *c = NULL;
    vg_error err = vgi_child_begin(st->ctx, &c);
    if (err != VG_OK) {
        st->stop = 1; /* max_files or depth: nothing more fits */
        note_emit(st, err);
        return VG_OK;
    }
    vg_error derr = VG_OK;
    int writing = 1;
    while (!bounded || *took < len) {
        if (vgi_scan_should_stop(st->ctx)) {
            st->stop = 1;
            break;
        }
        size_t want = BUF_SIZE;
        if (bounded && len - *took < want)
            want = (size_t)(len - *took);
        size_t got = 0;
        derr = vgi_nsis_dec_read(st->dec, st->buf, want, &got);
        if (got == 0)
            break;
        *took += got;
        if (is_hdr)
            capture(st, st->buf, got);
        if (writing) {
            vg_error werr = vgi_child_write(c, st->buf, got);
            if (werr == VG_ERR_LIMIT && vgi_child_limit(c) == VG_LIMIT_FILESIZE &&
                (bounded || is_hdr)) {
                writing = 0; /* a later member may fit: get past this one */
            } else if (werr != VG_OK) {
                if (werr != VG_ERR_LIMIT || vgi_child_limit(c) != VG_LIMIT_FILESIZE)
                    st->stop = 1; /* ratio or scan size spent, or no memory */
                note_emit(st, werr);
                break;
            }
        } else if (vgi_scan_charge_skipped(st->ctx, got) != VG_OK) {
            st->stop = 1;
            break;
        }
    }
    note_emit(st, vgi_child_finish(c, name));
    return derr;
}

static const char *block_name(nsis *st, uint64_t rel, char *tmp, size_t cap)
{
    const char *n = rel <= UINT32_MAX ? vgi_nsis_names_find(st->names, (uint32_t)rel) : NULL;
    if (n != NULL)
        return n;
    snprintf(tmp, cap, "file%u", st->blocks);
    return tmp;
}

static void parse_names(nsis *st)
{
    unsigned max = vgi_scan_limits(st->ctx)->max_files;
    note_emit(st, vgi_nsis_names_parse(st->hdr, st->hdr_n, max, &st->names));
    vg_free(st->hdr);
    st->hdr = NULL;
    st->in_header = 0;
}

/* Reads exactly n (<= 4) decoded bytes; how many came. */
static size_t read_small(nsis *st, uint8_t *dst, size_t n, vg_error *derr)
{
    size_t have = 0;
    while (have < n) {
        size_t got = 0;
        *derr = vgi_nsis_dec_read(st->dec, dst + have, n - have, &got);
        if (got == 0)
            break;
        have += got;
    }
    return have;
}

/* Empty blocks make no member, so max_files does not bound them. */
static void too_many(nsis *st)
{
    vgi_scan_report_limit(st->ctx, VG_LIMIT_FILES, "nsis", "more than %u blocks", MAX_BLOCKS);
}

/* ---- non-solid: [u32 length | compressed bit][bytes] ... ---- */

/* The codec shows at the first compressed block when the header was stored. */
static int block_decoder(nsis *st, uint64_t body)
{
    if (st->method == NSIS_COPY) {
        uint8_t p[7] = {0};
        vg_fmap_read(st->map, body, p, sizeof p);
        st->method = stream_method(p, &st->filter_flag);
    }
    if (st->method == NSIS_BZIP2) {
        if (!st->bzip2_reported)
            fail(st, VG_ERR_UNSUPPORTED,
                 "bzip2 blocks (NSIS's variant without stream header and CRCs) are not "
                 "decoded; only stored blocks are scanned");
        st->bzip2_reported = 1;
        return 0;
    }
    if (st->dec == NULL) {
        vg_error err =
            vgi_nsis_dec_new(st->map, st->method, st->filter_flag, st->dict_cap, &st->dec);
        if (err != VG_OK) {
            note_emit(st, err);
            return 0;
        }
    }
    return 1;
}

static void emit_block(nsis *st, uint64_t body, uint64_t end, int comp, const char *name,
                       int is_hdr)
{
    uint64_t len = end - body;
    if (len == 0)
        return;
    if (!comp) {
        if (is_hdr) {
            size_t n = len < st->hdr_cap ? (size_t)len : st->hdr_cap;
            if ((st->hdr = vg_malloc(n)) != NULL) {
                st->hdr_alloc = n;
                st->hdr_n = vg_fmap_read(st->map, body, st->hdr, n);
            }
        }
        vg_fmap *sub = NULL;
        vg_error err = vg_fmap_sub(st->map, body, len, &sub);
        if (err == VG_OK) {
            err = vgi_scan_child(st->ctx, sub, name);
            vg_fmap_close(sub);
        }
        if (err == VG_ERR_LIMIT)
            st->stop = 1; /* max_files or depth */
        note_emit(st, err);
        return;
    }
    if (!block_decoder(st, body))
        return;
    uint64_t took = 0;
    vg_error err = vgi_nsis_dec_start(st->dec, body, end);
    if (err == VG_OK)
        err = emit_decoded(st, 0, 0, name, is_hdr, &took);
    if (err == VG_ERR_NOMEM)
        note_emit(st, err);
    else if (err != VG_OK)
        fail(st, err, "%s block %s at offset %llu: %s after %llu decoded bytes (input offset %llu)",
             method_name(st->method), name, (unsigned long long)body, vg_strerror(err),
             (unsigned long long)took, (unsigned long long)vgi_nsis_dec_pos(st->dec));
}

static void walk_blocks(nsis *st)
{
    uint64_t pos = st->data_off, data_start = 0;
    char tmp[32];
    for (unsigned i = 0; !st->stop && pos < st->data_end; i++) {
        if (i > MAX_BLOCKS) {
            too_many(st);
            break;
        }
        uint8_t u[4];
        if (st->data_end - pos < 4 || vg_fmap_read(st->map, pos, u, 4) != 4) {
            fail(st, VG_ERR_TRUNCATED, "block length cut at offset %llu", (unsigned long long)pos);
            break;
        }
        uint32_t v = le32(u), len = v & ~COMPRESSED_BIT;
        uint64_t body = pos + 4, end = body + len;
        int cut = end > st->data_end;
        if (cut) {
            fail(st, VG_ERR_TRUNCATED,
                 "block at offset %llu declares %u bytes, %llu are left: scanning those",
                 (unsigned long long)pos, len, (unsigned long long)(st->data_end - body));
            end = st->data_end;
        }
        if (i == 0) {
            emit_block(st, body, end, (int)(v >> 31), "nsis-header", 1);
            parse_names(st);
            data_start = body + len;
        } else {
            st->blocks++;
            emit_block(st, body, end, (int)(v >> 31),
                       block_name(st, pos - data_start, tmp, sizeof tmp), 0);
        }
        if (cut)
            break;
        pos = end;
    }
}

/* ---- solid: one stream of [u32 length][bytes] ... ---- */

static void walk_solid(nsis *st)
{
    if (st->method == NSIS_BZIP2) {
        fail(st, VG_ERR_UNSUPPORTED,
             "solid bzip2 stream at offset %llu: NSIS's bzip2 variant (no stream header, no "
             "CRCs) is not decoded",
             (unsigned long long)st->data_off);
        return;
    }
    vg_error err = vgi_nsis_dec_new(st->map, st->method, st->filter_flag, st->dict_cap, &st->dec);
    if (err == VG_OK)
        err = vgi_nsis_dec_start(st->dec, st->data_off, st->data_end);
    uint8_t u[4] = {0};
    if (err == VG_OK && read_small(st, u, 4, &err) < 4 && err == VG_OK)
        err = VG_ERR_TRUNCATED;
    if (err != VG_OK) {
        if (err == VG_ERR_NOMEM)
            note_emit(st, err);
        else
            fail(st, err, "solid %s stream at offset %llu: no header length (%s)",
                 method_name(st->method), (unsigned long long)st->data_off, vg_strerror(err));
        return;
    }
    uint64_t rel = 0, took, len = le32(u);
    const char *name = "nsis-header";
    char tmp[32];
    for (;;) {
        err = emit_decoded(st, 1, len, name, st->in_header, &took);
        if (took < len && !st->stop) {
            fail(st, err == VG_OK ? VG_ERR_TRUNCATED : err,
                 "solid %s stream: member %s of %llu bytes ends after %llu (%s)",
                 method_name(st->method), name, (unsigned long long)len, (unsigned long long)took,
                 vg_strerror(err == VG_OK ? VG_ERR_TRUNCATED : err));
            break;
        }
        if (st->in_header)
            parse_names(st);
        else
            rel += 4 + len;
        if (st->stop)
            break;
        size_t n;
        do { /* empty blocks make no member */
            memset(u, 0, sizeof u);
            n = read_small(st, u, 4, &err);
            if (n == 4 && vgi_scan_charge_skipped(st->ctx, 4) != VG_OK)
                return; /* framing counts too: a stream of empty blocks is a bomb */
            len = le32(u) & ~COMPRESSED_BIT;
            st->blocks++;
            if (n == 4 && len == 0)
                rel += 4;
        } while (n == 4 && len == 0 && st->blocks < MAX_BLOCKS && !vgi_scan_should_stop(st->ctx));
        if (n == 0 && err == VG_OK)
            break; /* the end */
        if (n < 4) {
            fail(st, err == VG_OK ? VG_ERR_TRUNCATED : err,
                 "solid %s stream ends inside a block length (%s)", method_name(st->method),
                 vg_strerror(err == VG_OK ? VG_ERR_TRUNCATED : err));
            break;
        }
        if (len == 0) {
            if (st->blocks >= MAX_BLOCKS)
                too_many(st);
            break;
        }
        name = block_name(st, rel, tmp, sizeof tmp);
    }
}

/* ---- entry point ---- */

static vg_error nsis_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    nsis st;
    memset(&st, 0, sizeof st);
    st.ctx = ctx;
    st.map = map;
    uint64_t fh, size = vg_fmap_size(map);
    if (!vgi_nsis_find(map, &fh))
        return VG_OK;
    const uint8_t *p = vg_fmap_need(map, fh, FH_SIZE);
    if (p == NULL)
        return VG_ERR_TRUNCATED;
    uint32_t flags = le32(p), arc_len = le32(p + 24);
    st.hdr_len = le32(p + 20);
    int crc = (flags & FL_FORCE_CRC) || !(flags & FL_NO_CRC);
    st.data_off = fh + FH_SIZE;
    if (arc_len < FH_SIZE + (crc ? 4u : 0u)) {
        fail(&st, VG_ERR_MALFORMED, "firstheader at offset %llu declares %u archive bytes",
             (unsigned long long)fh, arc_len);
        return st.err;
    }
    st.data_end = fh + arc_len - (crc ? 4u : 0u);
    if (fh + arc_len > size) {
        fail(&st, VG_ERR_TRUNCATED,
             "archive at offset %llu declares %u bytes, the file ends %llu bytes after it",
             (unsigned long long)fh, arc_len, (unsigned long long)(size - fh));
        st.data_end = size;
    }
    uint8_t sig[11] = {0};
    vg_fmap_read(map, st.data_off, sig, sizeof sig);
    detect(&st, sig);

    const vg_limits *lim = vgi_scan_limits(ctx);
    uint64_t cap = size * lim->max_ratio;
    if (cap / lim->max_ratio != size || cap > DICT_MAX)
        cap = DICT_MAX;
    st.dict_cap = (uint32_t)(cap < DICT_FLOOR ? DICT_FLOOR : cap);

    st.buf = vg_malloc(BUF_SIZE);
    st.hdr_cap = st.hdr_len < HDR_CAP ? st.hdr_len : HDR_CAP;
    st.in_header = 1;
    if (st.buf == NULL)
        return VG_ERR_NOMEM;
    if (st.solid)
        walk_solid(&st);
    else
        walk_blocks(&st);
    vgi_nsis_dec_free(st.dec);
    vgi_nsis_names_free(st.names);
    vg_free(st.hdr);
    vg_free(st.buf);
    return st.err;
}

const vgi_format vgi_format_nsis = {"nsis", nsis_probe, nsis_parse};
