/* What the InstallShield readers share: the parse state, member names,
 * zlib set up on vg_malloc, and the rules for writing a member and for
 * reacting to a limit. */
#ifndef VGI_FMT_ISHIELD_EMIT_H
#define VGI_FMT_ISHIELD_EMIT_H

#include <stdint.h>
#include <zlib.h>

#include "fmt.h"

#define VGI_ISHIELD_BUF  ((size_t)64 << 10) /* input and output buffers, each */
#define VGI_ISHIELD_NAME 256                /* member names, NUL included */

typedef struct vgi_ishield {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    vg_error err; /* first error reported (returned by parse) */
    int stop;     /* nothing more may be emitted: limit, abort, out of memory */
    uint8_t *in, *out;
} vgi_ishield;

/* Reports a broken structure (code VG_ERR_MALFORMED / VG_ERR_TRUNCATED /
 * VG_ERR_UNSUPPORTED) and keeps the first code for parse's result. */
void vgi_ishield_fail(vgi_ishield *is, vg_error code, const char *msgfmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Takes the result of vgi_scan_child / vgi_child_finish / vgi_child_begin:
 * sets is->stop when no later member can be scanned. */
void vgi_ishield_status(vgi_ishield *is, vg_error err);

/* Writes n bytes to c. 0: go on; 1: stop this member (a limit was hit and
 * reported; is->stop is set too when no later member can fit). */
int vgi_ishield_write(vgi_ishield *is, vgi_child *c, const uint8_t *p, size_t n);

/* A member name from n stored bytes (stops at NUL; controls become '?';
 * fallback when empty). */
void vgi_ishield_name(char dst[VGI_ISHIELD_NAME], const uint8_t *src, size_t n,
                      const char *fallback);

/* inflateInit2 with allocation through vg_malloc; VG_ERR_NOMEM on failure. */
vg_error vgi_ishield_zinit(z_stream *z, int window_bits);

#endif
