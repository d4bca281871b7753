/* The files of a SIS package, into the scan.
 *
 * A SIS file of EPOC release 6 or Symbian 9 keeps each file as a zlib
 * stream (78 9C ...), which is inflated in 16 KiB steps through
 * vgi_child_write(): the scan charges every byte and stops a bomb at the
 * limits while it inflates. The input is read through fmap windows of at
 * most 64 KiB, never past the file's range. A stream that breaks off keeps
 * what was inflated and is reported. */
#include "sis_emit.h"

#include <string.h>
#include <zlib.h>

#include "../core/mem.h"

#define FMT_NAME "sis"
#define CHUNK    ((size_t)64 << 10)
#define OUT_BUF  16384

void vgi_sis_set_err(vgi_sis_out *o, vg_error err)
{
    if (o->err == VG_OK)
        o->err = err;
}

void vgi_sis_out_cleanup(vgi_sis_out *o)
{
    vg_free(o->ranges);
    o->ranges = NULL;
    o->nranges = o->cap = 0;
}

/* 1: emit [off, end); 0: skip it (seen, overlapping, or no memory). Linear
 * in the files emitted so far, which max_files bounds. */
static int claim_range(vgi_sis_out *o, uint64_t off, uint64_t end, const char *name)
{
    int overlap = off < o->data_start;
    for (size_t i = 0; i < o->nranges && !overlap; i++) {
        if (o->ranges[i].off == off && o->ranges[i].end == end)
            return 0; /* the same file again */
        overlap = off < o->ranges[i].end && o->ranges[i].off < end;
    }
    if (overlap) {
        if (!o->overlap_reported)
            vgi_scan_report_error(o->ctx, VG_ERR_MALFORMED, FMT_NAME,
                                  "file %s at offset %llu overlaps the header or another "
                                  "file; overlapping files are skipped",
                                  name, (unsigned long long)off);
        o->overlap_reported = 1;
        vgi_sis_set_err(o, VG_ERR_MALFORMED);
        return 0;
    }
    if (o->nranges == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        vgi_sis_range *r = vg_realloc(o->ranges, cap * sizeof *r);
        if (r == NULL) {
            vgi_sis_set_err(o, VG_ERR_NOMEM);
            o->done = 1;
            return 0;
        }
        o->ranges = r;
        o->cap = cap;
    }
    o->ranges[o->nranges++] = (vgi_sis_range){off, end};
    return 1;
}

static void finish_child(vgi_sis_out *o, vgi_child *child, vg_error stop, const char *name)
{
    vg_limit_kind hit = vgi_child_limit(child); /* the child is freed by finish */
    vg_error err = vgi_child_finish(child, name);
    if (err != VG_OK && err != VG_ERR_LIMIT) {
        if (err != VG_ERR_ABORTED)
            vgi_sis_set_err(o, err);
        o->done = 1;
    } else if (stop == VG_ERR_LIMIT && hit != VG_LIMIT_FILESIZE) {
        o->done = 1; /* scan size or ratio: no later file fits either */
    }
}

/* cut: the range was already reported as past the object's end, so a
 * stream that runs dry there is not reported again. */
static void emit_inflated(vgi_sis_out *o, uint64_t off, uint64_t len, uint64_t olen, int cut,
                          const char *name)
{
    vgi_child *child = NULL;
    vg_error err = vgi_child_begin(o->ctx, &child);
    if (err != VG_OK) {
        if (err != VG_ERR_LIMIT && err != VG_ERR_ABORTED)
            vgi_sis_set_err(o, err);
        o->done = 1;
        return;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) {
        vgi_child_discard(child);
        vgi_sis_set_err(o, VG_ERR_NOMEM);
        o->done = 1;
        return;
    }
    uint8_t out[OUT_BUF];
    uint64_t made = 0, pos = 0;
    vg_error stop = VG_OK;
    int zr = Z_OK, full = 0;
    while (zr == Z_OK && stop == VG_OK) {
        if (zs.avail_in == 0 && !full) {
            if (pos >= len)
                break;
            size_t n = len - pos < CHUNK ? (size_t)(len - pos) : CHUNK;
            const uint8_t *in = vg_fmap_need(o->map, off + pos, n);
            if (in == NULL) {
                stop = VG_ERR_IO;
                break;
            }
            zs.next_in = (Bytef *)(uintptr_t)in;
            zs.avail_in = (uInt)n;
            pos += n;
        }
        zs.next_out = out;
        zs.avail_out = OUT_BUF;
        zr = inflate(&zs, Z_NO_FLUSH);
        size_t got = OUT_BUF - zs.avail_out;
        full = zs.avail_out == 0; /* more may be pending without new input */
        if (got > 0) {
            made += got;
            stop = vgi_child_write(child, out, got);
        }
        if (zr == Z_BUF_ERROR && (full || (zs.avail_in == 0 && pos < len)))
            zr = Z_OK;
        if (vgi_scan_should_stop(o->ctx))
            stop = VG_ERR_ABORTED;
    }
    inflateEnd(&zs);
    if (stop == VG_ERR_ABORTED) {
        vgi_child_discard(child);
        o->done = 1;
        return;
    }
    if (stop == VG_ERR_IO) {
        vgi_scan_report_error(o->ctx, VG_ERR_IO, FMT_NAME, "file %s: read error at offset %llu",
                              name, (unsigned long long)(off + pos));
        vgi_sis_set_err(o, VG_ERR_IO);
    } else if (stop == VG_OK && zr != Z_STREAM_END) {
        vg_error e = (zr == Z_OK || zr == Z_BUF_ERROR) ? VG_ERR_TRUNCATED : VG_ERR_MALFORMED;
        if (cut && e == VG_ERR_TRUNCATED)
            goto done;
        vgi_scan_report_error(
            o->ctx, e, FMT_NAME, "file %s: zlib data at offset %llu is %s after %llu bytes out",
            name, (unsigned long long)off, e == VG_ERR_TRUNCATED ? "cut short" : "corrupt",
            (unsigned long long)made);
        vgi_sis_set_err(o, e);
    } else if (stop == VG_OK && olen != UINT64_MAX && made != olen) {
        vgi_scan_report_error(o->ctx, VG_ERR_MALFORMED, FMT_NAME,
                              "file %s: inflated to %llu bytes, the record says %llu", name,
                              (unsigned long long)made, (unsigned long long)olen);
        vgi_sis_set_err(o, VG_ERR_MALFORMED);
    }
done:
    finish_child(o, child, stop, name);
}

void vgi_sis_emit(vgi_sis_out *o, uint64_t off, uint64_t len, int compressed, uint64_t olen,
                  const char *name)
{
    if (len == 0 || o->done)
        return;
    uint64_t avail = off <= o->size ? o->size - off : 0;
    int cut = len > avail;
    if (cut) {
        vgi_scan_report_error(o->ctx, VG_ERR_TRUNCATED, FMT_NAME,
                              "file %s: %llu bytes at offset %llu, the object ends at %llu", name,
                              (unsigned long long)len, (unsigned long long)off,
                              (unsigned long long)o->size);
        vgi_sis_set_err(o, VG_ERR_TRUNCATED);
        len = avail;
        if (len == 0)
            return;
    }
    if (!claim_range(o, off, off + len, name))
        return;
    if (compressed) {
        const uint8_t *p = vg_fmap_need(o->map, off, len < 2 ? (size_t)len : 2);
        /* A zlib header: deflate, and a check value that divides by 31. */
        if (p != NULL && len >= 2 && (p[0] & 0x0f) == 8 && (p[0] << 8 | p[1]) % 31 == 0) {
            emit_inflated(o, off, len, olen, cut, name);
            return;
        }
        vgi_scan_report_error(o->ctx, VG_ERR_MALFORMED, FMT_NAME,
                              "file %s at offset %llu is not zlib data; scanning it as stored",
                              name, (unsigned long long)off);
        vgi_sis_set_err(o, VG_ERR_MALFORMED);
    }
    vg_fmap *sub = NULL;
    vg_error err = vg_fmap_sub(o->map, off, len, &sub);
    if (err != VG_OK) {
        vgi_sis_set_err(o, err);
        o->done = 1;
        return;
    }
    err = vgi_scan_child(o->ctx, sub, name);
    vg_fmap_close(sub);
    if (err != VG_OK && err != VG_ERR_LIMIT)
        o->done = 1;
}
