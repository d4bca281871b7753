/* CHM (Microsoft Compiled HTML Help), through libmspack.
 *
 *     "ITSF" header            version, language, where the directory is
 *     "ITSP" directory         PMGL chunks: name, section, offset, length
 *        /clam.exe     sec 1   offset 0x0000   length 544
 *        /index.html   sec 1   offset 0x0220   length 1200
 *        ::DataSpace/Storage/MSCompressed/Content   sec 0 ...
 *     section 0                files stored as they are
 *     section 1                one LZX stream (stored in section 0 as the
 *                              "Content" system file), with a reset table
 *
 * libmspack parses the directory (mschm_decompressor::open) and decodes
 * LZX. Members are emitted in (section, offset) order: libmspack decodes
 * section 1 sequentially and has to restart from a reset point whenever it
 * is asked for an offset behind the one it reached, so extracting in
 * directory (name) order can decode the stream once per member. Section 0
 * members are zero-copy views of the file. The LZX internals
 * (::DataSpace/Storage/MSCompressed/...) are not emitted: their bytes are
 * the compressed stream the other members come from. Each member is named
 * by its CHM path ("/clam.exe"). */
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"
#include "fmt.h"
#include "mspack_sys.h"

#define MAX_NAME 1024

static int chm_probe(vg_fmap *map)
{
    const uint8_t *p = vg_fmap_need(map, 0, 4);
    return p != NULL && memcmp(p, "ITSF", 4) == 0;
}

static int by_section_offset(const void *a, const void *b)
{
    const struct mschmd_file *x = *(const struct mschmd_file *const *)a;
    const struct mschmd_file *y = *(const struct mschmd_file *const *)b;
    if (x->section->id != y->section->id)
        return x->section->id < y->section->id ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return 0;
}

static int is_lzx_internal(const struct mschmd_header *h, const struct mschmd_file *f)
{
    return f == h->sec1.content || f == h->sec1.control || f == h->sec1.rtable ||
           f == h->sec1.spaninfo ||
           strncmp(f->filename, "::DataSpace/Storage/MSCompressed/", 33) == 0;
}

/* Printable copy of a member name (names are UTF-8; control bytes become '?'). */
static void copy_name(char *dst, const char *src)
{
    size_t n = 0;
    for (; src[n] != '\0' && n < MAX_NAME; n++)
        dst[n] = (unsigned char)src[n] < 0x20 || src[n] == 0x7f ? '?' : src[n];
    dst[n] = '\0';
    if (n == 0)
        memcpy(dst, "unnamed", 8);
}

/* Members worth emitting (non-empty, not LZX internals), sorted; NULL and
 * *n == 0 when there are none. The lists come from directory chunks that
 * libmspack read from the file, so their length is bounded by its size. */
static vg_error collect(const struct mschmd_header *h, struct mschmd_file ***out, size_t *n)
{
    size_t count = 0;
    const struct mschmd_file *lists[2] = {h->files, h->sysfiles};
    for (int l = 0; l < 2; l++)
        for (const struct mschmd_file *f = lists[l]; f != NULL; f = f->next)
            count++;
    *out = NULL;
    *n = 0;
    if (count == 0)
        return VG_OK;
    struct mschmd_file **v = vg_malloc(count * sizeof *v);
    if (v == NULL)
        return VG_ERR_NOMEM;
    size_t k = 0;
    for (int l = 0; l < 2; l++)
        for (struct mschmd_file *f = (struct mschmd_file *)lists[l]; f != NULL; f = f->next)
            if (f->length > 0 && f->section != NULL && !is_lzx_internal(h, f))
                v[k++] = f;
    qsort(v, k, sizeof *v, by_section_offset);
    *out = v;
    *n = k;
    return VG_OK;
}

typedef struct chm_run {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    vgi_mspack_sys sys;
    struct mschm_decompressor *d;
    struct mschmd_header *h;
    uint64_t lzx_pos; /* where the LZX stream is after the last member */
    unsigned failed;  /* members that could not be extracted */
    int fatal;        /* nothing more fits: stop */
} chm_run;

static void report_failure(chm_run *r, const char *name, const char *what)
{
    if (r->failed++ == 0)
        vgi_scan_report_error(r->ctx, VG_ERR_MALFORMED, "chm",
                              "member %s: %s; what was decoded is scanned", name, what);
}

/* Section 0: a view of the file. */
static vg_error emit_stored(chm_run *r, const struct mschmd_file *f, const char *name)
{
    uint64_t size = vg_fmap_size(r->map);
    uint64_t off = (uint64_t)r->h->sec0.offset + (uint64_t)f->offset;
    uint64_t len = (uint64_t)f->length;
    if (r->h->sec0.offset < 0 || f->offset < 0 || off < (uint64_t)f->offset || off > size) {
        report_failure(r, name, "offset outside the file");
        return VG_OK;
    }
    if (len > size - off) {
        report_failure(r, name, "data runs past the end of the file");
        len = size - off;
        if (len == 0)
            return VG_OK;
    }
    vg_fmap *sub = NULL;
    vg_error err = vg_fmap_sub(r->map, off, len, &sub);
    if (err != VG_OK)
        return err;
    err = vgi_scan_child(r->ctx, sub, name);
    vg_fmap_close(sub);
    return err;
}

/* Section 1: LZX through libmspack, into a child. */
static vg_error emit_lzx(chm_run *r, struct mschmd_file *f, const char *name)
{
    /* Bytes libmspack decodes to reach this member are made and thrown
     * away: they count against the container's ratio all the same. */
    uint64_t off = (uint64_t)f->offset;
    if (off > r->lzx_pos && vgi_scan_charge_skipped(r->ctx, off - r->lzx_pos) != VG_OK) {
        r->fatal = 1;
        return VG_ERR_LIMIT;
    }
    vgi_child *child = NULL;
    vg_error err = vgi_child_begin(r->ctx, &child);
    if (err != VG_OK)
        return err;
    vgi_mspack_sys_set_out(&r->sys, child);
    int rc = r->d->extract(r->d, f, VGI_MSPACK_OUT);
    vg_limit_kind lim = vgi_child_limit(child);
    vg_error werr = r->sys.write_err;
    uint64_t written = r->sys.written;
    vgi_mspack_sys_set_out(&r->sys, NULL);
    r->lzx_pos = off + (uint64_t)f->length;
    if (lim == VG_LIMIT_NONE && werr == VG_OK && !r->sys.stopped) {
        if (rc != MSPACK_ERR_OK)
            report_failure(r, name, vgi_mspack_strerror(rc));
        else if (written < (uint64_t)f->length)
            /* libmspack stops quietly at the end of the LZX stream */
            report_failure(r, name, "data ends before the declared length");
    }
    err = vgi_child_finish(child, name);
    if (werr == VG_ERR_NOMEM || vgi_mspack_error(&r->sys, rc) == VG_ERR_NOMEM)
        return VG_ERR_NOMEM;
    if (lim == VG_LIMIT_SCANSIZE || lim == VG_LIMIT_RATIO)
        r->fatal = 1;
    return err;
}

static vg_error chm_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    chm_run r = {.ctx = ctx, .map = map};
    struct mschmd_file **files = NULL;
    size_t n = 0;
    vg_error err = vgi_mspack_sys_init(&r.sys, ctx, map);
    if (err != VG_OK)
        return err;
    r.d = mspack_create_chm_decompressor(&r.sys.sys);
    if (r.d == NULL)
        return VG_ERR_NOMEM;
    r.h = r.d->open(r.d, VGI_MSPACK_IN);
    if (r.h == NULL) {
        int rc = r.d->last_error(r.d);
        err = vgi_mspack_error(&r.sys, rc);
        if (err == VG_ERR_TRUNCATED || err == VG_OK)
            err = VG_ERR_MALFORMED; /* a directory past the end is broken too */
        if (err != VG_ERR_NOMEM && !r.sys.stopped)
            vgi_scan_report_error(ctx, err, "chm", "cannot read the CHM directory: %s%s%s",
                                  vgi_mspack_strerror(rc), r.sys.msg[0] ? ": " : "", r.sys.msg);
        goto done;
    }
    if ((err = collect(r.h, &files, &n)) != VG_OK)
        goto done;
    if (r.h->files == NULL) {
        /* libmspack skips directory chunks that are not PMGL: a help file
         * whose listing is gone is broken, not empty. */
        err = VG_ERR_MALFORMED;
        vgi_scan_report_error(ctx, err, "chm", "the CHM directory lists no files");
    }
    for (size_t i = 0; i < n && !r.fatal; i++) {
        if (vgi_scan_should_stop(ctx))
            break;
        char name[MAX_NAME + 1];
        copy_name(name, files[i]->filename);
        vg_error e = files[i]->section->id == 0 ? emit_stored(&r, files[i], name)
                                                : emit_lzx(&r, files[i], name);
        if (e == VG_ERR_ABORTED || e == VG_ERR_NOMEM) {
            err = e;
            break;
        }
        if (e == VG_ERR_LIMIT && !r.fatal)
            break; /* max_files or depth: reported, nothing more fits */
    }
    if (err == VG_OK && r.failed > 0)
        err = VG_ERR_MALFORMED;
done:
    vg_free(files);
    if (r.h != NULL)
        r.d->close(r.d, r.h);
    mspack_destroy_chm_decompressor(r.d);
    return err;
}

const vgi_format vgi_format_chm = {"chm", chm_probe, chm_parse};
