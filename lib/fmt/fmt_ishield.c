/* InstallShield setup executables: a PE stub with the payload in its
 * overlay (ishield_find.c finds it), in one of two layouts.
 *
 * Older setups (InstallShield 6 to 2010, "setup.exe" with a Disk1 folder
 * packed in): one entry per file of the disk, four strings then the bytes,
 *
 *     "data1.cab\0" "Disk1\data1.cab\0" "0.0.0.0\0" "345386\0" <345386 bytes>
 *     "data1.hdr\0" ...  "engine32.cab\0" ... "setup.ini\0" ...
 *
 * Each entry is a zero-copy member named after its first string (so
 * engine32.cab, a Microsoft cabinet, goes to libarchive). The entries
 * data1.hdr and dataN.cab form an InstallShield cabinet, whose files are
 * then inflated as members too (ishield_cab.c): that is where the
 * product's files are. The list ends at the first bytes that are not an
 * entry (an Authenticode signature, say).
 *
 * MSI setups (InstallShield 12+, "setup.exe" carrying the .msi): after
 * "InstallShield\0", a header and obfuscated zlib records (ishield_msi.c);
 * the .msi comes out as a member and the OLE2 handler opens it.
 *
 * Bounds: MAX_ENTRIES entries, strings of MAX_PATH, every size checked
 * against the object (a cut entry is scanned as far as it goes and
 * reported), MAX_VOLUMES cabinet volumes; max_files through the scan. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/mem.h"
#include "fmt.h"
#include "ishield_cab.h"
#include "ishield_emit.h"
#include "ishield_find.h"
#include "ishield_msi.h"

#define ENTRY_WINDOW 1100u /* four strings of at most 260 characters + NULs */
#define MAX_ENTRIES  (1u << 20)
#define MAX_VOLUMES  64u

typedef struct cabset {
    uint64_t hdr_off, hdr_size;
    int have_hdr;
    vgi_ishield_vol vols[MAX_VOLUMES];
    size_t nvols;
} cabset;

static int ishield_probe(vg_fmap *map)
{
    uint64_t off;
    return vgi_ishield_find(map, &off) != VGI_ISHIELD_NONE;
}

/* Notes data1.hdr and dataN.cab for the cabinet reader. */
static void note_cab_part(cabset *cs, const char *name, uint64_t off, uint64_t size)
{
    if (strncasecmp(name, "data", 4) != 0)
        return;
    if (strcasecmp(name + 4, "1.hdr") == 0) {
        if (!cs->have_hdr) {
            cs->have_hdr = 1;
            cs->hdr_off = off;
            cs->hdr_size = size;
        }
        return;
    }
    unsigned no = 0;
    size_t i = 4;
    while (name[i] >= '0' && name[i] <= '9' && no < 65536)
        no = no * 10 + (unsigned)(name[i++] - '0');
    if (i == 4 || no == 0 || no >= 65536 || strcasecmp(name + i, ".cab") != 0)
        return;
    for (size_t k = 0; k < cs->nvols; k++)
        if (cs->vols[k].no == no)
            return; /* the first one counts */
    if (cs->nvols < MAX_VOLUMES)
        cs->vols[cs->nvols++] = (vgi_ishield_vol){no, off, size};
}

static void setup_entries(vgi_ishield *is, uint64_t off, cabset *cs)
{
    uint64_t size = vg_fmap_size(is->map);
    for (unsigned i = 0; i < MAX_ENTRIES && off < size && !is->stop; i++) {
        if (vgi_scan_should_stop(is->ctx))
            return;
        size_t n = size - off < ENTRY_WINDOW ? (size_t)(size - off) : ENTRY_WINDOW;
        const uint8_t *p = vg_fmap_need(is->map, off, n);
        size_t hdr_len, name_len;
        uint64_t len;
        if (p == NULL || !vgi_ishield_setup_entry(p, n, &hdr_len, &len, &name_len))
            return; /* the end of the list */
        char name[VGI_ISHIELD_NAME];
        vgi_ishield_name(name, p, name_len, "file");
        off += hdr_len;
        uint64_t have = len <= size - off ? len : size - off;
        vg_fmap *sub = NULL;
        if (vg_fmap_sub(is->map, off, have, &sub) != VG_OK) {
            vgi_ishield_status(is, VG_ERR_NOMEM);
            return;
        }
        vgi_ishield_status(is, vgi_scan_child(is->ctx, sub, name));
        vg_fmap_close(sub);
        if (have < len) {
            vgi_ishield_fail(is, VG_ERR_TRUNCATED,
                             "entry %s at offset %llu declares %llu bytes, %llu are left", name,
                             (unsigned long long)(off - hdr_len), (unsigned long long)len,
                             (unsigned long long)have);
            return;
        }
        note_cab_part(cs, name, off, len);
        off += len;
    }
}

static vg_error ishield_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    uint64_t off;
    vgi_ishield_kind kind = vgi_ishield_find(map, &off);
    if (kind == VGI_ISHIELD_NONE)
        return VG_OK;
    vgi_ishield is = {ctx, map, VG_OK, 0, NULL, NULL};
    cabset *cs = NULL;
    is.in = vg_malloc(VGI_ISHIELD_BUF);
    is.out = vg_malloc(VGI_ISHIELD_BUF);
    if (is.in == NULL || is.out == NULL) {
        is.err = VG_ERR_NOMEM;
        goto done;
    }
    if (kind == VGI_ISHIELD_MSI) {
        vgi_ishield_msi(&is, off);
        goto done;
    }
    if ((cs = vg_calloc(1, sizeof *cs)) == NULL) {
        is.err = VG_ERR_NOMEM;
        goto done;
    }
    setup_entries(&is, off, cs);
    if (!is.stop && cs->have_hdr && cs->nvols > 0)
        vgi_ishield_cab(&is, cs->hdr_off, cs->hdr_size, cs->vols, cs->nvols);
done:
    vg_free(cs);
    vg_free(is.in);
    vg_free(is.out);
    return is.err;
}

const vgi_format vgi_format_ishield = {"ishield", ishield_probe, ishield_parse};
