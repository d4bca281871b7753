/* TNEF (winmail.dat, application/ms-tnef): Outlook's attachment wrapper.
 *
 *     78 9F 3E 22  u16 key
 *     attributes:  u8 level (1 message, 2 attachment), u32 id (type << 16 |
 *                  tag), u32 length, data[length], u16 checksum
 *       01 00069003 attMAPIProps     message properties: PR_RTF_COMPRESSED
 *                                    (body.rtf), PR_HTML (body.html)
 *       02 00069002 attAttachRendData   starts an attachment
 *       02 0006800F attAttachData       its bytes
 *       02 00018010 attAttachTitle      its short name ("clam.exe")
 *       02 00069005 attAttachment       its MAPI properties:
 *                                       PR_ATTACH_LONG_FILENAME, and
 *                                       PR_ATTACH_DATA_OBJ (an embedded
 *                                       message: itself TNEF, after a
 *                                       16-byte interface id)
 *
 * An attachment's name may come after its data, so each attachment is
 * gathered (offsets only) until the next one starts or the stream ends, and
 * then emitted as zero-copy views of the object, named by the long file
 * name, else the title, else "attachment<N>".
 *
 * Why not libytnef (linked, Debian 2.0): it rejects ClamAV's clam.tnef
 * (three attributes there have checksums that don't match, which Outlook
 * and ClamAV ignore), it prints its errors on stdout (the CLI's JSON
 * stream), it needs the whole object in memory, and its error paths free
 * MAPI lists it never allocated. This walker reads through fmap windows
 * and never copies an attachment. Checksums are not verified, for the
 * same reason as ClamAV. */
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "fmt.h"
#include "tnef_mapi.h"
#include "tnef_rtf.h"

#define TNEF_SIGNATURE 0x223e9f78u
#define MAX_NAME       255

#define ATT_MAPI_PROPS   0x00069003u
#define ATT_REND_DATA    0x00069002u
#define ATT_ATTACH_DATA  0x0006800fu
#define ATT_ATTACH_TITLE 0x00018010u
#define ATT_ATTACHMENT   0x00069005u

#define PR_ATTACH_DATA_OBJ      0x3701
#define PR_ATTACH_FILENAME      0x3704
#define PR_ATTACH_LONG_FILENAME 0x3707
#define PR_RTF_COMPRESSED       0x1009
#define PR_HTML                 0x1013

typedef struct attachment {
    int open;                    /* gathering one */
    unsigned index;              /* 1-based, for "attachment<N>" */
    uint64_t data_off, data_len; /* attAttachData */
    int has_data;
    uint64_t obj_off, obj_len; /* PR_ATTACH_DATA_OBJ */
    int has_obj;
    char title[MAX_NAME + 1];      /* attAttachTitle */
    char long_name[MAX_NAME + 1];  /* PR_ATTACH_LONG_FILENAME */
    char short_name[MAX_NAME + 1]; /* PR_ATTACH_FILENAME */
} attachment;

typedef struct tnef_run {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    attachment att;
    unsigned n_att;
    uint64_t rtf_off, rtf_len;
    int has_rtf;
    uint64_t html_off, html_len;
    int has_html;
    int stop;      /* a limit or abort: emit nothing more */
    int bad_mapi;  /* a broken property list was reported (once) */
    vg_error fail; /* first error to return (ABORTED/NOMEM) */
} tnef_run;

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int tnef_probe(vg_fmap *map)
{
    const uint8_t *p = vg_fmap_need(map, 0, 6);
    return p != NULL && le32(p) == TNEF_SIGNATURE;
}

static char safe_char(uint32_t c)
{
    return c < 0x20 || c == 0x7f ? '?' : (char)c;
}

/* Copies an 8-bit name (up to its NUL) from map[off, off+len). */
static void read_name8(vg_fmap *map, uint64_t off, uint64_t len, char out[MAX_NAME + 1])
{
    uint8_t buf[MAX_NAME];
    size_t n = len < MAX_NAME ? (size_t)len : MAX_NAME;
    n = vg_fmap_read(map, off, buf, n);
    size_t k = 0;
    for (; k < n && buf[k] != 0; k++)
        out[k] = safe_char(buf[k]);
    out[k] = '\0';
}

/* UTF-16LE name -> UTF-8 (BMP; surrogates become '?'), cut at MAX_NAME. */
static void read_name16(vg_fmap *map, uint64_t off, uint64_t len, char out[MAX_NAME + 1])
{
    uint8_t buf[2 * MAX_NAME];
    size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
    n = vg_fmap_read(map, off, buf, n);
    size_t k = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t c = (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8;
        if (c == 0)
            break;
        if (c >= 0xd800 && c < 0xe000)
            c = '?';
        size_t need = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        if (k + need > MAX_NAME)
            break;
        if (need == 1) {
            out[k++] = safe_char(c);
        } else if (need == 2) {
            out[k++] = (char)(0xc0 | c >> 6);
            out[k++] = (char)(0x80 | (c & 0x3f));
        } else {
            out[k++] = (char)(0xe0 | c >> 12);
            out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[k++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[k] = '\0';
}

static void read_name(vg_fmap *map, const vgi_tnef_prop *p, char out[MAX_NAME + 1])
{
    if (p->type == VGI_PT_UNICODE)
        read_name16(map, p->off, p->len, out);
    else
        read_name8(map, p->off, p->len, out);
}

/* Scans map[off, off+len) as a member; sets r->stop on limits and aborts. */
static void emit_view(tnef_run *r, uint64_t off, uint64_t len, const char *name)
{
    vg_fmap *sub = NULL;
    vg_error err = vg_fmap_sub(r->map, off, len, &sub);
    if (err == VG_OK) {
        err = vgi_scan_child(r->ctx, sub, name);
        vg_fmap_close(sub);
    }
    if (err == VG_ERR_LIMIT) {
        r->stop = 1; /* max_files or depth, reported: nothing more fits */
    } else if (err != VG_OK) {
        r->stop = 1;
        if (r->fail == VG_OK)
            r->fail = err;
    }
}

static void finish_attachment(tnef_run *r)
{
    attachment *a = &r->att;
    if (!a->open)
        return;
    a->open = 0;
    if (r->stop || (!a->has_data && !a->has_obj))
        return;
    char name[MAX_NAME + 1];
    if (a->long_name[0])
        memcpy(name, a->long_name, sizeof name);
    else if (a->title[0])
        memcpy(name, a->title, sizeof name);
    else if (a->short_name[0])
        memcpy(name, a->short_name, sizeof name);
    else
        snprintf(name, sizeof name, "attachment%u", a->index);
    if (a->has_data)
        emit_view(r, a->data_off, a->data_len, name);
    /* An embedded message lives only in the object; a by-value file is
     * usually in both, and is scanned once. */
    if (a->has_obj && !r->stop && (!a->has_data || a->obj_len != a->data_len))
        emit_view(r, a->obj_off, a->obj_len, name);
}

static void start_attachment(tnef_run *r)
{
    finish_attachment(r);
    memset(&r->att, 0, sizeof r->att);
    r->att.open = 1;
    r->att.index = ++r->n_att;
}

static int on_attach_prop(void *user, const vgi_tnef_prop *p)
{
    tnef_run *r = user;
    attachment *a = &r->att;
    if (p->named)
        return 0;
    if (p->id == PR_ATTACH_LONG_FILENAME &&
        (p->type == VGI_PT_STRING8 || p->type == VGI_PT_UNICODE))
        read_name(r->map, p, a->long_name);
    else if (p->id == PR_ATTACH_FILENAME &&
             (p->type == VGI_PT_STRING8 || p->type == VGI_PT_UNICODE))
        read_name(r->map, p, a->short_name);
    else if (p->id == PR_ATTACH_DATA_OBJ && p->len > 0 &&
             (p->type == VGI_PT_BINARY || p->type == VGI_PT_OBJECT)) {
        uint64_t skip = p->type == VGI_PT_OBJECT && p->len >= 16 ? 16 : 0; /* IID */
        a->obj_off = p->off + skip;
        a->obj_len = p->len - skip;
        a->has_obj = a->obj_len > 0;
    }
    return 0;
}

static int on_message_prop(void *user, const vgi_tnef_prop *p)
{
    tnef_run *r = user;
    if (p->named || p->type != VGI_PT_BINARY)
        return 0;
    if (p->id == PR_RTF_COMPRESSED) {
        r->rtf_off = p->off;
        r->rtf_len = p->len;
        r->has_rtf = 1;
    } else if (p->id == PR_HTML && p->len > 0) {
        r->html_off = p->off;
        r->html_len = p->len;
        r->has_html = 1;
    }
    return 0;
}

static void walk_mapi(tnef_run *r, uint64_t off, uint64_t len, vgi_tnef_prop_fn fn)
{
    uint64_t where = 0;
    if (vgi_tnef_mapi_walk(r->map, off, len, fn, r, &where) != VG_OK && r->bad_mapi++ == 0)
        vgi_scan_report_error(r->ctx, VG_ERR_MALFORMED, "tnef",
                              "bad MAPI property list at offset %llu; properties before it "
                              "are used",
                              (unsigned long long)where);
}

static void emit_rtf(tnef_run *r)
{
    vgi_child *child = NULL;
    vg_error err = vgi_child_begin(r->ctx, &child);
    if (err != VG_OK) {
        r->stop = 1;
        if (err != VG_ERR_LIMIT)
            r->fail = err;
        return;
    }
    err = vgi_tnef_rtf_decode(r->map, r->rtf_off, r->rtf_len, child);
    if (err == VG_ERR_MALFORMED || err == VG_ERR_TRUNCATED)
        vgi_scan_report_error(r->ctx, err, "tnef",
                              "compressed RTF body at offset %llu is %s; what was decoded "
                              "is scanned",
                              (unsigned long long)r->rtf_off,
                              err == VG_ERR_MALFORMED ? "not LZFu/MELA" : "cut short");
    else if (err == VG_ERR_NOMEM && r->fail == VG_OK)
        r->fail = err;
    vg_limit_kind lim = vgi_child_limit(child);
    err = vgi_child_finish(child, "body.rtf");
    if (err == VG_ERR_ABORTED || err == VG_ERR_NOMEM) {
        r->stop = 1;
        r->fail = err;
    }
    if (err == VG_ERR_LIMIT || lim == VG_LIMIT_SCANSIZE || lim == VG_LIMIT_RATIO)
        r->stop = 1;
}

/* One message-level MAPI block: bodies are emitted right away. */
static void message_props(tnef_run *r, uint64_t off, uint64_t len)
{
    r->has_rtf = r->has_html = 0;
    walk_mapi(r, off, len, on_message_prop);
    if (r->has_rtf && !r->stop)
        emit_rtf(r);
    if (r->has_html && !r->stop)
        emit_view(r, r->html_off, r->html_len, "body.html");
}

/* Fewer bytes than an attribute header, all NUL or white space. */
static int trailing_padding(vg_fmap *map, uint64_t pos, uint64_t size)
{
    uint8_t b[9];
    size_t n = vg_fmap_read(map, pos, b, sizeof b);
    if (n != size - pos)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0 && b[i] != '\n' && b[i] != '\r' && b[i] != ' ')
            return 0;
    return 1;
}

static vg_error tnef_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    tnef_run r = {.ctx = ctx, .map = map};
    uint64_t size = vg_fmap_size(map);
    uint64_t pos = 6; /* signature, key */
    vg_error result = VG_OK;
    unsigned n = 0;
    while (pos < size && !r.stop) {
        if ((++n & 1023) == 0 && vgi_scan_should_stop(ctx))
            break;
        const uint8_t *h = vg_fmap_need(map, pos, 9);
        if (h == NULL && trailing_padding(map, pos, size))
            break; /* a newline or NULs after the last attribute (clam.tnef) */
        if (h == NULL) {
            vgi_scan_report_error(ctx, VG_ERR_TRUNCATED, "tnef",
                                  "attribute header cut short at offset %llu",
                                  (unsigned long long)pos);
            result = VG_ERR_TRUNCATED;
            break;
        }
        uint32_t id = le32(h + 1);
        uint64_t len = le32(h + 5);
        uint64_t data = pos + 9;
        int cut = len > size - data;
        if (cut) {
            vgi_scan_report_error(ctx, VG_ERR_TRUNCATED, "tnef",
                                  "attribute 0x%08x at offset %llu declares %llu bytes, %llu "
                                  "are left; the part present is scanned",
                                  id, (unsigned long long)pos, (unsigned long long)len,
                                  (unsigned long long)(size - data));
            result = VG_ERR_TRUNCATED;
            len = size - data;
        }
        switch (id) {
        case ATT_REND_DATA:
            start_attachment(&r);
            break;
        case ATT_ATTACH_DATA:
            /* A second data attribute in one attachment must not hide the
             * first: it starts another. */
            if (!r.att.open || r.att.has_data)
                start_attachment(&r);
            r.att.data_off = data;
            r.att.data_len = len;
            r.att.has_data = 1;
            break;
        case ATT_ATTACH_TITLE:
            if (!r.att.open)
                start_attachment(&r);
            read_name8(map, data, len, r.att.title);
            break;
        case ATT_ATTACHMENT:
            if (!r.att.open)
                start_attachment(&r);
            walk_mapi(&r, data, len, on_attach_prop);
            break;
        case ATT_MAPI_PROPS:
            message_props(&r, data, len);
            break;
        default:
            break;
        }
        if (cut)
            break;
        if (size - data - len < 2) {
            vgi_scan_report_error(ctx, VG_ERR_TRUNCATED, "tnef",
                                  "attribute 0x%08x at offset %llu lacks its checksum", id,
                                  (unsigned long long)pos);
            result = VG_ERR_TRUNCATED;
            break;
        }
        pos = data + len + 2; /* checksum: not verified, see above */
    }
    finish_attachment(&r);
    if (r.fail != VG_OK)
        return r.fail;
    return result;
}

const vgi_format vgi_format_tnef = {"tnef", tnef_probe, tnef_parse};
