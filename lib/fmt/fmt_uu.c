/* uuencoded files, wherever they start in a text object.
 *
 *     From: a@example.com                 any text before, e.g. mail headers
 *
 *     begin 644 clam.exe                  a member starts
 *     M35I0``(````$``\`__\``+@````A...    'M' = 45 bytes, 4 characters per 3
 *     `                                   zero-length line
 *     end
 *
 * and the GNU variant "begin-base64 644 name" ... "====". libarchive reads
 * uuencode too, but only at the start of its input and, on a stream cut
 * short (no "end"), it drops the last block: ClamAV's clam.exe.mbox.uu is
 * such a file. This handler decodes line by line, keeps what it decoded
 * when the text breaks off, and finds every block in the object, each a
 * member named by its begin line. Lines are read through fmap windows of
 * at most LINE_MAX bytes; a longer line ends a block. */
#include <string.h>

#include "../core/b64.h"
#include "../core/mem.h"
#include "fmt.h"

#define LINE_MAX_LEN 4096
#define PROBE_BYTES  65536
#define MAX_NAME     255

typedef struct line_reader {
    vg_fmap *map;
    uint64_t off, size;
} line_reader;

/* Next line (without its newline and CR) in *p and *len; 0 at the end. A line
 * longer than LINE_MAX_LEN comes back cut, with *len == LINE_MAX_LEN. */
static int next_line(line_reader *r, const uint8_t **p, size_t *len)
{
    if (r->off >= r->size)
        return 0;
    uint64_t left = r->size - r->off;
    size_t n = left < LINE_MAX_LEN + 1 ? (size_t)left : LINE_MAX_LEN + 1;
    const uint8_t *q = vg_fmap_need(r->map, r->off, n);
    if (q == NULL)
        return 0;
    const uint8_t *nl = memchr(q, '\n', n);
    size_t l = nl ? (size_t)(nl - q) : n;
    if (l > LINE_MAX_LEN)
        l = LINE_MAX_LEN;
    /* Past the newline; a line longer than the window comes back cut and
     * its rest is read as the next "line", which no decoder accepts. */
    r->off += nl != NULL ? (uint64_t)(nl - q) + 1 : n;
    while (l > 0 && q[l - 1] == '\r')
        l--;
    *p = q;
    *len = l;
    return 1;
}

static int starts_with(const uint8_t *p, size_t len, const char *s)
{
    size_t n = strlen(s);
    return len >= n && memcmp(p, s, n) == 0;
}

/* "begin[-base64] <octal mode> <name>" -> 1 (uu) or 2 (base64), name copied. */
static int parse_begin(const uint8_t *p, size_t len, char name[MAX_NAME + 1])
{
    size_t i;
    int kind;
    if (starts_with(p, len, "begin-base64 ")) {
        i = 13;
        kind = 2;
    } else if (starts_with(p, len, "begin ")) {
        i = 6;
        kind = 1;
    } else {
        return 0;
    }
    size_t digits = 0;
    while (i < len && p[i] >= '0' && p[i] <= '7') {
        i++;
        digits++;
    }
    if (digits == 0 || digits > 6 || i >= len || p[i] != ' ')
        return 0;
    i++;
    size_t n = len - i < MAX_NAME ? len - i : MAX_NAME;
    for (size_t k = 0; k < n; k++)
        name[k] = (p[i + k] >= 0x20 && p[i + k] != 0x7f) ? (char)p[i + k] : '?';
    name[n] = '\0';
    if (n == 0)
        memcpy(name, "uudecoded", 10);
    return kind;
}

static int uu_val(uint8_t c)
{
    return (c - 0x20) & 0x3f; /* '`' encodes 0 like ' ' */
}

/* Decodes one uu line into out (at most 63 bytes); -1 if it is not one. */
static int uu_line(const uint8_t *p, size_t len, uint8_t *out)
{
    if (len == 0)
        return -1;
    if (p[0] < 0x20 || p[0] > 0x60)
        return -1;
    int n = uu_val(p[0]);
    size_t need = ((size_t)n + 2) / 3 * 4;
    if (len - 1 < need)
        return -1;
    for (size_t i = 1; i <= need; i++)
        if (p[i] < 0x20 || p[i] > 0x60)
            return -1;
    int o = 0;
    for (size_t i = 1; o < n; i += 4) {
        unsigned v = (unsigned)uu_val(p[i]) << 18 | (unsigned)uu_val(p[i + 1]) << 12 |
                     (unsigned)uu_val(p[i + 2]) << 6 | (unsigned)uu_val(p[i + 3]);
        uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
        for (int k = 0; k < 3 && o < n; k++)
            out[o++] = b[k];
    }
    return n;
}

/* Decodes a base64 line (whole quads; '=' ends it); -1 if not base64. */
static int b64_line(const uint8_t *p, size_t len, uint8_t *out, size_t cap)
{
    int o = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '=')
            break;
        int v = vgi_b64_value(p[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if ((size_t)o >= cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o;
}

/* Decodes one block after its begin line; VG_ERR_ABORTED/NOMEM stop all. */
static vg_error decode_block(vgi_scan_ctx *ctx, line_reader *r, int kind, const char *name)
{
    vgi_child *child = NULL;
    vg_error err = vgi_child_begin(ctx, &child);
    if (err != VG_OK)
        return err;
    uint8_t buf[LINE_MAX_LEN];
    const uint8_t *p;
    size_t len;
    int ended = 0, full = 0;
    while (!full && next_line(r, &p, &len)) {
        if ((kind == 1 && starts_with(p, len, "end") && len == 3) ||
            (kind == 2 && starts_with(p, len, "====") && len == 4)) {
            ended = 1;
            break;
        }
        int n = kind == 1 ? uu_line(p, len, buf) : b64_line(p, len, buf, sizeof buf);
        if (n < 0)
            break; /* not part of the block: text after a cut, or garbage */
        if (n > 0 && vgi_child_write(child, buf, (size_t)n) != VG_OK)
            full = 1;
    }
    if (!ended && !full)
        vgi_scan_report_error(ctx, VG_ERR_TRUNCATED, "uu",
                              "uuencoded member %s ends without an end line; "
                              "scanning what was decoded",
                              name);
    err = vgi_child_finish(child, name);
    return err == VG_ERR_ABORTED || err == VG_ERR_NOMEM ? err : VG_OK;
}

static int uu_probe(vg_fmap *map)
{
    uint64_t size = vg_fmap_size(map);
    size_t n = size < PROBE_BYTES ? (size_t)size : PROBE_BYTES;
    const uint8_t *p = vg_fmap_need(map, 0, n);
    if (p == NULL || n < 8)
        return 0;
    if (memcmp(p, "begin", 5) == 0)
        return 1;
    /* uuencoded text sits in text: a NUL early on rules it out cheaply, and
     * this probe runs on every object. */
    if (memchr(p, 0, n < 512 ? n : 512) != NULL)
        return 0;
    const uint8_t *q = p, *end = p + n;
    while ((q = memmem(q, (size_t)(end - q), "\nbegin", 6)) != NULL) {
        char name[MAX_NAME + 1];
        const uint8_t *nl = memchr(q + 1, '\n', (size_t)(end - q - 1));
        size_t len = nl ? (size_t)(nl - q - 1) : (size_t)(end - q - 1);
        if (parse_begin(q + 1, len, name))
            return 1;
        q++;
    }
    return 0;
}

static vg_error uu_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    line_reader r = {map, 0, vg_fmap_size(map)};
    const uint8_t *p;
    size_t len;
    while (!vgi_scan_should_stop(ctx) && next_line(&r, &p, &len)) {
        char name[MAX_NAME + 1];
        int kind = parse_begin(p, len, name);
        if (kind == 0)
            continue;
        vg_error err = decode_block(ctx, &r, kind, name);
        if (err == VG_ERR_ABORTED || err == VG_ERR_NOMEM)
            return err;
        if (err == VG_ERR_LIMIT)
            return VG_OK; /* max_files or depth: reported, nothing more fits */
    }
    return VG_OK;
}

const vgi_format vgi_format_uu = {"uu", uu_probe, uu_parse};
