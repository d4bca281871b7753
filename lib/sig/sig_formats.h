/* The signature file parsers (one format per file, listed in sig_list.h)
 * and the line conventions they share.
 *
 * Every format is line-oriented text. A parser walks the file with
 * vgi_sigline_next(), which hands out one line at a time without copying:
 *
 *     "# comment\r\n\r\n44d88612fea8a8f36de82e1278abb02f:68:Eicar\r\n"
 *
 * yields one line, "44d88612fea8a8f36de82e1278abb02f:68:Eicar", numbered 3:
 * the CR of CRLF is dropped, and blank lines and lines starting with '#'
 * are skipped but still counted, so diagnostics name the line an editor
 * shows. Lines that are too long or contain a NUL byte are errors here, so
 * no parser has to think about them. Fields are then cut at ':' in place
 * (vgi_sig_split), each remembering its 1-based column for diagnostics. */
#ifndef VGI_SIG_SIG_FORMATS_H
#define VGI_SIG_SIG_FORMATS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core/diag_int.h"
#include "sig.h"

/* ---- the parsers (signature: vgi_sigfmt_parse_fn) ---- */

/* HASH:SIZE:NAME[:MINFL[:MAXFL]], the digest kind told by its length (MD5,
 * SHA-1, SHA-256) in all four; .fp and .sfp add allow-list entries. */
vg_error vgi_sig_parse_hdb(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag);
vg_error vgi_sig_parse_hsb(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag);
vg_error vgi_sig_parse_fp(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                          vg_diag *diag);
vg_error vgi_sig_parse_sfp(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag);
/* NAME:TARGET:OFFSET:HEXSIG[:MINFL[:MAXFL]] */
vg_error vgi_sig_parse_ndb(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag);
/* NAME[:anything] per line */
vg_error vgi_sig_parse_ign2(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                            vg_diag *diag);
/* DBNAME:LINE:NAME[:anything] per line (the format .ign2 replaced) */
vg_error vgi_sig_parse_ign(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag);

/* Every format of sig_list.h, in its order (sig_list.c). */
extern const vgi_sigfmt vgi_sigfmts[];
extern const size_t vgi_sigfmt_count;

/* The ClamAV functionality level whose signatures this engine loads: a
 * line restricted to other levels by its MINFL/MAXFL fields is counted as
 * skipped, the way ClamAV 1.5 (level 230) would skip it. Databases ship a
 * signature twice when a fix changed its meaning, once for old engines
 * (MAXFL) and once for new ones (MINFL); loading both would double-detect. */
#define VGI_SIG_FLEVEL 230u

/* ---- lines ---- */

typedef struct vgi_sigline {
    const char *p, *end; /* what is left of the file */
    const char *nul;     /* first NUL byte of the file, or NULL */
    const char *src;
    unsigned lineno; /* of the current line, 1-based */
    const char *s;   /* current line, without its end of line */
    size_t len;
} vgi_sigline;

static inline void vgi_sigline_init(vgi_sigline *it, const char *src, const char *buf, size_t len)
{
    it->p = buf;
    it->end = buf ? buf + len : buf;
    /* One memchr over the whole file instead of one per line. */
    it->nul = len ? memchr(buf, '\0', len) : NULL;
    it->src = src;
    it->lineno = 0;
    it->s = NULL;
    it->len = 0;
}

/* Moves to the next line worth parsing: VG_OK with it->s set, VG_OK with
 * it->s == NULL at the end of the file, or VG_ERR_MALFORMED (diag set). */
static inline vg_error vgi_sigline_next(vgi_sigline *it, vg_diag *diag)
{
    while (it->p < it->end) {
        const char *s = it->p;
        const char *nl = memchr(s, '\n', (size_t)(it->end - s));
        const char *e = nl ? nl : it->end;
        it->p = nl ? nl + 1 : it->end;
        it->lineno++;
        if (it->nul != NULL && it->nul < e)
            return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno,
                                (unsigned)(it->nul - s) + 1, "NUL byte in a text line");
        if (e > s && e[-1] == '\r')
            e--;
        size_t n = (size_t)(e - s);
        if (n > VGI_SIG_MAX_LINE)
            return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, VGI_SIG_MAX_LINE + 1,
                                "line longer than %u bytes", (unsigned)VGI_SIG_MAX_LINE);
        size_t i = 0;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n || s[0] == '#')
            continue;
        it->s = s;
        it->len = n;
        return VG_OK;
    }
    it->s = NULL;
    it->len = 0;
    return VG_OK;
}

/* ---- fields ---- */

typedef struct vgi_sigfield {
    const char *p;
    size_t len;
    unsigned col; /* 1-based column of p in the line */
} vgi_sigfield;

/* Cuts line s[0..n) at ':' into at most max fields and returns how many
 * there are; max + 1 means there were more, and f[max] then starts at the
 * first one too many (f must hold max + 1). */
static inline size_t vgi_sig_split(const char *s, size_t n, vgi_sigfield *f, size_t max)
{
    size_t k = 0, i = 0;
    for (;;) {
        const char *c = memchr(s + i, ':', n - i);
        size_t e = c ? (size_t)(c - s) : n;
        f[k].p = s + i;
        f[k].len = e - i;
        f[k].col = (unsigned)i + 1;
        k++;
        if (c == NULL)
            return k;
        i = e + 1;
        if (k == max) {
            f[k].p = s + i;
            f[k].len = n - i;
            f[k].col = (unsigned)i + 1;
            return k + 1;
        }
    }
}

/* Parses an unsigned decimal with no sign, space or prefix: 0 on success,
 * -1 when p[0..n) is empty or not all digits, -2 when it exceeds max. */
static inline int vgi_sig_parse_u64(const char *p, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)p[i] - '0';
        if (d > 9)
            return -1;
        if (v > max / 10 || d > max - v * 10)
            return -2;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Checks a signature name field: VG_OK, or VG_ERR_MALFORMED with diag set. */
static inline vg_error vgi_sig_check_name(const vgi_sigfield *f, const vgi_sigline *it,
                                          vg_diag *diag)
{
    if (f->len == 0)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, f->col,
                            "empty signature name");
    if (f->len > VGI_SIG_MAX_NAME)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, f->col,
                            "signature name longer than %u bytes", (unsigned)VGI_SIG_MAX_NAME);
    return VG_OK;
}

/* Checks the optional MINFL and MAXFL fields (n of them, 0..2; an empty
 * field means "not given", as ClamAV reads it). On VG_OK, *skip is NULL when
 * the signature is for this engine, or the reason to skip it. */
static inline vg_error vgi_sig_check_flevel(const vgi_sigfield *f, size_t n, const vgi_sigline *it,
                                            const char **skip, vg_diag *diag)
{
    static const char *const what[2] = {"minimum", "maximum"};
    uint64_t lv[2] = {0, UINT32_MAX};
    *skip = NULL;
    for (size_t i = 0; i < n; i++) {
        if (f[i].len == 0)
            continue;
        if (vgi_sig_parse_u64(f[i].p, f[i].len, UINT32_MAX, &lv[i]) != 0)
            return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, f[i].col,
                                "%s functionality level is not a decimal number up to %u", what[i],
                                (unsigned)UINT32_MAX);
    }
    if (lv[0] > VGI_SIG_FLEVEL)
        *skip = "signature needs a newer engine (minimum functionality level)";
    else if (lv[1] < VGI_SIG_FLEVEL)
        *skip = "signature is for older engines (maximum functionality level)";
    return VG_OK;
}

/* Reports a failure of the database (out of memory, pool full) at a line. */
static inline vg_error vgi_sig_db_error(vg_error err, const vgi_sigline *it, vg_diag *diag)
{
    return vgi_diag_set(diag, err, it->src, it->lineno, 0, "cannot add signature: %s",
                        vg_strerror(err));
}

#endif
