/* The client's second opinion on a bundle's upload triggers.
 *
 *     manifest: "upload_triggers": ["Win.Trojan.A", "Doc.Grab"]
 *     daily.ndb:2  Doc.Grab:0:*:544f50205345435245542f2f   lint: marking-text
 *       -> fn(Doc.Grab, refused), *n_refused = 1
 *
 * sigtool lints when it builds, but the client does not have to trust the
 * vendor's sigtool: a bundle is signed data from the party the lint is
 * meant to restrain. So the same rules run again here, over the files the
 * client is about to install, and any trigger they refuse is reported for
 * the caller to demote or refuse. Hash signatures listed as triggers pass:
 * a hash cannot be inspected, and listing it is the vendor's public,
 * logged decision (--hash-triggers). */
#include "../core/diag_int.h"
#include "bundle_int.h"

typedef struct check_state {
    const vg_bundle *b;
    vg_lint_fn fn;
    void *ud;
    size_t n;
} check_state;

static int on_item(const vg_lint_item *it, void *ud)
{
    check_state *st = ud;
    if (!it->refused || !vg_bundle_may_upload(st->b, it->name))
        return 0;
    st->n++;
    return st->fn != NULL ? st->fn(it, st->ud) : 0;
}

vg_error vg_bundle_lint_check(const vg_bundle *b, vg_lint_fn fn, void *ud, size_t *n_refused,
                              vg_diag *diag)
{
    if (b == NULL || n_refused == NULL)
        return VG_ERR_INVALID_ARG;
    *n_refused = 0;
    check_state st = {b, fn, ud, 0};
    for (size_t i = 0; i < b->n_files; i++) {
        const vgi_bundle_entry *e = &b->files[i];
        vg_error err =
            vg_lint_mem(e->name, b->bytes + e->off, (size_t)e->size, NULL, on_item, &st, diag);
        if (err != VG_OK) {
            *n_refused = st.n;
            return err;
        }
    }
    *n_refused = st.n;
    return VG_OK;
}
