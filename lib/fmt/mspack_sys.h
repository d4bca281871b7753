/* libmspack's I/O, backed by an fmap for input and a vgi_child for output.
 *
 * libmspack does all its I/O through a struct mspack_system, handing the
 * "file names" it was given to open(). This one knows two names:
 *
 *     VGI_MSPACK_IN     the object being parsed (read/seek/tell on the fmap)
 *     VGI_MSPACK_OUT    the member being extracted (write -> vgi_child_write)
 *
 *     vgi_mspack_sys s;
 *     vgi_mspack_sys_init(&s, ctx, map);
 *     d = mspack_create_szdd_decompressor(&s.sys);
 *     h = d->open(d, VGI_MSPACK_IN);
 *     s.out = child;                             before each extract
 *     rc = d->extract(d, h, VGI_MSPACK_OUT);     s.limit tells why a write failed
 *
 * A write that vgi_child_write refuses (a limit) fails, so libmspack stops
 * decompressing that member; reads fail once vgi_scan_should_stop() says so,
 * which bounds the time spent in LZX runs that write nothing (skipping to a
 * member's offset). Memory comes from vg_calloc (zeroed, see ms_alloc); messages are kept, not
 * printed. */
#ifndef VGI_FMT_MSPACK_SYS_H
#define VGI_FMT_MSPACK_SYS_H

#include <stdint.h>
#include <sys/types.h>

#include <mspack.h>

#include "fmt.h"

#define VGI_MSPACK_IN  "vigil:in"
#define VGI_MSPACK_OUT "vigil:out"

/* Largest single allocation granted to libmspack (its LZX window is 2 MiB). */
#define VGI_MSPACK_ALLOC_MAX ((size_t)16 << 20)

typedef struct vgi_mspack_sys {
    struct mspack_system sys; /* first member: libmspack gives it back to open() */
    vgi_scan_ctx *ctx;
    vg_fmap *in;
    vgi_child *out;      /* set by the caller before each extract (borrowed) */
    uint64_t written;    /* bytes accepted by out since it was set */
    vg_limit_kind limit; /* the limit that made a write fail, or NONE */
    vg_error write_err;  /* another error from vgi_child_write (NOMEM, IO) */
    int stopped;         /* a read failed because the scan must stop */
    int alloc_refused;   /* an allocation above VGI_MSPACK_ALLOC_MAX was asked */
    char msg[160];       /* libmspack's last message, for error reports */
} vgi_mspack_sys;

/* VG_ERR_IO when this libmspack was built with another off_t size. */
vg_error vgi_mspack_sys_init(vgi_mspack_sys *s, vgi_scan_ctx *ctx, vg_fmap *in);

/* Points the output name at child (NULL: writes fail) and clears the
 * per-member state (written, limit, write_err). */
void vgi_mspack_sys_set_out(vgi_mspack_sys *s, vgi_child *child);

/* What a libmspack error code means for the scan: VG_ERR_NOMEM for a real
 * allocation failure, VG_ERR_MALFORMED when the input asked for more memory
 * than any valid file needs (s->alloc_refused), VG_ERR_TRUNCATED for read
 * errors, VG_ERR_MALFORMED otherwise; VG_OK for MSPACK_ERR_OK. */
vg_error vgi_mspack_error(const vgi_mspack_sys *s, int code);

/* libmspack error code -> "read error", "bad data format", ... */
const char *vgi_mspack_strerror(int code);

#endif
