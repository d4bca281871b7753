/* Zip members that libarchive lists but cannot inflate: Deflate64 (method 9)
 * and PKWARE Implode (method 6).
 *
 * Take ClamAV's clam.d64.zip: one member, clam.exe, method 9. fmt_archive.c
 * sees the zip first, and libarchive lists clam.exe but cannot inflate it;
 * this handler then reads the end record (the last 22 bytes, or a search of the
 * last 64 KiB when the zip has a comment), walks the central directory and
 * stops at each entry whose method is 6 or 9, in the directory or in the
 * entry's local header (libarchive goes by the latter, so a directory
 * saying "deflate" over an imploded member must not hide it; a mismatch is
 * reported). Every other entry costs a 46- and a 30-byte read and is left to
 * libarchive, so an ordinary zip (a .docx, a .jar) goes through here in one
 * pass over its directory and nothing else.
 * For clam.exe the handler checks the local header, inflates the data with
 * inflate64.c straight into a vgi_child, and scans it as
 * "clam.d64.zip" -> "clam.exe". Imploded members go through explode.c,
 * which needs the uncompressed size (the stream has no end marker) and the
 * dictionary and tree flags (general purpose bits 1 and 2).
 *
 * When there is no end record, or the directory is not where it says (a
 * truncated download, a hand-made dropper), the handler walks the local
 * headers from offset 0 instead, and from the last good entry when the
 * directory breaks halfway. A member with a data descriptor has no sizes in
 * its local header: Deflate64 ends by itself, implode takes the sizes from
 * the descriptor, and other methods are stepped over by searching for the
 * next header signature. The broken directory is reported once, with the
 * first legacy member found, so that a zip with none gets no event from us
 * (libarchive speaks for those).
 *
 * Trust. Offsets and sizes are checked against the object before use and
 * every read goes through the fmap; names are cut to 255 bytes, kept when
 * they are UTF-8 and escaped byte by byte (\xNN) when not. The CRC-32 and the
 * uncompressed size of each member are checked after decoding; a mismatch is
 * an error event, but the data is scanned all the same. Encrypted members
 * are reported as unsupported and skipped. Every inflated byte goes through
 * vgi_child_write(), which stops a bomb at the limits while it inflates, and
 * the sink checks the clock at every chunk. */
#include <stdio.h>
#include <string.h>

#include "explode.h"
#include "fmt.h"
#include "inflate64.h"

#define FMT_NAME    "zip"
#define M_IMPLODE   6
#define M_DEFLATE64 9

#define LFH_SIG   0x04034b50u /* PK\3\4 local file header */
#define CDH_SIG   0x02014b50u /* PK\1\2 central directory header */
#define EOCD_SIG  0x06054b50u /* PK\5\6 end of central directory */
#define DSIG_SIG  0x05054b50u /* PK\5\5 digital signature, after the directory */
#define Z64L_SIG  0x07064b50u /* PK\6\7 zip64 end locator */
#define Z64E_SIG  0x06064b50u /* PK\6\6 zip64 end record */
#define DD_SIG    0x08074b50u /* PK\7\8 data descriptor */
#define LFH_LEN   30
#define CDH_LEN   46
#define EOCD_LEN  22
#define Z64L_LEN  20
#define Z64E_LEN  56
#define EOCD_SPAN (0xFFFFu + EOCD_LEN) /* the record plus the longest comment */

#define GP_ENCRYPTED  0x0001u
#define GP_DESCRIPTOR 0x0008u

#define NAME_BUF     256  /* member names as shown, NUL included */
#define RAW_NAME_MAX 1024 /* raw name bytes looked at */
#define SEARCH_CHUNK ((size_t)64 << 10)

typedef struct zmember {
    unsigned index;
    uint16_t flags, method;
    uint32_t crc;
    int sizes_known; /* csize, usize and crc are real (no pending data descriptor) */
    uint64_t csize, usize;
    uint64_t lho;  /* local header offset in the map */
    uint64_t used; /* out: compressed bytes the decoder consumed */
    char name[NAME_BUF];
} zmember;

typedef struct zwalk {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    uint64_t size;
    const char *cd_problem; /* walking local headers because of this; not reported yet */
    uint32_t crctab[256];
    int crc_ready;
    vg_error err;
    int done;
} zwalk;

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Runs on every object: a resident one (memory, or a file that fits its
 * window, already read by the scan) is looked at in place; a larger file
 * costs one 4-byte read rather than moving its window back to 0. */
static int zip_legacy_probe(vg_fmap *map)
{
    if (vg_fmap_size(map) < LFH_LEN)
        return 0;
    const uint8_t *all = vg_fmap_data(map);
    uint8_t h[4];
    if (all == NULL && vg_fmap_read(map, 0, h, 4) != 4)
        return 0;
    return rd32(all != NULL ? all : h) == LFH_SIG;
}

static int is_legacy(unsigned method)
{
    return method == M_IMPLODE || method == M_DEFLATE64;
}

static void set_err(zwalk *w, vg_error err)
{
    if (w->err == VG_OK)
        w->err = err;
}

/* ---- CRC-32 (ISO-HDLC, as zip stores it) ---- */

static void crc_init(zwalk *w)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        w->crctab[n] = c;
    }
    w->crc_ready = 1;
}

static uint32_t crc_update(const uint32_t *tab, uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n-- > 0)
        crc = tab[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

/* ---- names ---- */

/* Length of the well-formed UTF-8 sequence at p (RFC 3629), or 0. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        len = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        len = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        len = 4;
    else
        return 0;
    if (p[0] == 0xE0)
        lo = 0xA0; /* overlong */
    else if (p[0] == 0xED)
        hi = 0x9F; /* surrogates */
    else if (p[0] == 0xF0)
        lo = 0x90; /* overlong */
    else if (p[0] == 0xF4)
        hi = 0x8F; /* above U+10FFFF */
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

/* A printable name from raw bytes: UTF-8 kept, control characters and
 * other bytes (CP437 names of old archives) as \xNN; cut at NAME_BUF - 1
 * bytes on a character boundary; "#<index>" when empty. */
static void make_name(char *dst, const uint8_t *raw, size_t n, unsigned index)
{
    size_t out = 0;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(raw + i, n - i);
        if (len == 1 && (raw[i] < 0x20 || raw[i] == 0x7F))
            len = 0;
        if (len == 0) {
            if (out + 4 >= NAME_BUF)
                break;
            snprintf(dst + out, NAME_BUF - out, "\\x%02x", raw[i]);
            out += 4;
            i++;
            continue;
        }
        if (out + len >= NAME_BUF)
            break;
        memcpy(dst + out, raw + i, len);
        out += len;
        i += len;
    }
    dst[out] = '\0';
    if (out == 0)
        snprintf(dst, NAME_BUF, "#%u", index);
}

/* Name bytes at off (raw length n), cut to RAW_NAME_MAX before decoding. */
static void read_name(zwalk *w, uint64_t off, size_t n, zmember *m)
{
    uint8_t raw[RAW_NAME_MAX];
    if (n > RAW_NAME_MAX)
        n = RAW_NAME_MAX;
    n = vg_fmap_read(w->map, off, raw, n);
    make_name(m->name, raw, n, m->index);
}

/* Zip64 extended information (extra field 0x0001): the 64-bit values of
 * the fields that hold 0xFFFFFFFF, in this order. lho may be NULL (local
 * headers have none). */
static void read_zip64(zwalk *w, uint64_t off, size_t xlen, uint64_t *usize, uint64_t *csize,
                       uint64_t *lho)
{
    const uint8_t *x = xlen > 0 ? vg_fmap_need(w->map, off, xlen) : NULL;
    for (size_t i = 0; x != NULL && i + 4 <= xlen;) {
        size_t id = rd16(x + i), len = rd16(x + i + 2);
        i += 4;
        if (len > xlen - i)
            return;
        if (id == 0x0001) {
            uint64_t *fields[3] = {usize, csize, lho};
            size_t at = 0;
            for (int f = 0; f < 3; f++) {
                if (fields[f] == NULL || *fields[f] != 0xFFFFFFFFu)
                    continue;
                if (at + 8 > len)
                    return;
                *fields[f] = rd64(x + i + at);
                at += 8;
            }
            return;
        }
        i += len;
    }
}

/* ---- one member ---- */

typedef struct zout {
    zwalk *w;
    vgi_child *child;
    uint32_t crc;
    uint64_t made; /* bytes the decoder delivered */
    vg_error stop; /* why the sink stopped the decoder, or VG_OK */
} zout;

static vg_error zout_write(void *ud, const uint8_t *data, size_t len)
{
    zout *o = ud;
    if (vgi_scan_should_stop(o->w->ctx))
        return o->stop = VG_ERR_ABORTED;
    if (len == 0)
        return VG_OK; /* heartbeat */
    o->crc = crc_update(o->w->crctab, o->crc, data, len);
    o->made += len;
    vg_error err = vgi_child_write(o->child, data, len);
    if (err != VG_OK)
        o->stop = err;
    return err;
}

/* The directory problem that sent us to the local headers, once, now that
 * it matters: a legacy member is behind it. */
static void report_cd_problem(zwalk *w)
{
    if (w->cd_problem == NULL)
        return;
    vgi_scan_report_error(w->ctx, VG_ERR_MALFORMED, FMT_NAME, "%s; walking the local headers",
                          w->cd_problem);
    w->cd_problem = NULL;
}

static const char *method_name(unsigned method)
{
    return method == M_IMPLODE ? "imploded" : "deflate64";
}

/* After decoding: the decoder's own verdict, then size and CRC. */
static void check_member(zwalk *w, const zmember *m, const zout *o, vg_error derr, uint64_t data)
{
    if (o->stop != VG_OK)
        return; /* cut short by a limit or a stop: nothing to compare */
    if (derr == VG_ERR_MALFORMED || derr == VG_ERR_TRUNCATED) {
        vgi_scan_report_error(
            w->ctx, derr, FMT_NAME, "member %s: %s data at offset %llu is %s after %llu bytes out",
            m->name, method_name(m->method), (unsigned long long)data,
            derr == VG_ERR_TRUNCATED ? "cut short" : "corrupt", (unsigned long long)o->made);
    } else if (derr == VG_OK && m->sizes_known && o->made != m->usize) {
        vgi_scan_report_error(w->ctx, VG_ERR_MALFORMED, FMT_NAME,
                              "member %s: inflated to %llu bytes, the directory says %llu", m->name,
                              (unsigned long long)o->made, (unsigned long long)m->usize);
    } else if (derr == VG_OK && m->sizes_known && o->crc != m->crc) {
        vgi_scan_report_error(w->ctx, VG_ERR_MALFORMED, FMT_NAME,
                              "member %s: CRC-32 is %08x, the directory says %08x", m->name,
                              (unsigned)o->crc, (unsigned)m->crc);
    }
}

static void extract(zwalk *w, zmember *m)
{
    report_cd_problem(w);
    m->used = 0;
    if (m->flags & GP_ENCRYPTED) {
        vgi_scan_report_error(w->ctx, VG_ERR_UNSUPPORTED, FMT_NAME, "encrypted member %s", m->name);
        return;
    }
    if (m->method == M_IMPLODE && !m->sizes_known) {
        vgi_scan_report_error(w->ctx, VG_ERR_UNSUPPORTED, FMT_NAME,
                              "imploded member %s: no size recorded before its data", m->name);
        return;
    }
    uint8_t h[LFH_LEN];
    if (vg_fmap_read(w->map, m->lho, h, LFH_LEN) != LFH_LEN || rd32(h) != LFH_SIG) {
        vgi_scan_report_error(w->ctx, VG_ERR_MALFORMED, FMT_NAME,
                              "member %s: no local header at offset %llu", m->name,
                              (unsigned long long)m->lho);
        return;
    }
    uint64_t data = m->lho + LFH_LEN + rd16(h + 26) + rd16(h + 28);
    if (data > w->size) {
        vgi_scan_report_error(w->ctx, VG_ERR_TRUNCATED, FMT_NAME,
                              "member %s: data at offset %llu is past the end", m->name,
                              (unsigned long long)data);
        return;
    }
    uint64_t avail = w->size - data;
    uint64_t clen = m->sizes_known && m->csize < avail ? m->csize : avail;

    vgi_child *child = NULL;
    vg_error err = vgi_child_begin(w->ctx, &child);
    if (err != VG_OK) {
        if (err != VG_ERR_LIMIT && err != VG_ERR_ABORTED) /* LIMIT: already reported */
            set_err(w, err);
        w->done = 1;
        return;
    }
    if (!w->crc_ready)
        crc_init(w);
    zout o = {.w = w, .child = child};
    vg_error derr;
    if (m->method == M_DEFLATE64) {
        derr = vgi_inflate64(w->map, data, clen, VGI_INFLATE_DEFLATE64, zout_write, &o, &m->used);
    } else {
        derr = vgi_explode(w->map, data, clen, m->flags, m->usize, zout_write, &o);
        m->used = clen;
    }
    if (derr == VG_ERR_NOMEM || o.stop == VG_ERR_ABORTED) {
        vgi_child_discard(child);
        if (derr == VG_ERR_NOMEM)
            set_err(w, derr);
        w->done = 1;
        return;
    }
    check_member(w, m, &o, derr, data);
    /* Scan what was made, also when the stream broke off or hit a limit. */
    err = vgi_child_finish(child, m->name);
    if (err != VG_OK && err != VG_ERR_LIMIT) {
        if (err != VG_ERR_ABORTED)
            set_err(w, err);
        w->done = 1;
    } else if (o.stop == VG_ERR_LIMIT) {
        /* Only max_file_size leaves room for the next member; the scan
         * budget and the ratio are spent for every later one too. */
        if (o.made <= vgi_scan_limits(w->ctx)->max_file_size)
            w->done = 1;
    } else if (o.stop != VG_OK) {
        set_err(w, o.stop); /* could not keep the member: already reported */
        w->done = 1;
    }
}

/* ---- local headers ---- */

/* First "PK" record (local, central or end header) at or after from. */
static int next_record(zwalk *w, uint64_t from, uint64_t *at)
{
    while (from + 4 <= w->size) {
        if (vgi_scan_should_stop(w->ctx))
            return 0;
        uint64_t left = w->size - from;
        size_t n = left < SEARCH_CHUNK ? (size_t)left : SEARCH_CHUNK;
        const uint8_t *p = vg_fmap_need(w->map, from, n);
        if (p == NULL)
            return 0;
        for (const uint8_t *q = p; (q = memchr(q, 'P', n - 3 - (size_t)(q - p))) != NULL; q++) {
            uint32_t sig = rd32(q);
            if (sig == LFH_SIG || sig == CDH_SIG || sig == EOCD_SIG) {
                *at = from + (uint64_t)(q - p);
                return 1;
            }
            if ((size_t)(q - p) + 4 >= n)
                break;
        }
        from += n - 3; /* a signature may straddle two chunks */
    }
    return 0;
}

/* Sizes of an imploded member written with a data descriptor: from the
 * descriptor (signature required) that ends right before one of the next
 * few records and whose compressed size matches the distance to it. A few:
 * the data may hold "PK\3\4" by chance, but each try scans further. */
static void sizes_from_descriptor(zwalk *w, zmember *m, uint64_t data)
{
    uint64_t dd = data;
    uint8_t d[16];
    for (int tries = 0; tries < 4 && next_record(w, dd, &dd); tries++, dd++) {
        if (dd - data >= 16 && vg_fmap_read(w->map, dd - 16, d, 16) == 16 && rd32(d) == DD_SIG &&
            rd32(d + 8) == dd - 16 - data) {
            m->crc = rd32(d + 4);
            m->csize = rd32(d + 8);
            m->usize = rd32(d + 12);
            m->sizes_known = 1;
            return;
        }
    }
}

/* Walks local headers from pos; skip_first: the header at pos was already
 * handled through the central directory. */
static void local_walk(zwalk *w, uint64_t pos, int skip_first)
{
    for (unsigned index = 0; !w->done; index++) {
        if (vgi_scan_should_stop(w->ctx))
            break;
        uint8_t h[LFH_LEN];
        if (vg_fmap_read(w->map, pos, h, LFH_LEN) != LFH_LEN || rd32(h) != LFH_SIG)
            break;
        zmember m = {.index = index, .flags = rd16(h + 6), .method = rd16(h + 8)};
        m.crc = rd32(h + 14);
        m.csize = rd32(h + 18);
        m.usize = rd32(h + 22);
        m.lho = pos;
        size_t nlen = rd16(h + 26), xlen = rd16(h + 28);
        uint64_t data = pos + LFH_LEN + nlen + xlen;
        if (data > w->size)
            break;
        read_zip64(w, pos + LFH_LEN + nlen, xlen, &m.usize, &m.csize, NULL);
        int descriptor = (m.flags & GP_DESCRIPTOR) != 0;
        m.sizes_known = !descriptor;
        uint64_t next = descriptor ? data : data + m.csize;
        if (is_legacy(m.method) && !(skip_first && index == 0)) {
            read_name(w, pos + LFH_LEN, nlen, &m);
            if (descriptor && m.method == M_IMPLODE)
                sizes_from_descriptor(w, &m, data);
            extract(w, &m);
            if (descriptor && m.method == M_DEFLATE64)
                next = data + m.used; /* the stream ended there */
        }
        if (descriptor && !next_record(w, next, &next))
            break;
        if (next <= pos || next >= w->size)
            break;
        pos = next;
    }
}

/* ---- central directory ---- */

typedef struct zend {
    uint64_t cd_off, cd_size;
    uint64_t at; /* where the directory must end: the (zip64) end record */
} zend;

/* The end record: the last 22 bytes, or searched for in the last 64 KiB. */
static int find_end(zwalk *w, zend *e)
{
    if (w->size < EOCD_LEN)
        return 0;
    uint64_t pos = w->size - EOCD_LEN;
    const uint8_t *p = vg_fmap_need(w->map, pos, EOCD_LEN);
    if (p == NULL || rd32(p) != EOCD_SIG || rd16(p + 20) != 0) {
        size_t span = w->size < EOCD_SPAN ? (size_t)w->size : EOCD_SPAN;
        uint64_t start = w->size - span;
        const uint8_t *t = vg_fmap_need(w->map, start, span);
        size_t i = span - EOCD_LEN + 1;
        while (t != NULL && i-- > 0)
            if (rd32(t + i) == EOCD_SIG && i + EOCD_LEN + rd16(t + i + 20) <= span)
                break;
        if (t == NULL || i == (size_t)-1)
            return 0;
        pos = start + i;
        p = t + i;
    }
    e->cd_size = rd32(p + 12);
    e->cd_off = rd32(p + 16);
    e->at = pos;
    if (rd16(p + 10) != 0xFFFF && e->cd_size != 0xFFFFFFFFu && e->cd_off != 0xFFFFFFFFu)
        return 1;
    /* Zip64: the locator sits right before the end record. */
    uint8_t l[Z64L_LEN], r[Z64E_LEN];
    if (pos < Z64L_LEN || vg_fmap_read(w->map, pos - Z64L_LEN, l, Z64L_LEN) != Z64L_LEN ||
        rd32(l) != Z64L_SIG)
        return 1;
    uint64_t rec = rd64(l + 8);
    if (rec >= pos || vg_fmap_read(w->map, rec, r, Z64E_LEN) != Z64E_LEN || rd32(r) != Z64E_SIG)
        return 1;
    e->cd_size = rd64(r + 40);
    e->cd_off = rd64(r + 48);
    e->at = rec;
    return 1;
}

static int cdh_at(zwalk *w, uint64_t off)
{
    uint8_t s[4];
    return vg_fmap_read(w->map, off, s, 4) == 4 && rd32(s) == CDH_SIG;
}

/* Walks the directory in [start, e->at). Returns 1 when it was read to its
 * end (or the scan must stop), 0 when it broke; *resume is then the highest
 * local header offset seen, -1 when none. */
/* The method that counts is the local header's: libarchive inflates by it
 * (and leaves members whose local method is 6 or 9 to us), so a directory
 * that says 8 over an imploded member must not hide it from both of us. */
static void pick_method(zwalk *w, zmember *m, uint64_t name_off, size_t nlen)
{
    uint8_t h[LFH_LEN];
    if (vg_fmap_read(w->map, m->lho, h, LFH_LEN) != LFH_LEN || rd32(h) != LFH_SIG)
        return; /* a legacy member gets its error from extract() */
    unsigned method = rd16(h + 8);
    if (method == m->method || (!is_legacy(method) && !is_legacy(m->method)))
        return;
    read_name(w, name_off, nlen, m);
    vgi_scan_report_error(w->ctx, VG_ERR_MALFORMED, FMT_NAME,
                          "member %s: method %u in the directory, %u in the local header", m->name,
                          m->method, method);
    if (is_legacy(method)) {
        m->method = (uint16_t)method;
        m->flags = rd16(h + 6);
    }
}

/* Walks the directory in [start, e->at). Returns 1 when it was read to its
 * end (or the scan must stop), 0 when it broke; *resume is then the highest
 * local header offset seen, -1 when none. Each entry costs its 46 bytes and
 * the 30 of its local header. */
static int cd_walk(zwalk *w, uint64_t start, uint64_t bias, const zend *e, int64_t *resume)
{
    uint64_t pos = start;
    *resume = -1;
    for (unsigned index = 0; pos < e->at && !w->done; index++) {
        if (index % 256 == 0 && vgi_scan_should_stop(w->ctx))
            return 1;
        const uint8_t *p = vg_fmap_need(w->map, pos, CDH_LEN);
        if (p == NULL || rd32(p) != CDH_SIG)
            return p != NULL && rd32(p) == DSIG_SIG; /* the signature record ends it */
        uint8_t h[CDH_LEN];
        memcpy(h, p, CDH_LEN); /* p lasts only until the next need() */
        size_t nlen = rd16(h + 28), xlen = rd16(h + 30), clen = rd16(h + 32);
        zmember m = {.index = index, .flags = rd16(h + 8), .method = rd16(h + 10)};
        m.crc = rd32(h + 16);
        m.csize = rd32(h + 20);
        m.usize = rd32(h + 24);
        m.lho = rd32(h + 42);
        m.sizes_known = 1;
        if (m.usize == 0xFFFFFFFFu || m.csize == 0xFFFFFFFFu || m.lho == 0xFFFFFFFFu)
            read_zip64(w, pos + CDH_LEN + nlen, xlen, &m.usize, &m.csize, &m.lho);
        m.lho = m.lho > UINT64_MAX - bias ? UINT64_MAX : m.lho + bias;
        if (m.lho < w->size && (int64_t)m.lho > *resume)
            *resume = (int64_t)m.lho;
        pick_method(w, &m, pos + CDH_LEN, nlen);
        if (is_legacy(m.method)) {
            read_name(w, pos + CDH_LEN, nlen, &m);
            extract(w, &m);
        }
        pos += CDH_LEN + nlen + xlen + clen;
    }
    return 1;
}

static vg_error zip_legacy_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    zwalk w = {.ctx = ctx, .map = map, .size = vg_fmap_size(map)};
    zend e;
    if (!find_end(&w, &e)) {
        w.cd_problem = "no end of central directory record";
        local_walk(&w, 0, 0);
        return w.err;
    }
    /* The directory is where the end record says, or, when something was
     * prepended to the archive, right before the end record. A zip whose
     * directory lists nothing has a local header at 0 all the same (probe
     * saw it): an empty directory that hides its members is walked too. */
    uint64_t start = e.cd_off, bias = 0;
    int found = cdh_at(&w, start);
    if (!found && e.cd_size <= e.at && e.at - e.cd_size > e.cd_off &&
        cdh_at(&w, e.at - e.cd_size)) {
        start = e.at - e.cd_size;
        bias = start - e.cd_off;
        found = 1;
    }
    int64_t resume;
    if (!found) {
        w.cd_problem = e.cd_size == 0 ? "the central directory lists no members"
                                      : "no central directory where the end record says";
        local_walk(&w, 0, 0);
    } else if (!cd_walk(&w, start, bias, &e, &resume)) {
        w.cd_problem = "the central directory is broken";
        local_walk(&w, resume >= 0 ? (uint64_t)resume : 0, resume >= 0);
    }
    return w.err;
}

const vgi_format vgi_format_zip_legacy = {"zip_legacy", zip_legacy_probe, zip_legacy_parse};
