/* Finding the NSIS firstheader in a PE, cheaply: this runs on every object.
 *
 *     MZ header -> e_lfanew -> "PE\0\0", COFF header, section table
 *     overlay = end of the furthest section's raw data, rounded up to 512
 *     firstheader: u32 flags, EF BE AD DE "NullsoftInst", ...
 *
 * makensis writes the firstheader right after its stub, so it is at the
 * overlay in every installer seen: OVERLAY_TRIES aligned offsets there,
 * then an aligned scan of OVERLAY_SCAN bytes past them (one window read).
 * A PE without an overlay costs its headers only. A PE whose headers make
 * no sense (no section table, sections past the end of the file) is
 * scanned at 512-byte steps over its first NOPE_SCAN bytes. The NSIS
 * runtime itself scans its whole file: a firstheader hidden inside a
 * section, or far past the overlay, is not found here (a bounded probe). */
#include "nsis_find.h"

#include <string.h>

#include "pe_overlay.h"

#define ALIGN         512
#define OVERLAY_TRIES 8
#define OVERLAY_SCAN  ((uint64_t)64 << 10)
#define NOPE_SCAN     ((uint64_t)256 << 10)

static const uint8_t fh_sig[16] = {0xEF, 0xBE, 0xAD, 0xDE, 'N', 'u', 'l', 'l',
                                   's',  'o',  'f',  't',  'I', 'n', 's', 't'};

static int fh_at(vg_fmap *map, uint64_t off)
{
    const uint8_t *p = vg_fmap_need(map, off, VGI_NSIS_FH_SIZE);
    return p != NULL && memcmp(p + 4, fh_sig, sizeof fh_sig) == 0;
}

/* Aligned offsets in [from, to) holding the signature: one window read. */
static int scan_aligned(vg_fmap *map, uint64_t from, uint64_t to, uint64_t *out)
{
    uint64_t size = vg_fmap_size(map);
    if (to > size)
        to = size;
    if (from + VGI_NSIS_FH_SIZE > to)
        return 0;
    const uint8_t *p = vg_fmap_need(map, from, (size_t)(to - from));
    if (p == NULL)
        return 0;
    for (uint64_t o = 0; from + o + VGI_NSIS_FH_SIZE <= to; o += ALIGN)
        if (memcmp(p + o + 4, fh_sig, sizeof fh_sig) == 0) {
            *out = from + o;
            return 1;
        }
    return 0;
}

int vgi_nsis_find(vg_fmap *map, uint64_t *out)
{
    uint64_t size = vg_fmap_size(map);
    if (size < ALIGN + VGI_NSIS_FH_SIZE)
        return 0;
    const uint8_t *p = vg_fmap_need(map, 0, 2);
    if (p == NULL || p[0] != 'M' || p[1] != 'Z')
        return 0;
    uint64_t ov = vgi_pe_overlay(map);
    /* Sections claiming more than the file must not hide an installer. */
    if (ov == 0 || ov >= size)
        return scan_aligned(map, ALIGN, NOPE_SCAN, out);
    ov = (ov + ALIGN - 1) / ALIGN * ALIGN;
    if (ov + VGI_NSIS_FH_SIZE > size)
        return 0; /* no overlay: an ordinary PE */
    for (unsigned i = 0; i < OVERLAY_TRIES; i++)
        if (fh_at(map, ov + (uint64_t)i * ALIGN)) {
            *out = ov + (uint64_t)i * ALIGN;
            return 1;
        }
    uint64_t from = ov + (uint64_t)OVERLAY_TRIES * ALIGN;
    return scan_aligned(map, from, from + OVERLAY_SCAN, out);
}
