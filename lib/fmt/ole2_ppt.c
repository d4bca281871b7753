/* "PowerPoint Document" streams: records, and the OLE objects among them.
 *
 * Every record has an 8-byte header:
 *
 *     u16 recVer (bits 0-3) | recInstance (bits 4-15)
 *     u16 recType
 *     u32 recLen          bytes of body that follow
 *
 * recVer 0xF marks a container whose body is more records, e.g.
 *
 *     0x03E8 DocumentContainer { 0x03E9 DocumentAtom, 0x0FF0 SlideListWithText ... }
 *     0x1011 ExOleObjStg, recInstance 1: u32 size, then a zlib stream
 *
 * An ExOleObjStg holds the embedded object's storage, itself a compound
 * file (clam.ppt holds a Package object with clam.exe in it), so the body
 * is emitted and the scan opens it again. Containers are entered up to
 * MAX_NEST deep with a stack of their ends; every step moves forward by at
 * least 8 bytes, so the walk ends after at most size / 8 records. */
#include "ole2_ppt.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "../core/mem.h"

#define MAX_NEST     32
#define EXOLEOBJSTG  0x1011
#define NAME_MAX_LEN 1100

static voidpf zalloc_vg(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return vg_calloc(items, size);
}

static void zfree_vg(voidpf opaque, voidpf p)
{
    (void)opaque;
    vg_free(p);
}

/* Inflates [off, end) of the stream into a member. */
static vg_error inflate_obj(vgi_ole2_stream *st, uint64_t off, uint64_t end, const char *name,
                            uint8_t *buf, size_t cap)
{
    vgi_ole2 *o = st->o;
    size_t icap = cap / 2, ocap = cap - cap / 2;
    uint8_t *in = buf, *out = buf + icap;
    z_stream z;
    memset(&z, 0, sizeof z);
    z.zalloc = zalloc_vg;
    z.zfree = zfree_vg;
    if (inflateInit(&z) != Z_OK)
        return VG_ERR_NOMEM;
    vgi_child *ch = NULL;
    vg_error err = vgi_child_begin(o->ctx, &ch);
    if (err != VG_OK) {
        inflateEnd(&z);
        return vgi_ole2_child_status(err, NULL);
    }
    vg_error status = VG_OK;
    for (;;) {
        if (z.avail_in == 0 && off < end) {
            size_t want = end - off < icap ? (size_t)(end - off) : icap;
            size_t n = vgi_ole2_stream_read(st, off, in, want);
            off += n;
            if (n < want)
                off = end; /* the stream is cut: inflate what came */
            z.next_in = in;
            z.avail_in = (uInt)n;
        }
        uInt before_in = z.avail_in;
        z.next_out = out;
        z.avail_out = (uInt)ocap;
        int r = inflate(&z, Z_NO_FLUSH);
        size_t made = ocap - z.avail_out;
        if (made > 0 && (err = vgi_child_write(ch, out, made)) != VG_OK) {
            status = vgi_ole2_child_status(err, ch);
            break;
        }
        if (r == Z_STREAM_END)
            break;
        if (r == Z_NEED_DICT || r == Z_DATA_ERROR || r == Z_MEM_ERROR) {
            if (r == Z_MEM_ERROR)
                status = VG_ERR_NOMEM;
            else
                vgi_ole2_report(o, VG_ERR_MALFORMED, "%s: bad zlib data after %lu bytes", name,
                                z.total_out);
            break;
        }
        if (made == 0 && before_in == z.avail_in && (z.avail_in == 0 ? off >= end : 1)) {
            vgi_ole2_report(o, VG_ERR_TRUNCATED, "%s: zlib data ends early after %lu bytes", name,
                            z.total_out);
            break;
        }
    }
    inflateEnd(&z);
    err = vgi_child_finish(ch, name);
    return status != VG_OK ? status : vgi_ole2_child_status(err, NULL);
}

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

vg_error vgi_ole2_ppt(vgi_ole2_stream *st, const char *path, uint8_t *buf, size_t cap)
{
    vgi_ole2 *o = st->o;
    uint64_t ends[MAX_NEST];
    unsigned depth = 0;
    uint64_t pos = 0, end = st->size;
    int overrun = 0, deep = 0;
    char name[NAME_MAX_LEN];
    for (;;) {
        if (pos + 8 > end) {
            if (depth == 0)
                break;
            pos = end;
            end = ends[--depth];
            continue;
        }
        uint8_t h[8];
        if (vgi_ole2_stream_read(st, pos, h, 8) != 8)
            break;
        unsigned ver = h[0] & 0xf, inst = (unsigned)(h[0] | h[1] << 8) >> 4;
        unsigned type = h[2] | h[3] << 8;
        uint64_t body = pos + 8, rend = body + rd32(h + 4);
        if (rend > end) {
            if (!overrun++)
                vgi_ole2_report(o, VG_ERR_MALFORMED,
                                "%s: record 0x%04x at %llu runs past its container", path, type,
                                (unsigned long long)pos);
            rend = end;
        }
        if (type == EXOLEOBJSTG) {
            snprintf(name, sizeof name, "%s/ExOleObjStg@%llu", path, (unsigned long long)pos);
            vg_error err = VG_OK;
            if (inst == 1 && rend - body >= 4)
                err = inflate_obj(st, body + 4, rend, name, buf, cap);
            else if (inst == 0 && rend > body)
                err = vgi_ole2_emit(st, body, rend - body, name, buf, cap);
            if (err != VG_OK)
                return err;
            if (vgi_scan_should_stop(o->ctx))
                return VG_ERR_ABORTED;
        } else if (ver == 0xf) {
            if (depth < MAX_NEST) {
                ends[depth++] = end;
                end = rend;
                pos = body;
                continue;
            }
            if (!deep++)
                vgi_ole2_report(o, VG_ERR_MALFORMED, "%s: records nested deeper than %u", path,
                                MAX_NEST);
        }
        pos = rend;
    }
    return VG_OK;
}
