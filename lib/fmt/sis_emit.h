/* Emitting the files of a SIS package (fmt_sis.c, sis_x.c): zlib data is
 * inflated straight into a vgi_child, stored data is a zero-copy view.
 *
 *     vgi_sis_out o = {.ctx = ctx, .map = map, .size = vg_fmap_size(map)};
 *     vgi_sis_emit(&o, off, len, 1, 544, "!:/clam.exe");
 *     if (o.done) stop walking;   at the end, return o.err */
#ifndef VGI_FMT_SIS_EMIT_H
#define VGI_FMT_SIS_EMIT_H

#include <stdint.h>

#include "fmt.h"

typedef struct vgi_sis_range {
    uint64_t off, end;
} vgi_sis_range;

typedef struct vgi_sis_out {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    uint64_t size;
    uint64_t data_start; /* file data never starts before this (the header) */
    int done;            /* stop: aborted, a limit no later file fits, or no memory */
    vg_error err;        /* first error worth returning from parse() */
    /* ranges emitted so far: a file overlapping another is refused */
    vgi_sis_range *ranges;
    size_t nranges, cap;
    int overlap_reported;
} vgi_sis_out;

void vgi_sis_set_err(vgi_sis_out *o, vg_error err);

/* Frees what emitting kept (the ranges). */
void vgi_sis_out_cleanup(vgi_sis_out *o);

/* Emits map[off, off + len) as name. A range past the object's end is
 * reported and cut. compressed: a zlib stream (one without a zlib header is
 * reported and scanned as stored); olen, when not UINT64_MAX, the size it
 * must inflate to (a mismatch is reported). Empty files are skipped, and so
 * are a range seen before (one file for several languages) and a range
 * that overlaps another file's or the header: the file pointing at its own
 * package, or two records sharing a tail, would otherwise make every
 * nesting level multiply the work (reported once). */
void vgi_sis_emit(vgi_sis_out *o, uint64_t off, uint64_t len, int compressed, uint64_t olen,
                  const char *name);

#endif
