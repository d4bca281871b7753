/* Finding an InstallShield payload in a PE, cheaply: this runs on every
 * object.
 *
 *     MZ header -> e_lfanew -> "PE\0\0", COFF header, section table
 *     overlay = end of the furthest section's raw data
 *     MSI setups (InstallShield 12+, setup.exe + .msi):
 *         overlay: CodeView record "NB10 ... setupW.pdb\0" (~0x70 bytes)
 *         "InstallShield\0", then the 0x20-byte header: u32 file count,
 *         u32 unknown, 24 zero bytes
 *     older setups (setup.exe + Disk1\ files):
 *         overlay: "data1.cab\0" "Disk1\data1.cab\0" "0.0.0.0\0" "345386\0"
 *
 * Only the first OVERLAY_SCAN bytes of the overlay are looked at (one
 * window): the signature sits right after the linker's debug record in
 * every setup seen. A PE without an overlay costs its headers only. */
#include "ishield_find.h"

#include <string.h>

#include "pe_overlay.h"

#define OVERLAY_SCAN 4096u
#define MAX_STR      260 /* MAX_PATH: the strings of a SETUP entry */

static const char msi_sig[] = "InstallShield"; /* and its NUL */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Length of the NUL-terminated string at p (at most MAX_STR characters,
 * all accepted by kind: 0 printable, 1 version digits and dots, 2 digits);
 * -1 when it is not one. */
static int field(const uint8_t *p, size_t n, int kind)
{
    size_t lim = n < MAX_STR + 1 ? n : MAX_STR + 1;
    for (size_t i = 0; i < lim; i++) {
        uint8_t c = p[i];
        if (c == 0)
            return i == 0 ? -1 : (int)i;
        int ok = kind == 0   ? c >= 0x20 && c != 0x7f
                 : kind == 1 ? (c >= '0' && c <= '9') || c == '.'
                             : c >= '0' && c <= '9';
        if (!ok)
            return -1;
    }
    return -1;
}

int vgi_ishield_setup_entry(const uint8_t *p, size_t n, size_t *hdr_len, uint64_t *size,
                            size_t *name_len)
{
    static const int kinds[4] = {0, 0, 1, 2};
    size_t o = 0, lens[4];
    for (int k = 0; k < 4; k++) {
        int l = field(p + o, n - o, kinds[k]);
        if (l < 0)
            return 0;
        lens[k] = (size_t)l;
        o += (size_t)l + 1;
    }
    if (lens[3] > 19)
        return 0; /* 10^19 > 2^63: no overflow below */
    uint64_t v = 0;
    for (size_t i = 0; i < lens[3]; i++)
        v = v * 10 + (uint64_t)(p[o - lens[3] - 1 + i] - '0');
    *hdr_len = o;
    *size = v;
    *name_len = lens[0];
    return 1;
}

vgi_ishield_kind vgi_ishield_find(vg_fmap *map, uint64_t *off)
{
    uint64_t size = vg_fmap_size(map);
    uint64_t ov = vgi_pe_overlay(map);
    if (ov == 0 || ov >= size)
        return VGI_ISHIELD_NONE;
    size_t n = size - ov < OVERLAY_SCAN ? (size_t)(size - ov) : OVERLAY_SCAN;
    const uint8_t *p = vg_fmap_need(map, ov, n);
    if (p == NULL)
        return VGI_ISHIELD_NONE;
    size_t hl, nl;
    uint64_t sz;
    if (vgi_ishield_setup_entry(p, n, &hl, &sz, &nl)) {
        *off = ov;
        return VGI_ISHIELD_SETUP;
    }
    const uint8_t *q = p, *end = p + n;
    while ((q = memmem(q, (size_t)(end - q), msi_sig, sizeof msi_sig)) != NULL) {
        const uint8_t *h = q + sizeof msi_sig;
        if (end - h < VGI_ISHIELD_MSI_HDR)
            break;
        static const uint8_t zeros[VGI_ISHIELD_MSI_HDR - 8];
        if (le32(h) != 0 && memcmp(h + 8, zeros, sizeof zeros) == 0) {
            *off = ov + (uint64_t)(h - p);
            return VGI_ISHIELD_MSI;
        }
        q++;
    }
    return VGI_ISHIELD_NONE;
}
