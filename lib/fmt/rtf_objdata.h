/* The bytes of one RTF \objdata destination, decoded as they stream in.
 *
 * fmt_rtf.c feeds the decoded bytes (hex pairs, or \bin runs) of an
 * \objdata group here; this file recognises the OLE1 object header at
 * their start and decides what the member is and what it is called:
 *
 *     OLE1 "Package"       the file the package embeds, named by its label
 *     OLE1, other class    the native data ("objdata:Word.Document.8")
 *     no OLE1 header       everything decoded ("objdata3")
 *
 * Only the header (at most RTF_OBJ_HEAD bytes) and, for a Package, its own
 * header (at most RTF_PKG_HEAD bytes) are held in memory; the rest goes
 * straight into a vgi_child, so a 50 MiB object costs a few KiB here. */
#ifndef VGI_FMT_RTF_OBJDATA_H
#define VGI_FMT_RTF_OBJDATA_H

#include <stddef.h>
#include <stdint.h>

#include "../scan/scan_int.h"

#define RTF_OBJ_HEAD  4096
#define RTF_PKG_HEAD  65536
#define RTF_OBJ_CLASS 64

typedef struct rtf_objdata {
    vgi_scan_ctx *ctx;
    unsigned index; /* 1-based number of this \objdata in the document */
    int mode;       /* see rtf_objdata.c */
    uint8_t head[RTF_OBJ_HEAD];
    size_t head_len;
    char cls[RTF_OBJ_CLASS + 1];
    uint64_t native_left; /* native bytes still expected (OLE1 modes) */
    uint8_t *pkg;         /* Package header bytes (vg_malloc'd) */
    size_t pkg_len, pkg_cap;
    uint64_t pkg_left; /* embedded file bytes still to pass through */
    char name[300];    /* the member's name, once known */
    vgi_child *child;
    uint8_t out[4096];
    size_t out_len;
    vg_error err; /* first error that stops this object: LIMIT/ABORTED/NOMEM */
    int done;     /* nothing more is wanted (limit hit or data complete) */
    int stop_all; /* scan size or ratio reached: no later member can fit */
    uint64_t emitted;
} rtf_objdata;

void vgi_rtf_objdata_init(rtf_objdata *o, vgi_scan_ctx *ctx, unsigned index);

/* Takes the next decoded bytes. Returns VG_ERR_ABORTED or VG_ERR_NOMEM
 * when the whole scan must stop; limits only end this object (VG_OK). */
vg_error vgi_rtf_objdata_write(rtf_objdata *o, const uint8_t *p, size_t len);

/* The group ended (cut = the document ended inside it): emits what is
 * pending and frees everything. Returns what vgi_child_finish returned
 * (VG_ERR_LIMIT when max_files/depth stopped it), VG_ERR_ABORTED/NOMEM. */
vg_error vgi_rtf_objdata_end(rtf_objdata *o, int cut);

/* Frees without emitting. */
void vgi_rtf_objdata_discard(rtf_objdata *o);

#endif
