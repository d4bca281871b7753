/* One stream of a compound file: its sector list, random reads, and
 * emission as a member.
 *
 * A stream of 4096 bytes or more is a chain of regular sectors; a smaller
 * one is a chain of 64-byte mini sectors, which are slices of the mini
 * stream, itself a chain of regular sectors:
 *
 *     mini sector m  ->  mini stream offset m * 64
 *                    ->  regular sector ministream[(m * 64) >> shift]
 *
 * The sector list is built once (bounded by the declared size and by the
 * number of sectors in the file), so every read is a lookup. Neighbouring
 * sectors are read in one go, and a stream lying in one piece of the file
 * (the common case for files written in one pass) is scanned as a
 * zero-copy view instead of being copied. */
#include <string.h>

#include "../core/mem.h"
#include "ole2_cfb.h"

vg_error vgi_ole2_stream_open(vgi_ole2 *o, uint32_t idx, const char *path, vgi_ole2_stream *st)
{
    memset(st, 0, sizeof *st);
    st->o = o;
    const vgi_ole2_entry *e = &o->dir[idx];
    st->mini = e->size < VGI_OLE2_CUTOFF && idx != 0;
    unsigned ushift = st->mini ? 6 : o->shift;
    uint64_t want = (e->size + ((uint64_t)1 << ushift) - 1) >> ushift;
    uint32_t n = st->mini ? o->nminifat : o->nsec;
    if (st->mini && o->minisize / VGI_OLE2_MINI < n)
        n = (uint32_t)(o->minisize / VGI_OLE2_MINI);
    uint32_t max = want < n ? (uint32_t)want : n; /* a longer chain would loop */
    st->secs = vg_malloc(((size_t)max + 1) * sizeof *st->secs);
    if (st->secs == NULL)
        return VG_ERR_NOMEM;
    const char *why;
    st->nsecs = st->mini
                    ? vgi_ole2_chain(o, o->minifat, o->ministamp, n, e->start, st->secs, max, &why)
                    : vgi_ole2_chain(o, o->fat, o->stamp, n, e->start, st->secs, max, &why);
    uint64_t have = (uint64_t)st->nsecs << ushift;
    st->size = e->size < have ? e->size : have;
    if (st->size < e->size && !o->over_budget)
        vgi_ole2_report(o, why && strcmp(why, "loops") == 0 ? VG_ERR_MALFORMED : VG_ERR_TRUNCATED,
                        "stream %s declares %llu bytes; its %schain %s after %llu", path,
                        (unsigned long long)e->size, st->mini ? "mini " : "", why ? why : "ends",
                        (unsigned long long)st->size);
    return VG_OK;
}

void vgi_ole2_stream_close(vgi_ole2_stream *st)
{
    vg_free(st->secs);
    st->secs = NULL;
    st->nsecs = 0;
}

/* File offset of stream byte off (< st->size), and in *avail how many
 * bytes follow it in the same sector. */
static uint64_t piece(const vgi_ole2_stream *st, uint64_t off, size_t *avail)
{
    const vgi_ole2 *o = st->o;
    uint64_t ssz = (uint64_t)1 << o->shift;
    if (!st->mini) {
        uint64_t in = off & (ssz - 1);
        *avail = (size_t)(ssz - in);
        return (((uint64_t)st->secs[off >> o->shift] + 1) << o->shift) + in;
    }
    uint64_t in = off % VGI_OLE2_MINI;
    uint64_t mo = (uint64_t)st->secs[off / VGI_OLE2_MINI] * VGI_OLE2_MINI + in;
    *avail = (size_t)(VGI_OLE2_MINI - in);
    /* mo < minisize <= nministream << shift: checked when the chain was built */
    return (((uint64_t)o->ministream[mo >> o->shift] + 1) << o->shift) + (mo & (ssz - 1));
}

static size_t read_at(vg_fmap *map, uint64_t off, uint8_t *dst, size_t len)
{
    const uint8_t *all = vg_fmap_data(map); /* resident: no syscall per sector */
    uint64_t size = vg_fmap_size(map);
    if (all != NULL) {
        if (off >= size)
            return 0;
        size_t n = size - off < len ? (size_t)(size - off) : len;
        memcpy(dst, all + off, n);
        return n;
    }
    return vg_fmap_read(map, off, dst, len);
}

size_t vgi_ole2_stream_read(vgi_ole2_stream *st, uint64_t off, void *dst, size_t len)
{
    if (off >= st->size)
        return 0;
    if (len > st->size - off)
        len = (size_t)(st->size - off);
    size_t done = 0;
    while (done < len) {
        size_t avail;
        uint64_t fo = piece(st, off + done, &avail);
        size_t n = avail < len - done ? avail : len - done;
        while (done + n < len) { /* neighbouring sectors: one read */
            uint64_t f2 = piece(st, off + done + n, &avail);
            if (f2 != fo + n)
                break;
            n += avail < len - done - n ? avail : len - done - n;
        }
        size_t got = read_at(st->o->map, fo, (uint8_t *)dst + done, n);
        done += got;
        if (got < n)
            break; /* the file ends inside this sector */
    }
    return done;
}

int vgi_ole2_stream_contig(vgi_ole2_stream *st, uint64_t off, uint64_t len, uint64_t *file_off)
{
    if (len == 0 || off >= st->size || len > st->size - off)
        return 0;
    size_t avail;
    uint64_t fo = piece(st, off, &avail);
    for (uint64_t covered = avail; covered < len; covered += avail)
        if (piece(st, off + covered, &avail) != fo + covered)
            return 0;
    if (fo > st->o->fsize || len > st->o->fsize - fo)
        return 0;
    *file_off = fo;
    return 1;
}

vg_error vgi_ole2_child_status(vg_error err, const vgi_child *child)
{
    switch (err) {
    case VG_OK:
    case VG_ERR_ABORTED:
    case VG_ERR_NOMEM:
        return err;
    case VG_ERR_LIMIT:
        /* Only an over-size member leaves room for the next ones: max_files,
         * depth, scan size and ratio hold for all later members too. */
        return vgi_child_limit(child) == VG_LIMIT_FILESIZE ? VG_OK : VG_ERR_LIMIT;
    default:
        return VG_OK; /* reported by the scan; the next member may work */
    }
}

vg_error vgi_ole2_emit(vgi_ole2_stream *st, uint64_t off, uint64_t len, const char *name,
                       uint8_t *buf, size_t cap)
{
    vgi_ole2 *o = st->o;
    if (off > st->size)
        off = st->size;
    if (len > st->size - off)
        len = st->size - off;
    if (len == 0)
        return VG_OK; /* nothing left after cutting: no member */
    uint64_t fo;
    if (vgi_ole2_stream_contig(st, off, len, &fo)) {
        vg_fmap *sub = NULL;
        vg_error err = vg_fmap_sub(o->map, fo, len, &sub);
        if (err != VG_OK)
            return err == VG_ERR_NOMEM ? err : VG_OK;
        err = vgi_scan_child(o->ctx, sub, name);
        vg_fmap_close(sub);
        return vgi_ole2_child_status(err, NULL);
    }
    vgi_child *ch = NULL;
    vg_error err = vgi_child_begin(o->ctx, &ch);
    if (err != VG_OK)
        return vgi_ole2_child_status(err, NULL);
    vg_error status = VG_OK;
    for (uint64_t done = 0; done < len;) {
        size_t n = len - done < cap ? (size_t)(len - done) : cap;
        size_t got = vgi_ole2_stream_read(st, off + done, buf, n);
        if (got > 0 && (err = vgi_child_write(ch, buf, got)) != VG_OK) {
            status = vgi_ole2_child_status(err, ch);
            break;
        }
        done += got;
        if (got < n) {
            vgi_ole2_report(o, VG_ERR_TRUNCATED, "%s: the file ends after %llu of its %llu bytes",
                            name, (unsigned long long)done, (unsigned long long)len);
            break;
        }
    }
    err = vgi_child_finish(ch, name);
    if (status != VG_OK)
        return status;
    return vgi_ole2_child_status(err, NULL);
}
