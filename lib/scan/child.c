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
};

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
    uint64_t ratio_cap = pf->size * (uint64_t)lim->max_ratio;
    if (pf->size != 0 && ratio_cap / pf->size != lim->max_ratio)
        ratio_cap = UINT64_MAX; /* overflow: no practical cap */
    if (ratio_cap < RATIO_FLOOR)
        ratio_cap = RATIO_FLOOR;
    if (pf->bytes_out + allow > ratio_cap) {
        allow = ratio_cap > pf->bytes_out ? ratio_cap - pf->bytes_out : 0;
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
            vgi_scan_report_limit(c, hit, NULL,
                                  "expands more than %u times its size of %llu bytes "
                                  "(a decompression bomb?)",
                                  lim->max_ratio, (unsigned long long)pf->size);
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
