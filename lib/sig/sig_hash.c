/* Hash signatures: .hdb and .hsb (detections), .fp and .sfp (allow-lists).
 *
 *     44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature
 *     71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File
 *     3395856ce81f2b7382dee72602f798b642f14140:*:Some.Sha1.Sig:73
 *
 * Every line is HASH:SIZE:NAME[:MINFL[:MAXFL]]. The length of HASH tells
 * the digest (32 hex digits MD5, 40 SHA-1, 64 SHA-256), so all four
 * extensions take all three kinds: ClamAV itself reads the SHA-256 test
 * line from an .hdb, and users copy lines between files. SIZE is the
 * object's size in bytes, or '*' for any size (VGI_SIZE_ANY), which costs a
 * digest of every object and so is best kept rare.
 *
 * Official databases hold millions of these lines, so a line is cut with
 * memchr into fields that point into the file, decoded in place and handed
 * to the database: no sscanf, no strtok, no copy, and no allocation but the
 * database's own arrays. A bad line stops the load with its file, line and
 * the column of the field at fault. */
#include "sig_formats.h"

/* Digest kind by the number of hex digits, or -1. */
static int kind_for_digits(size_t n)
{
    switch (n) {
    case 32:
        return VGI_HASH_MD5;
    case 40:
        return VGI_HASH_SHA1;
    case 64:
        return VGI_HASH_SHA256;
    default:
        return -1;
    }
}

/* Hex digit value + 1, 0 for anything else: one load per digit, no branches
 * on the character class, since this loop is most of the parse time. */
static const uint8_t hexv1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Index of the first character of hex[0..n) that is not a hex digit, or -1. */
static long first_bad(const char *hex, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hexv1[(unsigned char)hex[i]] == 0)
            return (long)i;
    return -1;
}

/* Decodes 2 * n digits into out[0..n); returns first_bad() of them. */
static long decode(const char *hex, size_t n, uint8_t *out)
{
    const unsigned char *h = (const unsigned char *)hex;
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned hi = hexv1[h[2 * i]], lo = hexv1[h[2 * i + 1]];
        bad |= (hi == 0) | (lo == 0);
        out[i] = (uint8_t)((hi - 1) << 4 | ((lo - 1) & 0xf));
    }
    return bad ? first_bad(hex, 2 * n) : -1;
}

static vg_error malformed(const vgi_sigline *it, unsigned col, vg_diag *diag, const char *msg)
{
    return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, col, "%s", msg);
}

static vg_error parse_line(vgi_sigdb *db, const vgi_sigline *it, int allow, vg_diag *diag)
{
    vgi_sigfield f[6];
    size_t n = vgi_sig_split(it->s, it->len, f, 5);
    if (n < 3)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, (unsigned)it->len + 1,
                            "expected HASH:SIZE:NAME, found %zu field%s", n, n == 1 ? "" : "s");
    if (n > 5)
        return malformed(it, f[5].col, diag,
                         "too many fields: expected HASH:SIZE:NAME[:MINFL[:MAXFL]]");

    /* HASH */
    const vgi_sigfield *h = &f[0];
    int kind = kind_for_digits(h->len);
    uint8_t digest[VGI_HASH_MAX];
    long bad = kind >= 0 ? decode(h->p, h->len / 2, digest) : first_bad(h->p, h->len);
    if (bad >= 0)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, h->col + (unsigned)bad,
                            "hash has a non-hex character");
    if (kind < 0)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, h->col,
                            "hash has %zu hex digits; expected 32 (MD5), 40 (SHA-1) or "
                            "64 (SHA-256)",
                            h->len);

    /* SIZE: VGI_SIZE_ANY itself is reserved for '*'. */
    uint64_t size = VGI_SIZE_ANY;
    if (!(f[1].len == 1 && f[1].p[0] == '*')) {
        int r = vgi_sig_parse_u64(f[1].p, f[1].len, VGI_SIZE_ANY - 1, &size);
        if (r == -1)
            return malformed(it, f[1].col, diag, "size is neither a decimal number nor '*'");
        if (r == -2)
            return malformed(it, f[1].col, diag, "size is too large");
        /* As ClamAV: an empty object has nothing to detect, and clamscan
         * refuses the whole database over such a line. */
        if (size == 0)
            return malformed(it, f[1].col, diag, "size 0: an empty file cannot be a detection");
    }

    /* NAME */
    vg_error err = vgi_sig_check_name(&f[2], it, diag);
    if (err != VG_OK)
        return err;

    const char *skip;
    if ((err = vgi_sig_check_flevel(&f[3], n - 3, it, &skip, diag)) != VG_OK)
        return err;
    if (skip != NULL) {
        vgi_sigdb_note_skipped(db, it->src, it->lineno, skip);
        return VG_OK;
    }

    err = vgi_sigdb_add_hash(db, (vgi_hash_kind)kind, digest, size, f[2].p, f[2].len, allow);
    return err == VG_OK ? VG_OK : vgi_sig_db_error(err, it, diag);
}

static vg_error parse_file(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag, int allow)
{
    vgi_sigline it;
    vg_error err;
    /* Size the arrays once for the whole file: most hash files hold one
     * kind, the kind of their first line. Reserved but untouched pages cost
     * no memory, so the file length bounds the name pool safely. */
    if (len == 0)
        return VG_OK;
    const char *first = buf, *end = buf + len;
    while (first < end && (*first == '#' || *first == '\n' || *first == '\r')) {
        const char *nl = memchr(first, '\n', (size_t)(end - first));
        first = nl ? nl + 1 : end;
    }
    const char *colon = memchr(first, ':', (size_t)(end - first));
    int kind = colon ? kind_for_digits((size_t)(colon - first)) : -1;
    if (kind >= 0) {
        size_t lines = 0;
        for (const char *q = buf; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
            lines++;
        (void)vgi_sigdb_reserve(db, (vgi_hash_kind)kind, allow, lines + 1, len);
    }
    vgi_sigline_init(&it, src, buf, len);
    while ((err = vgi_sigline_next(&it, diag)) == VG_OK && it.s != NULL)
        if ((err = parse_line(db, &it, allow, diag)) != VG_OK)
            break;
    return err;
}

vg_error vgi_sig_parse_hdb(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag)
{
    return parse_file(db, src, buf, len, diag, 0);
}

vg_error vgi_sig_parse_hsb(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag)
{
    return parse_file(db, src, buf, len, diag, 0);
}

vg_error vgi_sig_parse_fp(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                          vg_diag *diag)
{
    return parse_file(db, src, buf, len, diag, 1);
}

vg_error vgi_sig_parse_sfp(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag)
{
    return parse_file(db, src, buf, len, diag, 1);
}
