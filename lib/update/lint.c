/* Signature lint: walking a signature file one signature at a time.
 *
 *     daily.ndb:12   Win.Trojan.A:1:*:4d5a9000...      body, PE     -> trigger
 *     daily.ndb:13   Doc.Grab:0:*:544f50205345435245542f2f  "TOP SECRET//" -> refused
 *     daily.hdb:3    44d8...:68:Eicar                  hash         -> detect-only
 *
 * Each line is validated by the engine's own parser for its format (the
 * same code `vigil scan -d` loads it with), so a file lint accepts is a
 * file the engine loads, and an error names file:line:col the same way.
 * The parser is given one line at a time against a scratch database that
 * is rolled back after each line, which keeps memory flat over a
 * million-line hash file and tells lint which line each signature came
 * from. The fields lint needs (name, target, hex) are then cut from the
 * validated line; body signatures are parsed into the IR once more so the
 * rules (lint_rules.c) read elements, not text. */
#include <string.h>

#include "../core/diag_int.h"
#include "../core/mem.h"
#include "../sig/sig_formats.h"
#include "lint_int.h"

int vg_lint_known_format(const char *name)
{
    return vgi_sigfmt_for_name(name) != NULL;
}

static vg_lint_kind kind_of(const vgi_sigfmt *f)
{
    if (strcmp(f->name, "ndb") == 0)
        return VG_LINT_BODY;
    if (strcmp(f->name, "hdb") == 0 || strcmp(f->name, "hsb") == 0)
        return VG_LINT_HASH;
    if (strcmp(f->name, "fp") == 0 || strcmp(f->name, "sfp") == 0)
        return VG_LINT_ALLOW;
    return VG_LINT_IGNORE;
}

static vg_error judge(const vgi_sigfmt *f, vg_lint_kind kind, const vgi_sigline *it,
                      const vg_lint_opts *o, vg_lint_item *item, char *name)
{
    vgi_sigfield fl[7];
    size_t nf = vgi_sig_split(it->s, it->len, fl, 6);
    const vgi_sigfield *nm = &fl[0];
    if (kind == VG_LINT_HASH || kind == VG_LINT_ALLOW || strcmp(f->name, "ign") == 0)
        nm = &fl[2]; /* HASH:SIZE:NAME, DB:LINE:NAME; the parser made sure it exists */
    size_t nlen = nm->len < VGI_SIG_MAX_NAME ? nm->len : VGI_SIG_MAX_NAME;
    memcpy(name, nm->p, nlen);
    name[nlen] = '\0';
    item->name = name;
    item->trigger = 0;
    item->refused = 0;
    item->rule = NULL;
    item->why[0] = '\0';
    switch (kind) {
    case VG_LINT_HASH:
        if (o->hash_triggers) {
            item->trigger = 1;
        } else {
            item->rule = "hash-detect-only";
            strcpy(item->why, "a hash cannot be inspected: detect-only unless built with "
                              "--hash-triggers");
        }
        return VG_OK;
    case VG_LINT_BODY: {
        uint64_t target = 0;
        vgi_body_sig *sig = NULL;
        if (nf < 4)
            return VG_ERR_MALFORMED; /* the parser accepted it: cannot happen */
        (void)vgi_sig_parse_u64(fl[1].p, fl[1].len, 255, &target);
        vg_error err = vgi_hex_parse(fl[3].p, fl[3].len, &sig, NULL);
        if (err != VG_OK)
            return err == VG_ERR_NOMEM ? err : VG_ERR_MALFORMED;
        err = vgi_lint_body(sig, (unsigned)target, item);
        vg_free(sig);
        return err;
    }
    default:
        return VG_OK; /* allow-lists and disabled names never trigger */
    }
}

vg_error vg_lint_mem(const char *source, const void *buf, size_t len, const vg_lint_opts *opts,
                     vg_lint_fn fn, void *ud, vg_diag *diag)
{
    static const vg_lint_opts defaults = {0};
    const vgi_sigfmt *f = vgi_sigfmt_for_name(source);
    if (f == NULL)
        return vgi_diag_set(diag, VG_ERR_UNSUPPORTED, source, 0, 0,
                            "not a signature file (extension is none of .hdb .hsb .ndb .fp .sfp "
                            ".ign2 .ign)");
    if (buf == NULL && len > 0)
        return VG_ERR_INVALID_ARG;
    const vg_lint_opts *o = opts ? opts : &defaults;
    vg_lint_kind kind = kind_of(f);
    vgi_sigdb *db = NULL;
    vg_error err = vgi_sigdb_new(&db);
    if (err != VG_OK)
        return vgi_diag_set(diag, err, source, 0, 0, "out of memory");
    vgi_sigdb_mark mark;
    vgi_sigdb_mark_take(db, &mark);
    vgi_sigline it;
    char name[VGI_SIG_MAX_NAME + 1];
    vgi_sigline_init(&it, source, buf, len);
    while ((err = vgi_sigline_next(&it, diag)) == VG_OK && it.s != NULL) {
        vg_diag d;
        vg_diag_clear(&d);
        err = f->parse(db, source, it.s, it.len, &d);
        vgi_sigdb_rollback(db, &mark);
        if (err != VG_OK) {
            /* The parser saw a one-line file: put the line number back. */
            if (diag != NULL) {
                *diag = d;
                diag->line = it.lineno;
            }
            break;
        }
        vg_lint_item item = {
            .source = source, .line = it.lineno, .text = it.s, .text_len = it.len, .kind = kind};
        if ((err = judge(f, kind, &it, o, &item, name)) != VG_OK) {
            vgi_diag_set(diag, err, source, it.lineno, 0, "cannot lint this signature: %s",
                         vg_strerror(err));
            break;
        }
        if (fn != NULL && fn(&item, ud) != 0) {
            err = vgi_diag_set(diag, VG_ERR_ABORTED, source, it.lineno, 0, "stopped");
            break;
        }
    }
    vgi_sigdb_free(db);
    return err;
}
