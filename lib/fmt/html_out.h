/* One member an HTML handler decodes, written through a small buffer.
 *
 * Shared by the data: URI, script-literal and normalized-copy extractors
 * (html_datauri.c, html_script.c, fmt_html.c). The first limit or abort
 * is recorded in the html_ctl every extractor of one document shares, so
 * that after max_files no extractor begins another member, and after the
 * scan size or ratio limit, or an abort, the whole parse stops. */
#ifndef VGI_FMT_HTML_OUT_H
#define VGI_FMT_HTML_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "../scan/scan_int.h"

typedef struct html_ctl {
    vgi_scan_ctx *ctx;
    int no_more;      /* max_files/depth: no later member can begin */
    int stop;         /* scan size, ratio, abort or out of memory: stop parsing */
    vg_error fatal;   /* VG_ERR_ABORTED or VG_ERR_NOMEM, returned by the parse */
    unsigned emitted; /* members finished: window pointers may have moved */
} html_ctl;

typedef struct html_out {
    vgi_child *child;
    uint64_t total;
    int full; /* the member hit a limit: further bytes are dropped */
    size_t len;
    uint8_t buf[4096];
} html_out;

/* 1 when a member was begun, 0 when a limit or an error prevented it. */
int vgi_html_out_begin(html_ctl *ctl, html_out *o);
void vgi_html_out_put(html_ctl *ctl, html_out *o, const uint8_t *p, size_t len);
/* Scans what was written (nothing: the member is dropped) as name. */
void vgi_html_out_end(html_ctl *ctl, html_out *o, const char *name);
void vgi_html_out_discard(html_out *o);

static inline int vgi_html_out_open(const html_out *o)
{
    return o->child != NULL;
}

static inline void vgi_html_out_putc(html_ctl *ctl, html_out *o, uint8_t c)
{
    if (o->child == NULL || o->full)
        return;
    o->buf[o->len++] = c;
    if (o->len == sizeof o->buf)
        vgi_html_out_put(ctl, o, NULL, 0);
}

#endif
