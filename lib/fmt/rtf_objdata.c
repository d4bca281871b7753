/* RTF \objdata payloads (see rtf_objdata.h).
 *
 * The decoded bytes usually start with an OLE1 object header (MS-OLEDS
 * 2.2.4 ObjectHeader + EmbeddedObject):
 *
 *     01 05 00 00   OLEVersion
 *     02 00 00 00   FormatID: 2 = embedded (1 = linked, carries no data)
 *     08 00 00 00  "Package\0"         ClassName (u32 length + bytes)
 *     00 00 00 00                      TopicName
 *     00 00 00 00                      ItemName
 *     7f 02 00 00   NativeDataSize
 *     ...           NativeData: for "Package" an OLE Package (ole_package.h),
 *                   for Word/Excel objects an OLE2 compound file
 *
 * The header is parsed from a small buffer as the bytes arrive; what follows
 * streams into the member. Names in the header are attacker-chosen: lengths
 * above OBJ_NAME_MAX make the data "not OLE1" and it is emitted whole. */
#include "rtf_objdata.h"

#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "ole_package.h"

#define OBJ_NAME_MAX 1024

enum { M_HEAD, M_RAW, M_NATIVE, M_PKG, M_PKGDATA, M_SKIP };

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void vgi_rtf_objdata_init(rtf_objdata *o, vgi_scan_ctx *ctx, unsigned index)
{
    memset(o, 0, sizeof *o);
    o->ctx = ctx;
    o->index = index;
    o->mode = M_HEAD;
}

static vg_error flush(rtf_objdata *o)
{
    if (o->out_len == 0 || o->child == NULL)
        return VG_OK;
    vg_error err = vgi_child_write(o->child, o->out, o->out_len);
    o->emitted += o->out_len;
    o->out_len = 0;
    if (err == VG_ERR_LIMIT) {
        vg_limit_kind k = vgi_child_limit(o->child);
        o->stop_all = k == VG_LIMIT_SCANSIZE || k == VG_LIMIT_RATIO;
        o->done = 1; /* reported; finish() scans what was written */
        o->err = VG_ERR_LIMIT;
        return VG_OK;
    }
    if (err != VG_OK) {
        o->done = 1;
        o->err = err;
    }
    return err;
}

static vg_error put(rtf_objdata *o, const uint8_t *p, size_t len)
{
    while (len > 0 && !o->done) {
        size_t n = sizeof o->out - o->out_len;
        if (n > len)
            n = len;
        memcpy(o->out + o->out_len, p, n);
        o->out_len += n;
        p += n;
        len -= n;
        if (o->out_len == sizeof o->out) {
            vg_error err = flush(o);
            if (err != VG_OK)
                return err;
        }
    }
    return VG_OK;
}

static vg_error start(rtf_objdata *o, int mode)
{
    o->mode = mode;
    vg_error err = vgi_child_begin(o->ctx, &o->child);
    if (err != VG_OK) {
        o->child = NULL;
        o->done = 1;
        o->mode = M_SKIP;
        o->err = err;
        return err == VG_ERR_LIMIT ? VG_OK : err;
    }
    return VG_OK;
}

/* Copies a header name, printable, cut at its NUL. */
static void copy_name(char *dst, size_t cap, const uint8_t *p, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < cap && p[i] != 0; i++)
        dst[k++] = p[i] > 0x20 && p[i] < 0x7f && p[i] != '/' ? (char)p[i] : '_';
    dst[k] = '\0';
}

/* 1: a complete OLE1 header of *hs bytes; 0: need more bytes; -1: not one. */
static int parse_head(rtf_objdata *o, size_t *hs)
{
    const uint8_t *h = o->head;
    size_t n = o->head_len;
    if (n < 8)
        return 0;
    if (rd32(h + 4) != 2)
        return -1;
    size_t off = 8;
    for (int i = 0; i < 3; i++) {
        if (n - off < 4)
            return 0;
        uint32_t l = rd32(h + off);
        if (l > OBJ_NAME_MAX || (i == 0 && l == 0))
            return -1;
        if (n - off - 4 < l)
            return 0;
        if (i == 0)
            copy_name(o->cls, sizeof o->cls, h + off + 4, l);
        off += 4 + l;
    }
    if (n - off < 4)
        return 0;
    o->native_left = rd32(h + off);
    *hs = off + 4;
    return o->cls[0] != '\0' ? 1 : -1;
}

static vg_error feed(rtf_objdata *o, const uint8_t *p, size_t len);

/* The Package header is in o->pkg (complete, or all there will be). */
static vg_error pkg_decide(rtf_objdata *o)
{
    vgi_ole_package pk;
    vg_error err;
    uint8_t *buf = o->pkg;
    size_t len = o->pkg_len;
    o->pkg = NULL;
    if (vgi_ole_package_parse(buf, len, &pk) == 0) {
        uint32_t size = rd32(buf + pk.data_off - 4);
        snprintf(o->name, sizeof o->name, "%s", pk.label[0] ? pk.label : "objdata:Package");
        err = start(o, M_PKGDATA);
        if (err == VG_OK && !o->done) {
            o->pkg_left = size - pk.data_len;
            err = put(o, buf + pk.data_off, pk.data_len);
            if (o->pkg_left == 0)
                o->done = 1;
        }
    } else {
        /* Not a package after all: its native data is still worth a scan. */
        snprintf(o->name, sizeof o->name, "objdata:Package");
        err = start(o, M_NATIVE);
        if (err == VG_OK)
            err = put(o, buf, len);
    }
    vg_free(buf);
    return err;
}

static vg_error head_decided(rtf_objdata *o, int r, size_t hs)
{
    vg_error err;
    if (r < 0) {
        snprintf(o->name, sizeof o->name, "objdata%u", o->index);
        err = start(o, M_RAW);
        return err == VG_OK ? put(o, o->head, o->head_len) : err;
    }
    if (strcmp(o->cls, "Package") == 0) {
        o->pkg_cap = o->native_left < RTF_PKG_HEAD ? (size_t)o->native_left : RTF_PKG_HEAD;
        o->pkg = vg_malloc(o->pkg_cap ? o->pkg_cap : 1);
        if (o->pkg == NULL)
            return o->err = VG_ERR_NOMEM;
        o->pkg_len = 0;
        o->mode = M_PKG;
    } else {
        snprintf(o->name, sizeof o->name, "objdata:%s", o->cls);
        err = start(o, M_NATIVE);
        if (err != VG_OK)
            return err;
    }
    return feed(o, o->head + hs, o->head_len - hs);
}

/* Bytes after the header, in the mode the header chose. */
static vg_error feed(rtf_objdata *o, const uint8_t *p, size_t len)
{
    vg_error err = VG_OK;
    while (len > 0 && !o->done && err == VG_OK) {
        size_t n = len;
        switch (o->mode) {
        case M_RAW:
            return put(o, p, len);
        case M_NATIVE:
            if (n > o->native_left)
                n = (size_t)o->native_left;
            err = put(o, p, n);
            o->native_left -= n;
            if (o->native_left == 0)
                o->done = 1; /* presentation data follows: not scanned */
            break;
        case M_PKG:
            /* pkg_cap <= native_left at the start: progress is certain */
            if (n > o->pkg_cap - o->pkg_len)
                n = o->pkg_cap - o->pkg_len;
            memcpy(o->pkg + o->pkg_len, p, n);
            o->pkg_len += n;
            o->native_left -= n;
            if (o->pkg_len == o->pkg_cap)
                err = pkg_decide(o);
            break;
        case M_PKGDATA:
            if (n > o->pkg_left)
                n = (size_t)o->pkg_left;
            err = put(o, p, n);
            o->pkg_left -= n;
            if (o->native_left >= n)
                o->native_left -= n;
            if (o->pkg_left == 0)
                o->done = 1;
            break;
        default:
            return VG_OK;
        }
        p += n;
        len -= n;
    }
    return err;
}

vg_error vgi_rtf_objdata_write(rtf_objdata *o, const uint8_t *p, size_t len)
{
    if (o->done)
        return VG_OK;
    if (o->mode != M_HEAD)
        return feed(o, p, len);
    while (len > 0 && o->mode == M_HEAD) {
        size_t n = RTF_OBJ_HEAD - o->head_len;
        if (n > len)
            n = len;
        memcpy(o->head + o->head_len, p, n);
        o->head_len += n;
        p += n;
        len -= n;
        size_t hs = 0;
        int r = parse_head(o, &hs);
        if (r == 0 && o->head_len == RTF_OBJ_HEAD)
            r = -1; /* cannot happen with OBJ_NAME_MAX * 3 < RTF_OBJ_HEAD */
        if (r != 0) {
            vg_error err = head_decided(o, r, hs);
            if (err != VG_OK)
                return err;
        }
    }
    return len > 0 ? feed(o, p, len) : VG_OK;
}

vg_error vgi_rtf_objdata_end(rtf_objdata *o, int cut)
{
    vg_error err = VG_OK;
    int missing = 0;
    if (o->mode == M_HEAD && o->head_len > 0)
        err = head_decided(o, -1, 0); /* too short for OLE1: scan it raw */
    else if (o->mode == M_PKG)
        err = pkg_decide(o);
    if (err == VG_OK)
        err = flush(o);
    if ((o->mode == M_NATIVE && o->native_left > 0 && o->err == VG_OK) ||
        (o->mode == M_PKGDATA && o->pkg_left > 0 && o->err == VG_OK))
        missing = 1;
    if (o->child != NULL && o->emitted == 0 && err == VG_OK) {
        vgi_child_discard(o->child); /* an empty object: nothing to scan */
        o->child = NULL;
    }
    if (o->child != NULL && (cut || missing))
        vgi_scan_report_error(o->ctx, VG_ERR_TRUNCATED, "rtf",
                              "\\objdata %s is cut short%s; scanning what was decoded", o->name,
                              cut ? " by the end of the document" : "");
    if (o->child != NULL) {
        vgi_child *c = o->child;
        o->child = NULL;
        if (err == VG_OK || err == VG_ERR_LIMIT) {
            err = vgi_child_finish(c, o->name);
        } else {
            vgi_child_discard(c);
        }
    } else if (o->err != VG_OK) {
        err = o->err;
    }
    vg_free(o->pkg);
    o->pkg = NULL;
    return err;
}

void vgi_rtf_objdata_discard(rtf_objdata *o)
{
    vgi_child_discard(o->child);
    o->child = NULL;
    vg_free(o->pkg);
    o->pkg = NULL;
}
