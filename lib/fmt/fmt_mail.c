/* Mail: RFC 822/5322 messages with MIME (RFC 2045-2049) and mbox files.
 *
 *     From alice@example.com  Thu Jul 31 13:49:50 2008    mbox separator (optional)
 *     Received: from mx.example.com ...                   header block
 *     From: alice@example.com
 *     Subject: report
 *     Content-Type: multipart/mixed; boundary="b1"
 *
 *     --b1                                                parts: see fmt_mail_walk.c
 *     ...
 *
 *     From bob@example.com  Fri Aug  1 09:00:00 2008      next message of the mbox
 *
 * probe() wants a header block at the start (after blank lines): at least
 * two well-known fields, or one after an mbox "From " line, and nothing
 * but header lines before them, so ordinary text is not taken for mail.
 *
 * An mbox holding several messages (a "From " line after a blank line and
 * before a header line starts the next one) is split into zero-copy views
 * "message<N>"; the scan hands each back to this handler, which finds a
 * single message there and walks it in place. */
#include <stdio.h>
#include <string.h>

#include "mime_hdr.h"
#include "mime_walk.h"

#define PROBE_BYTES 4096
#define LINE_WIN    ((size_t)64 << 10) /* bytes of a line looked at while splitting */
#define STOP_EVERY  1024

static const char *const known_fields[] = {
    "from",
    "to",
    "cc",
    "subject",
    "received",
    "return-path",
    "date",
    "message-id",
    "delivered-to",
    "mime-version",
    "content-type",
    "reply-to",
    "sender",
    "references",
    "in-reply-to",
    "content-transfer-encoding",
    "content-disposition",
};

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_known(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < sizeof known_fields / sizeof known_fields[0]; i++) {
        const char *f = known_fields[i];
        if (strlen(f) != n)
            continue;
        size_t k = 0;
        while (k < n && lower(p[k]) == f[k])
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

/* Offset of the first byte that is not part of a blank line. */
static uint64_t skip_blank_lines(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

static int mail_probe(vg_fmap *map)
{
    uint64_t size = vg_fmap_size(map);
    size_t n = size < PROBE_BYTES ? (size_t)size : PROBE_BYTES;
    const uint8_t *p = vg_fmap_need(map, 0, n);
    if (p == NULL || n < 8)
        return 0;
    size_t i = (size_t)skip_blank_lines(p, n);
    int mbox = 0, known = 0, lines = 0;
    if (n - i >= 5 && memcmp(p + i, "From ", 5) == 0) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        if (nl == NULL)
            return 0;
        mbox = 1;
        i = (size_t)(nl - p) + 1;
    }
    while (i < n) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t l = nl ? (size_t)(nl - p) - i : n - i;
        if (l > 0 && p[i + l - 1] == '\r')
            l--;
        if (l == 0)
            break; /* end of the header block */
        if (p[i] == ' ' || p[i] == '\t') {
            if (lines == 0)
                return 0;
        } else {
            size_t fl = vgi_mime_field_name(p + i, l);
            if (fl == 0)
                break;
            known += is_known(p + i, fl);
        }
        lines++;
        if (nl == NULL)
            break;
        i = (size_t)(nl - p) + 1;
    }
    return known >= 2 || (mbox && known >= 1);
}

/* 1 when the line at off is an mbox separator: "From " followed by a
 * header line (the blank line before is the caller's to check). */
static int is_separator(vg_fmap *map, uint64_t off, uint64_t size)
{
    uint64_t left = size - off;
    size_t n = left < LINE_WIN ? (size_t)left : LINE_WIN;
    const uint8_t *q = vg_fmap_need(map, off, n);
    if (q == NULL || n < 5 || memcmp(q, "From ", 5) != 0)
        return 0;
    const uint8_t *nl = memchr(q, '\n', n);
    if (nl == NULL)
        return 0;
    size_t i = (size_t)(nl - q) + 1;
    return vgi_mime_field_name(q + i, n - i) != 0;
}

static vg_error emit_message(vgi_scan_ctx *ctx, vg_fmap *map, uint64_t off, uint64_t len,
                             unsigned n)
{
    char name[32];
    snprintf(name, sizeof name, "message%u", n);
    vg_fmap *sub = NULL;
    vg_error err = vg_fmap_sub(map, off, len, &sub);
    if (err == VG_OK)
        err = vgi_scan_child(ctx, sub, name);
    vg_fmap_close(sub);
    return err;
}

static vg_error mail_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    uint64_t size = vg_fmap_size(map);
    size_t n0 = size < PROBE_BYTES ? (size_t)size : PROBE_BYTES;
    const uint8_t *p = vg_fmap_need(map, 0, n0);
    if (p == NULL)
        return VG_ERR_TRUNCATED;
    uint64_t start = skip_blank_lines(p, n0);
    if (!is_separator(map, start, size))
        return vgi_mail_walk(ctx, map, start);

    /* an mbox: split it where a separator follows a blank line */
    uint64_t off = start, msg = start;
    unsigned count = 0, lines = 0;
    int prev_blank = 0;
    while (off < size) {
        if (++lines % STOP_EVERY == 0 && vgi_scan_should_stop(ctx))
            return VG_OK;
        uint64_t left = size - off;
        size_t n = left < LINE_WIN ? (size_t)left : LINE_WIN;
        const uint8_t *q = vg_fmap_need(map, off, n);
        if (q == NULL)
            return VG_ERR_IO;
        const uint8_t *nl = memchr(q, '\n', n);
        size_t l = nl ? (size_t)(nl - q) : n;
        int blank = nl != NULL && (l == 0 || (l == 1 && q[0] == '\r'));
        int sep = prev_blank && off > msg && l >= 5 && memcmp(q, "From ", 5) == 0;
        uint64_t next = off + (nl ? l + 1 : n);
        if (sep && is_separator(map, off, size)) {
            vg_error err = emit_message(ctx, map, msg, off - msg, ++count);
            if (err == VG_ERR_LIMIT)
                return VG_OK; /* max_files or depth: reported */
            if (err != VG_OK)
                return err;
            msg = off;
        }
        prev_blank = blank;
        off = next;
    }
    if (count == 0)
        return vgi_mail_walk(ctx, map, start);
    vg_error err = emit_message(ctx, map, msg, size - msg, ++count);
    return err == VG_ERR_LIMIT ? VG_OK : err;
}

const vgi_format vgi_format_mail = {"mail", mail_probe, mail_parse};
