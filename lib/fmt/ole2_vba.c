/* VBA projects (MS-OVBA): where the macro source of a Word or Excel file is.
 *
 *     Macros/VBA/                      (Word; Excel: _VBA_PROJECT_CUR/VBA/)
 *       _VBA_PROJECT                   p-code cache
 *       dir                            compressed records describing the project
 *       ThisDocument, Module1 ...      one stream per module: p-code, then the
 *                                      compressed source from MODULEOFFSET on
 *
 * "dir" is a sequence of records, u16 id + u32 size + data (PROJECTVERSION,
 * id 9, alone carries 6 bytes more than its size says). Per module:
 *
 *     0x0019 MODULENAME        "Module1"
 *     0x001A MODULESTREAMNAME  "Module1" (then 0x0032, the same in UTF-16)
 *     0x0031 MODULEOFFSET      u32: where the source starts in the stream
 *     0x002B TERMINATOR        end of this module's records
 *
 * Compression (2.4.1): a 0x01 byte, then chunks with a u16 header: size - 3
 * in bits 0-11, 0b011 in bits 12-14, bit 15 set when compressed. A
 * compressed chunk is groups of a flag byte and 8 tokens: a literal byte
 * (flag bit 0) or a u16 copy token, split into offset and length at a bit
 * position that grows with how much of the chunk's 4096 bytes is done. */
#include "ole2_vba.h"

#include <stdio.h>
#include <string.h>

#include "../core/mem.h"

#define CHUNK_OUT   4096
#define CHUNK_IN    4098
#define DIR_MAX     ((size_t)1 << 20) /* decompressed "dir"; real ones are a few KiB */
#define MAX_MODULES 512
#define MODNAME_MAX 128

/* One chunk of n bytes (header included, n >= 2) into out; *used is its
 * size in the input. Returns the bytes made, or -1 - made on a bad token. */
static int decode_chunk(const uint8_t *in, size_t n, uint8_t *out, size_t *used)
{
    unsigned h = in[0] | in[1] << 8;
    int compressed = h >> 15;
    size_t size = compressed ? (h & 0xfff) + 3 : CHUNK_IN;
    *used = size;
    if (((h >> 12) & 7) != 3)
        return -1;
    if (size > n)
        size = n; /* cut short: decode what is there */
    if (!compressed) {
        memcpy(out, in + 2, size - 2);
        return (int)(size - 2);
    }
    size_t ip = 2, op = 0;
    while (ip < size && op < CHUNK_OUT) {
        unsigned flags = in[ip++];
        for (int b = 0; b < 8 && ip < size && op < CHUNK_OUT; b++) {
            if (!(flags >> b & 1)) {
                out[op++] = in[ip++];
                continue;
            }
            if (ip + 2 > size)
                return -1 - (int)op;
            unsigned tok = in[ip] | in[ip + 1] << 8;
            ip += 2;
            unsigned bits = 4;
            while (bits < 12 && ((size_t)1 << bits) < op)
                bits++;
            size_t len = (tok & (0xffffu >> bits)) + 3;
            size_t dist = (tok >> (16 - bits)) + 1;
            if (dist > op)
                return -1 - (int)op;
            for (size_t k = 0; k < len && op < CHUNK_OUT; k++, op++)
                out[op] = out[op - dist];
        }
    }
    return (int)op;
}

vg_error vgi_ovba_decompress(vgi_ovba_reader rd, void *rud, uint64_t start, uint64_t end,
                             vgi_ovba_sink sink, void *sud)
{
    uint8_t sig, in[CHUNK_IN], out[CHUNK_OUT];
    if (start >= end || rd(rud, start, &sig, 1) != 1 || sig != 1)
        return VG_ERR_MALFORMED;
    for (uint64_t pos = start + 1; pos + 2 <= end;) {
        size_t want = end - pos < CHUNK_IN ? (size_t)(end - pos) : CHUNK_IN;
        size_t n = rd(rud, pos, in, want);
        if (n < 2)
            return VG_ERR_TRUNCATED;
        size_t used;
        int r = decode_chunk(in, n, out, &used);
        size_t made = r >= 0 ? (size_t)r : (size_t)(-1 - r);
        if (made > 0) {
            vg_error err = sink(sud, out, made);
            if (err != VG_OK)
                return err;
        }
        if (r < 0)
            return VG_ERR_MALFORMED;
        pos += used; /* >= 3: the loop ends */
    }
    return VG_OK;
}

static size_t stream_reader(void *ud, uint64_t off, void *dst, size_t len)
{
    return vgi_ole2_stream_read(ud, off, dst, len);
}

typedef struct dir_buf {
    uint8_t *p;
    size_t len;
} dir_buf;

static vg_error dir_sink(void *ud, const uint8_t *data, size_t len)
{
    dir_buf *d = ud;
    if (len > DIR_MAX - d->len)
        return VG_ERR_LIMIT;
    memcpy(d->p + d->len, data, len);
    d->len += len;
    return VG_OK;
}

typedef struct module {
    uint8_t name[MODNAME_MAX], stream[MODNAME_MAX];
    size_t name_len, stream_len;
    uint32_t offset;
} module;

typedef struct vba {
    vgi_ole2 *o;
    uint32_t *kids; /* the project storage's streams */
    uint32_t nkids;
    unsigned modules;
} vba;

static int name_eq(const vgi_ole2_entry *e, const uint8_t *s, size_t n)
{
    if (e->name_len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned a = e->name[i], b = s[i];
        if (a >= 'A' && a <= 'Z')
            a += 32;
        if (b >= 'A' && b <= 'Z')
            b += 32;
        if (a != b)
            return 0;
    }
    return 1;
}

static void render(const uint8_t *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '/' && s[i] != '\\')
            out[o++] = (char)s[i];
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", s[i]);
    }
    out[o] = '\0';
}

static vg_error child_sink(void *ud, const uint8_t *data, size_t len)
{
    return vgi_child_write(ud, data, len);
}

/* Emits one module's source. Same returns as vgi_ole2_vba(). */
static vg_error emit_module(vba *v, const module *m)
{
    vgi_ole2 *o = v->o;
    char name[5 + 4 * MODNAME_MAX + 1], sname[4 * MODNAME_MAX + 1];
    memcpy(name, "vba:", 4);
    render(m->name_len ? m->name : m->stream, m->name_len ? m->name_len : m->stream_len, name + 4,
           sizeof name - 4);
    render(m->stream, m->stream_len, sname, sizeof sname);
    uint32_t idx = VGI_OLE2_FREE;
    for (uint32_t i = 0; i < v->nkids && idx == VGI_OLE2_FREE; i++)
        if (name_eq(&o->dir[v->kids[i]], m->stream, m->stream_len))
            idx = v->kids[i];
    if (idx == VGI_OLE2_FREE) {
        vgi_ole2_report(o, VG_ERR_MALFORMED, "VBA module %s: no stream named %s", name + 4, sname);
        return VG_OK;
    }
    vgi_ole2_stream st;
    vg_error err = vgi_ole2_stream_open(o, idx, sname, &st);
    if (err != VG_OK)
        return err;
    if (m->offset >= st.size) {
        vgi_ole2_report(o, VG_ERR_MALFORMED, "VBA module %s: source offset %u past its %llu bytes",
                        name + 4, m->offset, (unsigned long long)st.size);
        vgi_ole2_stream_close(&st);
        return VG_OK;
    }
    vgi_child *ch = NULL;
    err = vgi_child_begin(o->ctx, &ch);
    if (err != VG_OK) {
        vgi_ole2_stream_close(&st);
        return vgi_ole2_child_status(err, NULL);
    }
    err = vgi_ovba_decompress(stream_reader, &st, m->offset, st.size, child_sink, ch);
    vg_error status = VG_OK;
    if (err == VG_ERR_MALFORMED || err == VG_ERR_TRUNCATED)
        vgi_ole2_report(o, err, "VBA module %s: compressed source is damaged", name + 4);
    else
        status = vgi_ole2_child_status(err, ch);
    vgi_ole2_stream_close(&st);
    err = vgi_child_finish(ch, name);
    return status != VG_OK ? status : vgi_ole2_child_status(err, NULL);
}

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Walks the dir records, emitting each module at its TERMINATOR. */
static vg_error parse_dir(vba *v, const uint8_t *p, size_t len)
{
    module m;
    int in_module = 0;
    memset(&m, 0, sizeof m);
    for (size_t off = 0; off + 6 <= len;) {
        unsigned id = p[off] | p[off + 1] << 8;
        uint32_t size = rd32(p + off + 2);
        const uint8_t *data = p + off + 6;
        size_t next = id == 0x0009 ? off + 12 : off + 6 + (size_t)size;
        if (size > len - off - 6 || next > len)
            break; /* cut: what came before was handled */
        off = next;
        switch (id) {
        case 0x0019: /* MODULENAME starts a module */
            memset(&m, 0, sizeof m);
            in_module = 1;
            m.name_len = size < MODNAME_MAX ? size : MODNAME_MAX;
            memcpy(m.name, data, m.name_len);
            break;
        case 0x001A:
            m.stream_len = size < MODNAME_MAX ? size : MODNAME_MAX;
            memcpy(m.stream, data, m.stream_len);
            break;
        case 0x0031:
            if (size >= 4)
                m.offset = rd32(data);
            break;
        case 0x002B:
            if (!in_module || m.stream_len == 0)
                break;
            in_module = 0;
            if (++v->modules > MAX_MODULES) {
                vgi_scan_report_limit(v->o->ctx, VG_LIMIT_FILES, "ole2",
                                      "VBA project with more than %u modules", MAX_MODULES);
                return VG_OK;
            }
            vg_error err = emit_module(v, &m);
            if (err != VG_OK)
                return err;
            break;
        default:
            break;
        }
    }
    return VG_OK;
}

vg_error vgi_ole2_vba(vgi_ole2 *o, uint32_t storage)
{
    vba v = {o, NULL, 0, 0};
    dir_buf d = {NULL, 0};
    vgi_ole2_stream st = {0};
    uint32_t dir_idx = VGI_OLE2_FREE;
    vg_error err = VG_ERR_NOMEM;
    v.kids = vg_malloc(((size_t)o->norder + 1) * sizeof *v.kids);
    if (v.kids == NULL)
        goto done;
    for (uint32_t i = 0; i < o->norder; i++) {
        uint32_t x = o->order[i];
        if (o->parent[x] == storage && o->dir[x].type == VGI_OLE2_STREAM) {
            v.kids[v.nkids++] = x;
            if (vgi_ole2_name_is(&o->dir[x], "dir"))
                dir_idx = x;
        }
    }
    err = VG_OK;
    if (dir_idx == VGI_OLE2_FREE)
        goto done;
    if ((err = vgi_ole2_stream_open(o, dir_idx, "dir", &st)) != VG_OK)
        goto done;
    if ((d.p = vg_malloc(DIR_MAX)) == NULL) {
        err = VG_ERR_NOMEM;
        goto done;
    }
    err = vgi_ovba_decompress(stream_reader, &st, 0, st.size, dir_sink, &d);
    if (err == VG_ERR_LIMIT)
        vgi_scan_report_limit(o->ctx, VG_LIMIT_FILESIZE, "ole2",
                              "VBA dir stream decompresses to more than %zu bytes", DIR_MAX);
    else if (err != VG_OK)
        vgi_ole2_report(o, err, "VBA dir stream: damaged compressed data after %zu bytes", d.len);
    err = parse_dir(&v, d.p, d.len);
done:
    vgi_ole2_stream_close(&st);
    vg_free(d.p);
    vg_free(v.kids);
    return err;
}
