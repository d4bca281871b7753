/* Buffered members of the HTML handler (see html_out.h). */
#include "html_out.h"

#include <string.h>

static void fail(html_ctl *ctl, vg_error err)
{
    if (err == VG_ERR_LIMIT) {
        ctl->no_more = 1;
        return;
    }
    ctl->stop = 1;
    if (ctl->fatal == VG_OK && (err == VG_ERR_ABORTED || err == VG_ERR_NOMEM))
        ctl->fatal = err;
}

int vgi_html_out_begin(html_ctl *ctl, html_out *o)
{
    o->child = NULL;
    o->total = 0;
    o->full = 0;
    o->len = 0;
    if (ctl->no_more || ctl->stop)
        return 0;
    vg_error err = vgi_child_begin(ctl->ctx, &o->child);
    if (err != VG_OK) {
        o->child = NULL;
        fail(ctl, err);
        return 0;
    }
    return 1;
}

static void flush(html_ctl *ctl, html_out *o)
{
    if (o->len == 0 || o->child == NULL || o->full) {
        o->len = 0;
        return;
    }
    vg_error err = vgi_child_write(o->child, o->buf, o->len);
    o->total += o->len;
    o->len = 0;
    if (err == VG_OK)
        return;
    o->full = 1;
    if (err == VG_ERR_LIMIT) {
        vg_limit_kind k = vgi_child_limit(o->child);
        if (k == VG_LIMIT_SCANSIZE || k == VG_LIMIT_RATIO)
            ctl->stop = 1; /* reported; nothing later fits */
        return;
    }
    fail(ctl, err);
}

void vgi_html_out_put(html_ctl *ctl, html_out *o, const uint8_t *p, size_t len)
{
    if (o->child == NULL)
        return;
    if (len == 0)
        flush(ctl, o);
    while (len > 0 && !o->full) {
        size_t n = sizeof o->buf - o->len;
        if (n > len)
            n = len;
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        p += n;
        len -= n;
        if (o->len == sizeof o->buf)
            flush(ctl, o);
    }
}

void vgi_html_out_end(html_ctl *ctl, html_out *o, const char *name)
{
    if (o->child == NULL)
        return;
    flush(ctl, o);
    vgi_child *c = o->child;
    o->child = NULL;
    if (o->total == 0 || ctl->fatal != VG_OK) {
        vgi_child_discard(c);
        return;
    }
    vg_error err = vgi_child_finish(c, name);
    ctl->emitted++;
    if (err != VG_OK)
        fail(ctl, err);
}

void vgi_html_out_discard(html_out *o)
{
    vgi_child_discard(o->child);
    o->child = NULL;
}
