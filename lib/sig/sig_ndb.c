/* Extended body signatures (.ndb).
 *
 *     Eicar.Part:0:*:58354f2150254041505b345c505a58353428505e2937434329377d
 *     Html.Bad:3:0,1024:3c736372697074(B){-20}6576616c28
 *     Tail.Mark:0:EOF-16,8:deadbeef??cafe
 *     Pe.Stub:1:EP+0:e8000000005d
 *
 * Each line is NAME:TARGET:OFFSET:HEXSIG[:MINFL[:MAXFL]]. TARGET is
 * ClamAV's file type number (0 any .. 13). OFFSET says where a match may
 * start: '*' anywhere, "n" at n, "EOF-n" n bytes before the end, and
 * ",m" after either lets it float up to m bytes later (off_kind, off and
 * off_range of vgi_body_sig). HEXSIG goes to vgi_hex_parse(), whose columns
 * are shifted to the line's so a diagnostic points into the file.
 *
 * Offsets relative to an executable's layout (EP+n, EP-n, Sx+n, SEx, SL+n,
 * VI) and $n$ macros are well-formed, but nothing parses executables yet:
 * such a line is checked in full, then counted as skipped rather than
 * failing the database. A line whose MINFL/MAXFL exclude this engine is
 * skipped before its hex is read, because newer syntax is exactly why
 * signatures carry a minimum level. */
#include "../core/mem.h"
#include "sig_formats.h"

#define MAX_TARGET 13

static vg_error malformed(const vgi_sigline *it, unsigned col, vg_diag *diag, const char *msg)
{
    return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, col, "%s", msg);
}

/* Length of the run of decimal digits at p[0..n). */
static size_t digits(const char *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k] >= '0' && p[k] <= '9')
        k++;
    return k;
}

static int starts(const char *p, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(p, lit, k) == 0;
}

typedef struct offset_spec {
    uint8_t kind;
    uint64_t off, range;
    const char *skip; /* non-NULL: well-formed but unusable yet */
} offset_spec;

static const char offset_forms[] =
    "offset must be *, n, EOF-n, EP+n, EP-n, Sx+n, SEx, SL+n, VI or $n$, optionally with ,maxshift";

/* Parses a decimal s[a..b) of a field into *v (column col + a). */
static vg_error number(const vgi_sigfield *f, size_t a, size_t b, uint64_t *v,
                       const vgi_sigline *it, vg_diag *diag)
{
    int r = vgi_sig_parse_u64(f->p + a, b - a, UINT64_MAX, v);
    if (r == -2)
        return malformed(it, f->col + (unsigned)a, diag, "offset number is too large");
    if (r == -1)
        return malformed(it, f->col + (unsigned)a, diag, offset_forms);
    return VG_OK;
}

static vg_error parse_offset(const vgi_sigfield *f, const vgi_sigline *it, offset_spec *o,
                             vg_diag *diag)
{
    const char *p = f->p;
    const char *comma = memchr(p, ',', f->len);
    size_t n = comma ? (size_t)(comma - p) : f->len; /* the base, before ",maxshift" */
    vg_error err = VG_OK;
    *o = (offset_spec){0};

    if (comma != NULL) {
        if (n == 1 && p[0] == '*')
            return malformed(it, f->col + 1, diag, "offset '*' cannot have a maxshift");
        if ((err = number(f, n + 1, f->len, &o->range, it, diag)) != VG_OK)
            return err;
    }

    if (n == 1 && p[0] == '*') {
        o->kind = VGI_OFF_ANY;
    } else if (n > 0 && digits(p, n) == n) {
        o->kind = VGI_OFF_ABS;
        err = number(f, 0, n, &o->off, it, diag);
    } else if (starts(p, n, "EOF-")) {
        o->kind = VGI_OFF_EOF;
        err = number(f, 4, n, &o->off, it, diag);
    } else if (starts(p, n, "EP+") || starts(p, n, "EP-") || starts(p, n, "SL+")) {
        o->skip = "EP/section offsets need the PE parser";
        err = number(f, 3, n, &o->off, it, diag);
    } else if (starts(p, n, "SE")) {
        o->skip = "EP/section offsets need the PE parser";
        err = number(f, 2, n, &o->off, it, diag);
    } else if (n > 1 && p[0] == 'S' && digits(p + 1, n - 1) > 0) {
        /* Sx+n: section x, n bytes in */
        size_t x = 1 + digits(p + 1, n - 1);
        o->skip = "EP/section offsets need the PE parser";
        if (x >= n || p[x] != '+')
            return malformed(it, f->col + (unsigned)x, diag, "section offset must be Sx+n");
        err = number(f, x + 1, n, &o->off, it, diag);
    } else if (n == 2 && p[0] == 'V' && p[1] == 'I') {
        o->skip = "VI offsets need the PE parser";
    } else if (n > 2 && p[0] == '$' && p[n - 1] == '$') {
        o->skip = "macro offsets need logical signatures";
        err = number(f, 1, n - 1, &o->off, it, diag);
    } else {
        return malformed(it, f->col, diag, offset_forms);
    }
    if (err == VG_OK && o->range > UINT64_MAX - o->off)
        return malformed(it, f->col, diag, "offset plus maxshift is too large");
    return err;
}

static vg_error parse_line(vgi_sigdb *db, const vgi_sigline *it, vg_diag *diag)
{
    vgi_sigfield f[7];
    size_t n = vgi_sig_split(it->s, it->len, f, 6);
    vg_error err;
    if (n < 4)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, (unsigned)it->len + 1,
                            "expected NAME:TARGET:OFFSET:HEXSIG, found %zu field%s", n,
                            n == 1 ? "" : "s");
    if (n > 6)
        return malformed(it, f[6].col, diag,
                         "too many fields: expected NAME:TARGET:OFFSET:HEXSIG[:MINFL[:MAXFL]]");

    const char *skip;
    if ((err = vgi_sig_check_flevel(&f[4], n - 4, it, &skip, diag)) != VG_OK)
        return err;
    if (skip != NULL) {
        vgi_sigdb_note_skipped(db, it->src, it->lineno, skip);
        return VG_OK;
    }

    if ((err = vgi_sig_check_name(&f[0], it, diag)) != VG_OK)
        return err;

    uint64_t target;
    if (vgi_sig_parse_u64(f[1].p, f[1].len, MAX_TARGET, &target) != 0)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, it->src, it->lineno, f[1].col,
                            "target type must be a number from 0 to %d", MAX_TARGET);

    offset_spec off;
    if ((err = parse_offset(&f[2], it, &off, diag)) != VG_OK)
        return err;

    vgi_body_sig *sig;
    vg_diag hd;
    vg_diag_clear(&hd);
    if ((err = vgi_hex_parse(f[3].p, f[3].len, &sig, &hd)) != VG_OK) {
        if (err != VG_ERR_MALFORMED)
            return vgi_sig_db_error(err, it, diag);
        return vgi_diag_set(diag, err, it->src, it->lineno, f[3].col + hd.col - 1, "%s",
                            hd.message);
    }

    if (off.skip != NULL) {
        vg_free(sig);
        vgi_sigdb_note_skipped(db, it->src, it->lineno, off.skip);
        return VG_OK;
    }

    sig->target = (uint16_t)target;
    sig->off_kind = off.kind;
    sig->off = off.off;
    sig->off_range = off.range;
    if ((err = vgi_sigdb_add_name(db, f[0].p, f[0].len, &sig->name)) != VG_OK) {
        vg_free(sig);
        return vgi_sig_db_error(err, it, diag);
    }
    if ((err = vgi_sigdb_add_body(db, sig)) != VG_OK)
        return vgi_sig_db_error(err, it, diag);
    return VG_OK;
}

vg_error vgi_sig_parse_ndb(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag)
{
    vgi_sigline it;
    vg_error err;
    vgi_sigline_init(&it, src, buf, len);
    while ((err = vgi_sigline_next(&it, diag)) == VG_OK && it.s != NULL)
        if ((err = parse_line(db, &it, diag)) != VG_OK)
            break;
    return err;
}
