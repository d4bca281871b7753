/* PE overlay offset (see pe_overlay.h).
 *
 *     MZ header -> e_lfanew -> "PE\0\0", COFF header (section count at 6,
 *     optional header size at 20), section table of 40-byte entries
 *     (SizeOfRawData at 16, PointerToRawData at 20) */
#include "pe_overlay.h"

#include <string.h>

#define MAX_SECTIONS 96

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

uint64_t vgi_pe_overlay(vg_fmap *map)
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
