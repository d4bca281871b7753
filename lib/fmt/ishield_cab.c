/* InstallShield 6+ cabinets: the file table in data1.hdr, the data in
 * data1.cab, data2.cab, ... (each volume opens with the same 20 bytes).
 *
 *     common header, 20 bytes:  "ISc(" u32 version, u32 volume info,
 *                               u32 cab descriptor offset, u32 its size
 *     cab descriptor:           +0x0c u32 file table offset (from the descriptor)
 *                               +0x1c u32 directory count
 *                               +0x28 u32 file count
 *                               +0x2c u32 descriptors' offset (from the file table)
 *     file table:               u32 offset of each directory name, then
 *     file descriptor, 0x57 bytes:
 *         +0x00 u16 flags (1 split, 2 obfuscated, 4 compressed, 8 invalid)
 *         +0x02 u64 size, +0x0a u64 compressed size, +0x12 u64 data offset
 *         +0x1a md5[16] ... +0x3a u32 name offset (from the file table)
 *         +0x3e u16 directory index, +0x4c u32 previous link,
 *         +0x54 u8 link flags (1: same data as the previous link),
 *         +0x55 u16 volume (N of dataN.cab)
 *     compressed data, in the volume at the data offset:
 *         [u16 n][n bytes of raw deflate, ending with a sync flush] ...
 *
 * Files without the compressed flag and with a data offset are stored:
 * they are zero-copy views; a data offset of 0 means the file sits on the
 * disk next to the cabinets (setup.exe, setup.ini: members of the setup
 * already). Each emitted file is named "<dir>\<name>" from the table.
 * Version 5 cabinets (another descriptor layout) and obfuscated files are
 * reported as unsupported; a file that is split across volumes is decoded
 * as far as its first volume goes.
 *
 * Bounds: the header is read through a sub-map, so no offset leaves it; the
 * file count is capped by the room the descriptors take; names by
 * VGI_ISHIELD_NAME; every chunk must fit in the file's compressed size and
 * the compressed size in its volume. */
#include "ishield_cab.h"

#include <stdio.h>
#include <string.h>

#define DESC_SIZE     0x57u
#define FL_SPLIT      1u
#define FL_OBFUSCATED 2u
#define FL_COMPRESSED 4u
#define FL_INVALID    8u
#define LINK_PREV     1u

typedef struct file {
    unsigned index, flags, link, volume, dup; /* dup: same data as an earlier file */
    uint64_t size, csize, data_off;
    char name[VGI_ISHIELD_NAME];
} file;

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* The string at off in h (at most VGI_ISHIELD_NAME - 1 bytes) into dst. */
static void read_str(vg_fmap *h, uint64_t off, char dst[VGI_ISHIELD_NAME])
{
    uint8_t raw[VGI_ISHIELD_NAME - 1];
    size_t n = vg_fmap_read(h, off, raw, sizeof raw);
    vgi_ishield_name(dst, raw, n, "");
}

static void file_name(vg_fmap *h, uint64_t table, uint32_t dirs, uint32_t name_off, unsigned dir,
                      file *f)
{
    char name[VGI_ISHIELD_NAME], dname[VGI_ISHIELD_NAME] = "";
    read_str(h, table + name_off, name);
    uint8_t p[4];
    if (dir < dirs && vg_fmap_read(h, table + 4u * (uint64_t)dir, p, 4) == 4)
        read_str(h, table + le32(p), dname);
    if (name[0] == '\0')
        snprintf(name, sizeof name, "file%u", f->index);
    /* "<dir>\<name>", the directory taking at most half of the room */
    size_t o = 0, cap = sizeof f->name - 1;
    if (dname[0] != '\0') {
        for (size_t i = 0; dname[i] != '\0' && o < cap / 2; i++)
            f->name[o++] = dname[i];
        f->name[o++] = '\\';
    }
    for (size_t i = 0; name[i] != '\0' && o < cap; i++)
        f->name[o++] = name[i];
    f->name[o] = '\0';
}

/* One chunk (in is->in[0..n)) inflated into c; 1 when the member is done. */
static int inflate_chunk(vgi_ishield *is, vgi_child *c, z_stream *z, size_t n, const file *f,
                         uint64_t at)
{
    if (inflateReset(z) != Z_OK)
        return 1;
    z->next_in = is->in;
    z->avail_in = (uInt)n;
    do {
        z->next_out = is->out;
        z->avail_out = (uInt)VGI_ISHIELD_BUF;
        int zr = inflate(z, Z_NO_FLUSH);
        size_t got = VGI_ISHIELD_BUF - z->avail_out;
        if (vgi_ishield_write(is, c, is->out, got))
            return 1;
        if (zr == Z_STREAM_END || (zr == Z_BUF_ERROR && got == 0))
            return 0;
        if (zr == Z_MEM_ERROR) {
            vgi_ishield_status(is, VG_ERR_NOMEM);
            return 1;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            vgi_ishield_fail(is, VG_ERR_MALFORMED, "%s: bad deflate chunk at offset %llu", f->name,
                             (unsigned long long)at);
            return 1;
        }
    } while (z->avail_in > 0 || z->avail_out == 0);
    return 0;
}

/* The chunks of a compressed file in [off, end) of the object. */
static void inflate_file(vgi_ishield *is, const file *f, uint64_t off, uint64_t end)
{
    vgi_child *c = NULL;
    vg_error err = vgi_child_begin(is->ctx, &c);
    if (err != VG_OK) {
        vgi_ishield_status(is, err);
        return;
    }
    z_stream z;
    if ((err = vgi_ishield_zinit(&z, -15)) != VG_OK) {
        vgi_child_discard(c);
        vgi_ishield_status(is, err);
        return;
    }
    while (end - off >= 2) {
        if (vgi_scan_should_stop(is->ctx)) {
            is->stop = 1;
            break;
        }
        uint8_t p[2];
        if (vg_fmap_read(is->map, off, p, 2) != 2)
            break;
        size_t n = le16(p);
        off += 2;
        if (n > end - off) {
            vgi_ishield_fail(is, VG_ERR_TRUNCATED,
                             "%s: chunk of %zu bytes at offset %llu overruns the file's data",
                             f->name, n, (unsigned long long)(off - 2));
            break;
        }
        if (n == 0)
            continue;
        if (vg_fmap_read(is->map, off, is->in, n) != n)
            break;
        if (inflate_chunk(is, c, &z, n, f, off))
            break;
        off += n;
    }
    inflateEnd(&z);
    vgi_ishield_status(is, vgi_child_finish(c, f->name));
}

static const vgi_ishield_vol *find_vol(const vgi_ishield_vol *vols, size_t nvols, unsigned no)
{
    for (size_t i = 0; i < nvols; i++)
        if (vols[i].no == no)
            return &vols[i];
    return NULL;
}

static void emit_file(vgi_ishield *is, const file *f, const vgi_ishield_vol *v, int *obf_told)
{
    /* The size that matters is the one read: a file claiming 0 bytes of
     * output is not skipped while it has compressed bytes. */
    uint64_t want = f->flags & FL_COMPRESSED ? f->csize : f->size;
    if ((f->flags & FL_INVALID) || f->dup || want == 0)
        return;
    if (!(f->flags & FL_COMPRESSED) && f->data_off == 0)
        return; /* next to the cabinets, not in them */
    if (f->flags & FL_OBFUSCATED) {
        if (!*obf_told)
            vgi_ishield_fail(is, VG_ERR_UNSUPPORTED,
                             "%s: obfuscated cabinet files are not "
                             "supported",
                             f->name);
        *obf_told = 1;
        return;
    }
    if (f->data_off >= v->size) {
        vgi_ishield_fail(is, VG_ERR_MALFORMED, "%s: data offset %llu is past data%u.cab", f->name,
                         (unsigned long long)f->data_off, v->no);
        return;
    }
    uint64_t len = want <= v->size - f->data_off ? want : v->size - f->data_off;
    uint64_t off = v->off + f->data_off;
    if (f->flags & FL_COMPRESSED) {
        inflate_file(is, f, off, off + len);
    } else {
        vg_fmap *sub = NULL;
        if (vg_fmap_sub(is->map, off, len, &sub) != VG_OK) {
            vgi_ishield_status(is, VG_ERR_NOMEM);
            return;
        }
        vgi_ishield_status(is, vgi_scan_child(is->ctx, sub, f->name));
        vg_fmap_close(sub);
    }
    if (len < want && !is->stop)
        vgi_ishield_fail(is, f->flags & FL_SPLIT ? VG_ERR_UNSUPPORTED : VG_ERR_TRUNCATED,
                         "%s: %llu bytes of data declared, data%u.cab holds %llu%s", f->name,
                         (unsigned long long)want, v->no, (unsigned long long)len,
                         f->flags & FL_SPLIT ? " (split across volumes)" : "");
}

/* Whether descriptor prev points at the same bytes as f: then f is a
 * duplicate already emitted (a link flag alone must not hide a file). */
static int same_data(vg_fmap *h, uint64_t descs, uint32_t prev, const file *f)
{
    const uint8_t *p = vg_fmap_need(h, descs + (uint64_t)prev * DESC_SIZE, DESC_SIZE);
    unsigned mask = FL_COMPRESSED | FL_OBFUSCATED | FL_INVALID;
    return p != NULL && (le16(p) & mask) == (f->flags & mask) && le64(p + 0x0a) == f->csize &&
           le64(p + 0x12) == f->data_off && le16(p + 0x55) == f->volume;
}

/* Major version from the header's version word (as unshield reads it). */
static unsigned major_version(uint32_t v)
{
    if (v >> 24 == 1)
        return (v >> 12) & 0xf;
    if (v >> 24 == 2 || v >> 24 == 4)
        return (v & 0xffff) / 100;
    return 0;
}

static void walk(vgi_ishield *is, vg_fmap *h, uint64_t hdr_size, const vgi_ishield_vol *vols,
                 size_t nvols)
{
    const uint8_t *p = vg_fmap_need(h, 0, 20);
    if (p == NULL || memcmp(p, "ISc(", 4) != 0) {
        vgi_ishield_fail(is, VG_ERR_MALFORMED, "data1.hdr has no ISc( signature");
        return;
    }
    uint32_t version = le32(p + 4), cdo = le32(p + 12);
    unsigned major = major_version(version);
    if (major < 6) {
        vgi_ishield_fail(is, VG_ERR_UNSUPPORTED,
                         "InstallShield cabinet version %08x is not supported", version);
        return;
    }
    if ((p = vg_fmap_need(h, cdo, 0x30)) == NULL) {
        vgi_ishield_fail(is, VG_ERR_TRUNCATED, "data1.hdr: cab descriptor at %u is cut short", cdo);
        return;
    }
    uint64_t table = (uint64_t)cdo + le32(p + 0x0c);
    uint32_t dirs = le32(p + 0x1c), count = le32(p + 0x28);
    uint64_t descs = table + le32(p + 0x2c);
    uint64_t room = descs < hdr_size ? (hdr_size - descs) / DESC_SIZE : 0;
    if (count > room) {
        vgi_ishield_fail(is, VG_ERR_MALFORMED, "data1.hdr declares %u files, it has room for %llu",
                         count, (unsigned long long)room);
        count = (uint32_t)room;
    }
    int obf_told = 0;
    for (uint32_t i = 0; i < count && !is->stop; i++) {
        if (vgi_scan_should_stop(is->ctx))
            return;
        if ((p = vg_fmap_need(h, descs + (uint64_t)i * DESC_SIZE, DESC_SIZE)) == NULL)
            return;
        file f;
        f.index = i;
        f.flags = le16(p);
        f.size = le64(p + 0x02);
        f.csize = le64(p + 0x0a);
        f.data_off = le64(p + 0x12);
        uint32_t name_off = le32(p + 0x3a);
        unsigned dir = le16(p + 0x3e);
        f.link = p[0x54];
        f.volume = le16(p + 0x55);
        uint32_t prev = le32(p + 0x4c);
        f.dup = (f.link & LINK_PREV) && prev < i && same_data(h, descs, prev, &f);
        const vgi_ishield_vol *v = find_vol(vols, nvols, f.volume);
        if (v == NULL)
            continue; /* on another disk */
        file_name(h, table, dirs, name_off, dir, &f);
        emit_file(is, &f, v, &obf_told);
    }
}

void vgi_ishield_cab(vgi_ishield *is, uint64_t hdr_off, uint64_t hdr_size,
                     const vgi_ishield_vol *vols, size_t nvols)
{
    vg_fmap *h = NULL;
    if (vg_fmap_sub(is->map, hdr_off, hdr_size, &h) != VG_OK) {
        vgi_ishield_status(is, VG_ERR_NOMEM);
        return;
    }
    walk(is, h, hdr_size, vols, nvols);
    vg_fmap_close(h);
}
