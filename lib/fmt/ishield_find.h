/* Where an InstallShield setup's payload starts in a PE (its overlay) and
 * which of the two layouts it has (see fmt_ishield.c). */
#ifndef VGI_FMT_ISHIELD_FIND_H
#define VGI_FMT_ISHIELD_FIND_H

#include <stdint.h>
#include <vigil/fmap.h>

typedef enum vgi_ishield_kind {
    VGI_ISHIELD_NONE = 0,
    VGI_ISHIELD_MSI,   /* "InstallShield\0" + 0x20-byte header + encoded records */
    VGI_ISHIELD_SETUP, /* name\0 path\0 version\0 size\0 data, repeated */
} vgi_ishield_kind;

#define VGI_ISHIELD_MSI_HDR 0x20

/* Decimal member size of a SETUP entry whose four strings start at p (n
 * bytes available); fills *hdr_len with the strings' length, NULs included.
 * 0 when p does not hold a well-formed entry. */
int vgi_ishield_setup_entry(const uint8_t *p, size_t n, size_t *hdr_len, uint64_t *size,
                            size_t *name_len);

/* The layout and the offset of its first header (the 0x20-byte MSI header,
 * or the first SETUP entry); VGI_ISHIELD_NONE when map is not an
 * InstallShield setup. Cheap: it is the probe. */
vgi_ishield_kind vgi_ishield_find(vg_fmap *map, uint64_t *off);

#endif
