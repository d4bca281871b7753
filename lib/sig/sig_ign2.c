/* Lists of signature names to disable: .ign2 and the older .ign.
 *
 *     Eicar-Test-Signature
 *     Win.Trojan.Agent-1234:6d5a7b0c...        (.ign2: what follows ':' is ignored)
 *     main.ndb:4711:Win.Trojan.Agent-1234      (.ign: database:line:name)
 *
 * The names go to the database's ignore set; whichever format listed a name,
 * a detection by that name is dropped when the engine is compiled. ClamAV
 * pinned an .ign entry to a database line, which broke at every update, so
 * the line number is checked for form and otherwise not used. */
#include "sig_formats.h"

static vg_error add(vgi_sigdb *db, const vgi_sigfield *name, const vgi_sigline *it, vg_diag *diag)
{
    vg_error err = vgi_sig_check_name(name, it, diag);
    if (err != VG_OK)
        return err;
    err = vgi_sigdb_add_ignore(db, name->p, name->len);
    return err == VG_OK ? VG_OK : vgi_sig_db_error(err, it, diag);
}

vg_error vgi_sig_parse_ign2(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                            vg_diag *diag)
{
    vgi_sigline it;
    vg_error err;
    vgi_sigline_init(&it, src, buf, len);
    while ((err = vgi_sigline_next(&it, diag)) == VG_OK && it.s != NULL) {
        vgi_sigfield f[2];
        vgi_sig_split(it.s, it.len, f, 1);
        if ((err = add(db, &f[0], &it, diag)) != VG_OK)
            break;
    }
    return err;
}

vg_error vgi_sig_parse_ign(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                           vg_diag *diag)
{
    vgi_sigline it;
    vg_error err;
    vgi_sigline_init(&it, src, buf, len);
    while ((err = vgi_sigline_next(&it, diag)) == VG_OK && it.s != NULL) {
        vgi_sigfield f[4];
        uint64_t line;
        size_t n = vgi_sig_split(it.s, it.len, f, 3);
        if (n < 3) {
            err = vgi_diag_set(diag, VG_ERR_MALFORMED, it.src, it.lineno, (unsigned)it.len + 1,
                               "expected DATABASE:LINE:NAME, found %zu field%s", n,
                               n == 1 ? "" : "s");
            break;
        }
        if (vgi_sig_parse_u64(f[1].p, f[1].len, UINT32_MAX, &line) != 0) {
            err = vgi_diag_set(diag, VG_ERR_MALFORMED, it.src, it.lineno, f[1].col,
                               "line number is not a decimal number");
            break;
        }
        if ((err = add(db, &f[2], &it, diag)) != VG_OK)
            break;
    }
    return err;
}
