/* OLE2 compound files (MS-CFB): doc, xls, ppt, msi, msg, and the embedded
 * objects of all of these.
 *
 *     clam.ole.doc                    D0 CF 11 E0 A1 B1 1A E1 ...
 *       WordDocument, 1Table, Data    streams, each a member
 *       ObjectPool/_1279313719/       an embedded object's storage
 *         \1Ole10Native               a Package: u32 size, label "clam.exe",
 *                                     paths, then the file itself
 *       Macros/VBA/dir, Module1 ...   VBA project (ole2_vba.c)
 *     clam.ppt
 *       PowerPoint Document           records; ExOleObjStg holds a zlib-
 *                                     compressed compound file (ole2_ppt.c)
 *
 * Every stream of positive size reachable from the root is emitted, named
 * by its storage path with control characters shown ("ObjectPool/_1234/
 * \x01Ole10Native"). A Package stream is replaced by the file it carries,
 * named "<path>/<label>", so the file is scanned as an object of its own
 * (hash signatures match it). Streams that the directory tree does not
 * reach (a broken tree) are emitted too, as "orphan:<name>". VBA modules
 * come out decompressed as "vba:<ModuleName>", PowerPoint's embedded
 * objects inflated; the scan opens each member again, so an embedded
 * compound file is read by this handler in turn.
 *
 * Tables and chains are read by ole2_cfb.c / ole2_stream.c / ole2_dir.c,
 * which bound everything by the file's size; damage is reported and the
 * handler goes on with what can still be read. */
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "fmt.h"
#include "ole2_cfb.h"
#include "ole2_ppt.h"
#include "ole2_vba.h"
#include "ole_package.h"

#define BUF_CAP      ((size_t)64 << 10) /* copy buffer; also holds a Package header */
#define PATH_LEN     1024
#define MAX_ORPHANS  1000
#define MAX_PROJECTS 8
#define HAS_DIR      1
#define HAS_VBAPROJ  2

static const uint8_t magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

static int ole2_probe(vg_fmap *map)
{
    const uint8_t *p = vg_fmap_need(map, 0, 8);
    return p != NULL && memcmp(p, magic, 8) == 0;
}

/* An \1Ole10Native stream: the embedded file when it parses as a Package
 * (looked for in the stream's first BUF_CAP bytes), else the raw stream. */
static vg_error emit_package(vgi_ole2_stream *st, const char *path, uint8_t *buf)
{
    size_t got = vgi_ole2_stream_read(st, 0, buf, BUF_CAP);
    vgi_ole_package pkg;
    if (vgi_ole10native_parse(buf, got, &pkg) != 0)
        return vgi_ole2_emit(st, 0, st->size, path, buf, BUF_CAP);
    const uint8_t *s = buf + pkg.data_off - 4;
    uint64_t declared = s[0] | s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
    uint64_t len = st->size - pkg.data_off;
    if (declared > len)
        vgi_ole2_report(st->o, VG_ERR_TRUNCATED,
                        "%s: the package declares %llu bytes of data, the stream holds %llu", path,
                        (unsigned long long)declared, (unsigned long long)len);
    else
        len = declared;
    char name[PATH_LEN + VGI_OLE_NAME_MAX + 2];
    snprintf(name, sizeof name, "%s/%s", path, pkg.label[0] ? pkg.label : "embedded");
    return vgi_ole2_emit(st, pkg.data_off, len, name, buf, BUF_CAP);
}

static vg_error emit_stream(vgi_ole2 *o, uint32_t idx, const char *path, uint8_t *buf)
{
    vgi_ole2_stream st;
    vg_error err = vgi_ole2_stream_open(o, idx, path, &st);
    if (err != VG_OK)
        return err;
    const vgi_ole2_entry *e = &o->dir[idx];
    if (vgi_ole2_name_is(e, "\001Ole10Native"))
        err = emit_package(&st, path, buf);
    else
        err = vgi_ole2_emit(&st, 0, st.size, path, buf, BUF_CAP);
    if (err == VG_OK && vgi_ole2_name_is(e, "PowerPoint Document"))
        err = vgi_ole2_ppt(&st, path, buf, BUF_CAP);
    vgi_ole2_stream_close(&st);
    return err;
}

/* Streams the tree does not reach: a damaged tree must not hide them. */
static vg_error emit_orphans(vgi_ole2 *o, char *path, uint8_t *buf)
{
    unsigned n = 0;
    for (uint32_t idx = 1; idx < o->ndir; idx++) {
        const vgi_ole2_entry *e = &o->dir[idx];
        if (e->type != VGI_OLE2_STREAM || e->size == 0 || o->parent[idx] != VGI_OLE2_FREE)
            continue;
        if (++n > MAX_ORPHANS) {
            vgi_scan_report_limit(o->ctx, VG_LIMIT_FILES, "ole2",
                                  "more than %u streams outside the directory tree", MAX_ORPHANS);
            break;
        }
        if (vgi_scan_should_stop(o->ctx))
            return VG_ERR_ABORTED;
        if (o->over_budget)
            return VG_OK;
        memcpy(path, "orphan:", 7);
        vgi_ole2_name(e, path + 7, PATH_LEN - 7);
        vg_error err = emit_stream(o, idx, path, buf);
        if (err != VG_OK)
            return err;
    }
    return VG_OK;
}

static vg_error emit_all(vgi_ole2 *o, uint8_t *flags, char *path, uint8_t *buf)
{
    for (uint32_t i = 0; i < o->norder; i++) {
        uint32_t idx = o->order[i];
        const vgi_ole2_entry *e = &o->dir[idx];
        if (e->type != VGI_OLE2_STREAM)
            continue;
        if (vgi_ole2_name_is(e, "dir"))
            flags[o->parent[idx]] |= HAS_DIR;
        else if (vgi_ole2_name_is(e, "_VBA_PROJECT"))
            flags[o->parent[idx]] |= HAS_VBAPROJ;
        if (e->size == 0)
            continue;
        if (vgi_scan_should_stop(o->ctx))
            return VG_ERR_ABORTED;
        if (o->over_budget)
            return VG_OK;
        vgi_ole2_path(o, idx, path, PATH_LEN);
        vg_error err = emit_stream(o, idx, path, buf);
        if (err != VG_OK)
            return err;
    }
    vg_error err = emit_orphans(o, path, buf);
    if (err != VG_OK)
        return err;
    /* VBA projects: "Macros/VBA", "_VBA_PROJECT_CUR/VBA", or any storage
     * with a dir stream next to _VBA_PROJECT. */
    unsigned projects = 0;
    for (uint32_t i = 0; i <= o->norder; i++) {
        uint32_t idx = i < o->norder ? o->order[i] : 0;
        if (!(flags[idx] & HAS_DIR) ||
            !((flags[idx] & HAS_VBAPROJ) || vgi_ole2_name_is(&o->dir[idx], "VBA")))
            continue;
        if (++projects > MAX_PROJECTS) {
            vgi_scan_report_limit(o->ctx, VG_LIMIT_FILES, "ole2", "more than %u VBA projects",
                                  MAX_PROJECTS);
            break;
        }
        if ((err = vgi_ole2_vba(o, idx)) != VG_OK)
            return err;
    }
    return VG_OK;
}

static vg_error ole2_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    vgi_ole2 o;
    vg_error err = vgi_ole2_open(&o, ctx, map);
    if (err != VG_OK)
        return err;
    uint8_t *buf = vg_malloc(BUF_CAP);
    uint8_t *flags = vg_calloc((size_t)o.ndir + 1, 1);
    char *path = vg_malloc(PATH_LEN);
    if (buf == NULL || flags == NULL || path == NULL)
        err = VG_ERR_NOMEM;
    else if ((err = vgi_ole2_walk(&o)) == VG_OK)
        err = emit_all(&o, flags, path, buf);
    vg_free(buf);
    vg_free(flags);
    vg_free(path);
    vgi_ole2_close(&o);
    if (err == VG_ERR_ABORTED || err == VG_ERR_NOMEM)
        return err;
    return o.status; /* the first damage found, already reported */
}

const vgi_format vgi_format_ole2 = {"ole2", ole2_probe, ole2_parse};
