/* Container formats: one handler per file, one small interface.
 *
 * probe() looks at a few header bytes and says whether the object is
 * probably in its format (cheap: it runs on every object). parse() emits
 * every embedded object through vgi_scan_child()/vgi_child_* and returns
 * VG_ERR_MALFORMED or VG_ERR_TRUNCATED when the container is broken (what
 * it emitted before that is scanned all the same). */
#ifndef VGI_FMT_FMT_H
#define VGI_FMT_FMT_H

#include <vigil/fmap.h>
#include "../scan/scan_int.h"

typedef struct vgi_format {
    const char *name;
    int (*probe)(vg_fmap *map);
    vg_error (*parse)(vgi_scan_ctx *ctx, vg_fmap *map);
} vgi_format;

#define FORMAT(x) extern const vgi_format vgi_format_##x;
#include "fmt_list.h"
#undef FORMAT

#endif
