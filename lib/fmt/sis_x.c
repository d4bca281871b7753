/* Symbian 9 SIS files (SISX): a tree of tagged fields.
 *
 *     0x00  UID1 10201A7A, UID2, UID3, UID checksum
 *     0x10  field: u32 type 12 (SISContents), u32 length, data, padding
 *                  to a multiple of 4
 *             SISControllerChecksum (34), SISDataChecksum (35)
 *             SISCompressed (3): the controller (names, options, ...)
 *             SISData (30)
 *               SISArray (2): u32 element type 31, then elements without
 *                             their type field (length, data, padding)
 *                 SISDataUnit (31): one per package, embedded ones too
 *                   SISArray of SISFileData (32)
 *                     SISCompressed: u32 algorithm (0 none, 1 zlib),
 *                                    u64 uncompressed size, the bytes
 *
 * A length whose top bit is set continues in a second u32 (63 bits). The
 * walk descends only into the containers on the path to the file data and
 * emits every SISCompressed found in a SISFileData, named
 * "data<unit>/file<index>": the destination names sit in the compressed
 * controller, which is not parsed. Nesting is capped at 8 levels, every
 * field must lie inside its parent, and each step moves forward. */
#include "sis_x.h"

#include <stdio.h>

#include "sis_emit.h"

#define FMT_NAME  "sis"
#define UID1_SISX 0x10201A7Au
#define MAX_DEPTH 8

#define T_ARRAY      2
#define T_COMPRESSED 3
#define T_CONTENTS   12
#define T_DATA       30
#define T_DATAUNIT   31
#define T_FILEDATA   32

typedef struct sisx_walk {
    vgi_sis_out o;
    unsigned unit, file; /* data unit and file within it, for names */
    unsigned steps;
} sisx_walk;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int vgi_sisx_probe(const uint8_t *p, size_t n)
{
    return n >= 20 && rd32(p) == UID1_SISX && rd32(p + 16) == T_CONTENTS;
}

/* The field at *off inside [.., end): type (when has_type; array elements
 * have none), data
 * range; moves *off past it and its padding. 0 when it does not fit. */
static int field(sisx_walk *w, uint64_t *off, uint64_t end, int has_type, uint32_t *type,
                 uint64_t *data, uint64_t *len)
{
    uint8_t b[12];
    unsigned hl = has_type ? 8 : 4;
    if (*off > end || end - *off < hl || vg_fmap_read(w->o.map, *off, b, hl) != hl)
        return 0;
    const uint8_t *l = has_type ? b + 4 : b;
    if (has_type)
        *type = rd32(b);
    uint64_t n = rd32(l);
    if (n & 0x80000000u) {
        uint8_t hi[4];
        if (end - *off < hl + 4u || vg_fmap_read(w->o.map, *off + hl, hi, 4) != 4)
            return 0;
        n = (n & 0x7fffffffu) | (uint64_t)rd32(hi) << 31;
        hl += 4;
    }
    if (n > end - *off - hl)
        return 0;
    *data = *off + hl;
    *len = n;
    uint64_t next = *data + n;
    next += (4 - (next & 3)) & 3;
    *off = next < end ? next : end;
    return 1;
}

static int walk(sisx_walk *w, uint64_t off, uint64_t end, int depth, uint32_t parent);

static void emit_compressed(sisx_walk *w, uint64_t data, uint64_t len)
{
    char name[64];
    snprintf(name, sizeof name, "data%u/file%u", w->unit, w->file);
    w->file++;
    uint8_t h[12];
    if (len < 12 || vg_fmap_read(w->o.map, data, h, 12) != 12) {
        vgi_scan_report_error(w->o.ctx, VG_ERR_MALFORMED, FMT_NAME,
                              "%s: SISCompressed field at offset %llu is too short", name,
                              (unsigned long long)data);
        vgi_sis_set_err(&w->o, VG_ERR_MALFORMED);
        return;
    }
    uint32_t alg = rd32(h);
    uint64_t usize = rd32(h + 4) | (uint64_t)rd32(h + 8) << 32;
    if (alg > 1) {
        vgi_scan_report_error(w->o.ctx, VG_ERR_UNSUPPORTED, FMT_NAME,
                              "%s: compression algorithm %u", name, (unsigned)alg);
        return;
    }
    vgi_sis_emit(&w->o, data + 12, len - 12, alg == 1, alg == 1 ? usize : UINT64_MAX, name);
}

/* One field's contents: containers are walked, file data emitted. */
static int visit(sisx_walk *w, uint32_t type, uint64_t data, uint64_t len, int depth,
                 uint32_t parent)
{
    switch (type) {
    case T_CONTENTS:
    case T_DATA:
    case T_FILEDATA:
        return walk(w, data, data + len, depth + 1, type);
    case T_DATAUNIT: {
        int ok = walk(w, data, data + len, depth + 1, type);
        w->unit++;
        w->file = 0;
        return ok;
    }
    case T_ARRAY: {
        uint8_t b[4];
        if (len < 4 || vg_fmap_read(w->o.map, data, b, 4) != 4)
            return 0;
        uint32_t et = rd32(b);
        if (et != T_DATAUNIT && et != T_FILEDATA)
            return 1; /* not on the way to file data */
        uint64_t off = data + 4, end = data + len;
        while (off < end && !w->o.done) {
            uint64_t ed, el;
            if (++w->steps % 64 == 0 && vgi_scan_should_stop(w->o.ctx))
                return 1;
            if (!field(w, &off, end, 0, NULL, &ed, &el) || !visit(w, et, ed, el, depth + 1, type))
                return 0;
        }
        return 1;
    }
    case T_COMPRESSED:
        if (parent == T_FILEDATA)
            emit_compressed(w, data, len);
        return 1;
    default:
        return 1;
    }
}

static int walk(sisx_walk *w, uint64_t off, uint64_t end, int depth, uint32_t parent)
{
    if (depth > MAX_DEPTH)
        return 0;
    while (off < end && !w->o.done) {
        uint32_t type;
        uint64_t data, len;
        if (++w->steps % 64 == 0 && vgi_scan_should_stop(w->o.ctx))
            return 1;
        if (!field(w, &off, end, 1, &type, &data, &len))
            return 0;
        if (!visit(w, type, data, len, depth, parent))
            return 0;
    }
    return 1;
}

vg_error vgi_sisx_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    sisx_walk w = {.o = {.ctx = ctx, .map = map, .size = vg_fmap_size(map), .data_start = 16}};
    if (!walk(&w, 16, w.o.size, 0, 0)) {
        vgi_scan_report_error(ctx, VG_ERR_MALFORMED, FMT_NAME,
                              "Symbian 9 SIS file: a field overruns its container or the file, "
                              "or nests deeper than %d levels",
                              MAX_DEPTH);
        vgi_sis_set_err(&w.o, VG_ERR_MALFORMED);
    }
    vgi_sis_out_cleanup(&w.o);
    return w.o.err;
}
