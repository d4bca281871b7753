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

#define ALIGN         512
#define OVERLAY_TRIES 8
#define OVERLAY_SCAN  ((uint64_t)64 << 10)
#define NOPE_SCAN     ((uint64_t)256 << 10)
#define MAX_SECTIONS  96

static const uint8_t fh_sig[16] = {0xEF, 0xBE, 0xAD, 0xDE, 'N', 'u', 'l', 'l',
                                   's',  'o',  'f',  't',  'I', 'n', 's', 't'};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static int fh_at(vg_fmap *map, uint64_t off)
{
    const uint8_t *p = vg_fmap_need(map, off, VGI_NSIS_FH_SIZE);
    return p != NULL && memcmp(p + 4, fh_sig, sizeof fh_sig) == 0;
}

/* End of the PE's last section in the file (its overlay), 0 when the PE
 * headers are unusable. */
static uint64_t pe_overlay(vg_fmap *map)
{
    const uint8_t *p = vg_fmap_need(map, 0, 64);
    if (p == NULL || p[0] != 'M' || p[1] != 'Z')
        return 0;
    uint32_t pe = le32(p + 0x3c);
    if (pe < 64 || pe > (1u << 16) || (p = vg_fmap_need(map, pe, 24)) == NULL ||
        memcmp(p, "PE\0\0", 4) != 0)
        return 0;
    unsigned nsec = le16(p + 6);
    uint64_t table = (uint64_t)pe + 24 + le16(p + 20);
    if (nsec == 0 || nsec > MAX_SECTIONS || (p = vg_fmap_need(map, table, nsec * 40u)) == NULL)
        return 0;
    uint64_t end = 0;
    for (unsigned i = 0; i < nsec; i++) {
        uint32_t raw_size = le32(p + i * 40 + 16), raw_ptr = le32(p + i * 40 + 20);
        if (raw_size != 0 && (uint64_t)raw_ptr + raw_size > end)
            end = (uint64_t)raw_ptr + raw_size;
    }
    return end;
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
    uint64_t ov = pe_overlay(map);
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
