/* Shared by the InstallShield readers (fmt_ishield.c, ishield_msi.c,
 * ishield_cab.c): how a member is written and when the parse stops. A
 * member that outgrows max_file_size is cut and the next one is tried
 * (members are addressed by offset, nothing needs to be skipped over);
 * after max_scan_size or max_ratio, max_files, an abort or out of memory,
 * nothing more is emitted. */
#include "ishield_emit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"

void vgi_ishield_fail(vgi_ishield *is, vg_error code, const char *msgfmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, msgfmt);
    vsnprintf(msg, sizeof msg, msgfmt, ap);
    va_end(ap);
    vgi_scan_report_error(is->ctx, code, "ishield", "%s", msg);
    if (is->err == VG_OK)
        is->err = code;
}

void vgi_ishield_status(vgi_ishield *is, vg_error err)
{
    if (err == VG_ERR_LIMIT || err == VG_ERR_ABORTED || err == VG_ERR_NOMEM)
        is->stop = 1;
    if (err == VG_ERR_NOMEM && is->err == VG_OK)
        is->err = err;
}

int vgi_ishield_write(vgi_ishield *is, vgi_child *c, const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0;
    vg_error err = vgi_child_write(c, p, n);
    if (err == VG_OK)
        return 0;
    if (err == VG_ERR_LIMIT && vgi_child_limit(c) == VG_LIMIT_FILESIZE)
        return 1; /* later members may still fit */
    is->stop = 1;
    if (err == VG_ERR_NOMEM && is->err == VG_OK)
        is->err = err;
    return 1;
}

void vgi_ishield_name(char dst[VGI_ISHIELD_NAME], const uint8_t *src, size_t n,
                      const char *fallback)
{
    size_t o = 0;
    for (size_t i = 0; i < n && src[i] != 0 && o + 1 < VGI_ISHIELD_NAME; i++)
        dst[o++] = src[i] < 0x20 || src[i] == 0x7f ? '?' : (char)src[i];
    dst[o] = '\0';
    if (o == 0)
        snprintf(dst, VGI_ISHIELD_NAME, "%s", fallback);
}

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return vg_calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    vg_free(p);
}

vg_error vgi_ishield_zinit(z_stream *z, int window_bits)
{
    memset(z, 0, sizeof *z);
    z->zalloc = z_alloc;
    z->zfree = z_free;
    return inflateInit2(z, window_bits) == Z_OK ? VG_OK : VG_ERR_NOMEM;
}
