/* MS-DOS COMPRESS.EXE files (SZDD) and their successor KWAJ, through
 * libmspack.
 *
 *     SZDD  "SZDD" 88 F0 27 33 | 'A' | last char of the name | u32 length | LZSS
 *           "SZ " 88 F0 27 33 D1 | u32 length | LZSS        (QBasic variant)
 *     KWAJ  "KWAJ" 88 F0 27 D1 | u16 method | u16 data offset | u16 flags |
 *           optional headers (length, name, extension, extra text) | data
 *           method 0 stored, 1 XOR 0xFF, 2 LZSS, 3 LZ+Huffman, 4 MSZIP
 *
 * One member each. SETUP.EX_ keeps only the extension's last character
 * ('E'): the member is named by the object's own name with it put back when
 * that name ends in '_', else "<decompressed>". A KWAJ file may carry the
 * original name and extension; else the member is "data". LZSS runs until
 * the input ends (at most ~9x its size), the other methods until the
 * output or the input ends; the child's limits stop either early. */
#include <string.h>

#include "../core/mem.h"
#include "fmt.h"
#include "mspack_sys.h"

#define MAX_NAME 255

static const uint8_t szdd_magic[8] = {'S', 'Z', 'D', 'D', 0x88, 0xf0, 0x27, 0x33};
static const uint8_t qbasic_magic[8] = {'S', 'Z', ' ', 0x88, 0xf0, 0x27, 0x33, 0xd1};
static const uint8_t kwaj_magic[8] = {'K', 'W', 'A', 'J', 0x88, 0xf0, 0x27, 0xd1};

static int szdd_probe(vg_fmap *map)
{
    const uint8_t *p = vg_fmap_need(map, 0, 8);
    return p != NULL && (memcmp(p, szdd_magic, 8) == 0 || memcmp(p, qbasic_magic, 8) == 0 ||
                         memcmp(p, kwaj_magic, 8) == 0);
}

static int name_char_ok(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '/' && c != '\\';
}

/* "SETUP.EX_" + 'E' -> "SETUP.EXE"; else "<decompressed>". */
static void szdd_name(vgi_scan_ctx *ctx, char missing, char out[MAX_NAME + 1])
{
    const char *cur = vgi_scan_current_name(ctx);
    const char *base = cur;
    for (const char *p = cur; p != NULL && *p != '\0'; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t n = base != NULL ? strlen(base) : 0;
    if (n >= 2 && n <= MAX_NAME && base[n - 1] == '_' && name_char_ok((unsigned char)missing)) {
        memcpy(out, base, n);
        out[n - 1] = missing;
        out[n] = '\0';
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
                out[i] = '?';
        return;
    }
    memcpy(out, "<decompressed>", 15);
}

/* KWAJ's own name ("SETUP.EXE"), or "data". */
static void kwaj_name(const char *hdr_name, char out[MAX_NAME + 1])
{
    size_t n = 0;
    if (hdr_name != NULL)
        for (; hdr_name[n] != '\0' && n < MAX_NAME; n++)
            out[n] = name_char_ok((unsigned char)hdr_name[n]) ? hdr_name[n] : '?';
    out[n] = '\0';
    if (n == 0)
        memcpy(out, "data", 5);
}

/* Runs extract() into a new child named name; reports a broken stream.
 * declared is the header's uncompressed length (0: unknown). */
static vg_error run_extract(vgi_scan_ctx *ctx, vgi_mspack_sys *s, const char *fmt,
                            int (*extract)(void *d, void *h), void *d, void *h, uint64_t declared,
                            const char *name)
{
    vgi_child *child = NULL;
    vg_error err = vgi_child_begin(ctx, &child);
    if (err != VG_OK)
        return err;
    vgi_mspack_sys_set_out(s, child);
    int rc = extract(d, h);
    uint64_t written = s->written;
    int limited = vgi_child_limit(child) != VG_LIMIT_NONE;
    vg_error werr = s->write_err;
    vgi_mspack_sys_set_out(s, NULL);
    vg_error res = VG_OK;
    if (!limited && werr == VG_OK && !s->stopped) {
        if (rc != MSPACK_ERR_OK && vgi_mspack_error(s, rc) != VG_ERR_NOMEM) {
            res = vgi_mspack_error(s, rc);
            vgi_scan_report_error(ctx, res, fmt,
                                  "%s data broken after %llu bytes: %s; what was decoded "
                                  "is scanned",
                                  fmt, (unsigned long long)written, vgi_mspack_strerror(rc));
        } else if (rc == MSPACK_ERR_OK && declared != 0 && written < declared) {
            res = VG_ERR_TRUNCATED;
            vgi_scan_report_error(ctx, res, fmt,
                                  "%s data ends after %llu of %llu bytes; what was decoded "
                                  "is scanned",
                                  fmt, (unsigned long long)written, (unsigned long long)declared);
        }
    }
    err = vgi_child_finish(child, name);
    if (werr == VG_ERR_NOMEM || vgi_mspack_error(s, rc) == VG_ERR_NOMEM)
        return VG_ERR_NOMEM;
    if (err == VG_ERR_ABORTED || err == VG_ERR_NOMEM)
        return err;
    return res;
}

static int szdd_extract(void *d, void *h)
{
    struct msszdd_decompressor *sd = d;
    return sd->extract(sd, h, VGI_MSPACK_OUT);
}

static int kwaj_extract(void *d, void *h)
{
    struct mskwaj_decompressor *kd = d;
    return kd->extract(kd, h, VGI_MSPACK_OUT);
}

static vg_error open_failed(vgi_scan_ctx *ctx, vgi_mspack_sys *s, const char *fmt, int rc)
{
    vg_error err = vgi_mspack_error(s, rc);
    if (err == VG_ERR_NOMEM)
        return err;
    if (s->stopped)
        return VG_ERR_ABORTED;
    if (err == VG_OK)
        err = VG_ERR_MALFORMED;
    vgi_scan_report_error(ctx, err, fmt, "cannot read the %s header: %s", fmt,
                          vgi_mspack_strerror(rc));
    return err;
}

static vg_error parse_szdd(vgi_scan_ctx *ctx, vgi_mspack_sys *s)
{
    struct msszdd_decompressor *d = mspack_create_szdd_decompressor(&s->sys);
    if (d == NULL)
        return VG_ERR_NOMEM;
    vg_error err;
    struct msszddd_header *h = d->open(d, VGI_MSPACK_IN);
    if (h == NULL) {
        err = open_failed(ctx, s, "szdd", d->last_error(d));
    } else {
        char name[MAX_NAME + 1];
        szdd_name(ctx, h->missing_char, name);
        uint64_t declared = h->length > 0 ? (uint64_t)h->length : 0;
        err = run_extract(ctx, s, "szdd", szdd_extract, d, h, declared, name);
        d->close(d, h);
    }
    mspack_destroy_szdd_decompressor(d);
    return err;
}

static vg_error parse_kwaj(vgi_scan_ctx *ctx, vgi_mspack_sys *s)
{
    struct mskwaj_decompressor *d = mspack_create_kwaj_decompressor(&s->sys);
    if (d == NULL)
        return VG_ERR_NOMEM;
    vg_error err;
    struct mskwajd_header *h = d->open(d, VGI_MSPACK_IN);
    if (h == NULL) {
        err = open_failed(ctx, s, "kwaj", d->last_error(d));
    } else {
        char name[MAX_NAME + 1];
        kwaj_name(h->filename, name);
        uint64_t declared =
            (h->headers & MSKWAJ_HDR_HASLENGTH) && h->length > 0 ? (uint64_t)h->length : 0;
        err = run_extract(ctx, s, "kwaj", kwaj_extract, d, h, declared, name);
        d->close(d, h);
    }
    mspack_destroy_kwaj_decompressor(d);
    return err;
}

static vg_error szdd_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    vgi_mspack_sys s;
    vg_error err = vgi_mspack_sys_init(&s, ctx, map);
    if (err != VG_OK)
        return err;
    const uint8_t *p = vg_fmap_need(map, 0, 8);
    if (p == NULL)
        return VG_ERR_TRUNCATED;
    err = memcmp(p, kwaj_magic, 8) == 0 ? parse_kwaj(ctx, &s) : parse_szdd(ctx, &s);
    return err == VG_ERR_LIMIT ? VG_OK : err;
}

const vgi_format vgi_format_szdd = {"szdd", szdd_probe, szdd_parse};
