/* Members that a handler inflates: charged byte by byte as they are made.
 *
 * The checks happen in vgi_child_write(), before the bytes are kept, so a
 * zip bomb is stopped while it inflates rather than after: a member may not
 * outgrow max_file_size, the top-level file may not make more than
 * max_scan_size bytes to scan, and one container may not emit more than
 * max_ratio times its own size (with a floor, so a 200-byte gzip of a 1 MiB
 * text is not a "bomb"). Whatever was written before a limit is still
 * scanned: a truncated member can still carry a detection. */
#include "../core/mem.h"
#include "scan_ctx.h"
#include "spool.h"

/* Containers may always emit this much, whatever their ratio. */
#define RATIO_FLOOR ((uint64_t)16 << 20)

struct vgi_child {
    vgi_scan_ctx *c;
    vgi_spool sp;
    int full;
    vg_limit_kind hit;
};

/* How many bytes the current container may still emit before max_ratio. */
static uint64_t ratio_cap(const vgi_scan_ctx *c)
{
    const vgi_frame *pf = &c->frames[c->depth];
    uint64_t cap = pf->size * (uint64_t)c->lim->max_ratio;
    if (pf->size != 0 && cap / pf->size != c->lim->max_ratio)
        cap = UINT64_MAX; /* overflow: no practical cap */
    return cap < RATIO_FLOOR ? RATIO_FLOOR : cap;
}

static void report_ratio(vgi_scan_ctx *c)
{
    vgi_scan_report_limit(c, VG_LIMIT_RATIO, NULL,
                          "expands more than %u times its size of %llu bytes "
                          "(a decompression bomb?)",
                          c->lim->max_ratio, (unsigned long long)c->frames[c->depth].size);
}

vg_error vgi_scan_charge_skipped(vgi_scan_ctx *c, uint64_t n)
{
    vgi_frame *pf = &c->frames[c->depth];
    uint64_t cap = ratio_cap(c);
    pf->bytes_out = n > UINT64_MAX - pf->bytes_out ? UINT64_MAX : pf->bytes_out + n;
    if (pf->bytes_out > cap) {
        report_ratio(c);
        return VG_ERR_LIMIT;
    }
    return VG_OK;
}

vg_limit_kind vgi_child_limit(const vgi_child *ch)
{
    return ch ? ch->hit : VG_LIMIT_NONE;
}

vg_error vgi_child_begin(vgi_scan_ctx *c, vgi_child **out)
{
    *out = NULL;
    if (vgi_scan_should_stop(c))
        return VG_ERR_ABORTED;
    const vgi_frame *pf = &c->frames[c->depth];
    if (pf->files >= c->lim->max_files) {
        vgi_scan_report_limit(c, VG_LIMIT_FILES, NULL, "more than %u members", c->lim->max_files);
        return VG_ERR_LIMIT;
    }
    if (c->depth + 1 > c->lim->max_depth) {
        vgi_scan_report_limit(c, VG_LIMIT_DEPTH, NULL, "nested deeper than %u levels",
                              c->lim->max_depth);
        return VG_ERR_LIMIT;
    }
    vgi_child *ch = vg_calloc(1, sizeof *ch);
    if (ch == NULL)
        return VG_ERR_NOMEM;
    ch->c = c;
    vgi_spool_init(&ch->sp, (size_t)c->lim->stream_threshold);
    *out = ch;
    return VG_OK;
}

vg_error vgi_child_write(vgi_child *ch, const void *data, size_t len)
{
    vgi_scan_ctx *c = ch->c;
    vgi_frame *pf = &c->frames[c->depth];
    const vg_limits *lim = c->lim;
    if (ch->full)
        return VG_ERR_LIMIT;
    uint64_t allow = len;
    vg_limit_kind hit = VG_LIMIT_NONE;
    uint64_t size = ch->sp.size;

    if (size + allow > lim->max_file_size) {
        allow = lim->max_file_size - size;
        hit = VG_LIMIT_FILESIZE;
    }
    uint64_t budget = lim->max_scan_size > c->scanned ? lim->max_scan_size - c->scanned : 0;
    if (size + allow > budget) {
        allow = budget > size ? budget - size : 0;
        hit = VG_LIMIT_SCANSIZE;
    }
    uint64_t cap = ratio_cap(c);
    if (pf->bytes_out + allow > cap) {
        allow = cap > pf->bytes_out ? cap - pf->bytes_out : 0;
        hit = VG_LIMIT_RATIO;
    }
    if (allow > 0) {
        vg_error err = vgi_spool_write(&ch->sp, data, (size_t)allow);
        if (err != VG_OK) {
            vgi_scan_report_error(c, err, NULL, "cannot keep an extracted member: %s",
                                  vg_strerror(err));
            ch->full = 1;
            return err;
        }
        pf->bytes_out += allow;
    }
    if (hit != VG_LIMIT_NONE) {
        ch->full = 1;
        ch->hit = hit;
        switch (hit) {
        case VG_LIMIT_FILESIZE:
            vgi_scan_report_limit(c, hit, NULL,
                                  "a member is larger than max-filesize %llu; its first "
                                  "%llu bytes are scanned",
                                  (unsigned long long)lim->max_file_size,
                                  (unsigned long long)lim->max_file_size);
            break;
        case VG_LIMIT_SCANSIZE:
            vgi_scan_report_limit(c, hit, NULL, "max-scansize %llu reached for this file",
                                  (unsigned long long)lim->max_scan_size);
            break;
        default:
            report_ratio(c);
            break;
        }
        return VG_ERR_LIMIT;
    }
    return VG_OK;
}

vg_error vgi_child_finish(vgi_child *ch, const char *name)
{
    if (ch == NULL)
        return VG_ERR_INVALID_ARG;
    vgi_scan_ctx *c = ch->c;
    vg_fmap *map = NULL;
    vg_error err = vgi_spool_open_map(&ch->sp, &map);
    if (err == VG_OK) {
        err = vgi_scan_child(c, map, name);
        vg_fmap_close(map);
    } else {
        vgi_scan_report_error(c, err, NULL, "cannot open extracted member %s", name);
    }
    vgi_spool_cleanup(&ch->sp);
    vg_free(ch);
    return err;
}

void vgi_child_discard(vgi_child *ch)
{
    if (ch == NULL)
        return;
    vgi_spool_cleanup(&ch->sp);
    vg_free(ch);
}
