/* P5 in the submit step: which detections may lead to anything leaving
 * the machine. Only signatures listed as upload triggers in a bundle that
 * `vigil update` verified (vendor signature, transparency log) and
 * installed; every other signature only detects.
 *
 *     -d ~/.local/share/vigil/db/current     a bundle dir: manifest.json +
 *                                            bundle.vgb; its triggers count
 *                                            if bundle.vgb's SHA-256 is the
 *                                            one update-state.json records
 *     -d my.ndb, builtin EICAR, a plain dir  never triggers
 *     --unsigned-triggers                    every signature triggers
 *                                            (development and tests; warns)
 *
 * A detection by anything else is "NOT SENT: signature X may only detect
 * (P5)", with a "blocked" ledger entry: not even its hash is looked up.
 *
 * The client also runs its own copy of the lint (vg_bundle_lint_check)
 * over the bundle's files: a name the vendor lists as a trigger but whose
 * rule matches markings or targets documents here only detects. The
 * vendor's sigtool is the first layer; this one does not depend on it.
 *
 * Why the state file and not the key: `vigil update` checked the signature
 * and the log's inclusion proof before it wrote that digest, and the state
 * lives in the owner's data directory (0700). Re-reading bundle.vgb checks
 * every file digest against its manifest, so the trigger list is the one
 * that was verified. What this cannot see is which loaded file a detection
 * came from, only its name: a plain file that reuses a trigger's name would
 * borrow its permission. Plain files are the owner's own signatures; P5 is
 * about what a vendor can make a client upload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <vigil/bundle.h>
#include <vigil/lint.h>
#include <vigil/tlog.h>

#include "submit_int.h"
#include "update_int.h"

struct p5_policy {
    vg_bundle **bundles; /* verified and installed by vigil update */
    size_t n;
    bool unsigned_triggers;
    char **refused; /* triggers the client's lint refuses, sorted */
    size_t n_refused, cap_refused;
    char first_refused[400];
};

/* Called for each upload trigger the client's lint refuses. */
static int on_lint(const vg_lint_item *it, void *ud)
{
    p5_policy *p = ud;
    if (it->name == NULL)
        return 0;
    if (p->n_refused == p->cap_refused) {
        size_t nc = p->cap_refused ? p->cap_refused * 2 : 16;
        char **nr = realloc(p->refused, nc * sizeof *nr);
        if (nr == NULL)
            return 1;
        p->refused = nr;
        p->cap_refused = nc;
    }
    if ((p->refused[p->n_refused] = strdup(it->name)) == NULL)
        return 1;
    p->n_refused++;
    if (p->first_refused[0] == '\0')
        snprintf(p->first_refused, sizeof p->first_refused, "%s (%s:%u: %s)", it->name, it->source,
                 it->line, it->why);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The client's own lint over every file of b (vg_bundle_lint_check):
 * the triggers it refuses go into p->refused. -1 when it could not run. */
static int lint_bundle(p5_policy *p, const vg_bundle *b)
{
    size_t demoted = 0;
    vg_diag d;
    vg_diag_clear(&d);
    p->first_refused[0] = '\0';
    if (vg_bundle_lint_check(b, on_lint, p, &demoted, &d) != VG_OK)
        return -1;
    if (demoted > 0)
        fprintf(stderr,
                "vigil: warning: this client's lint refuses %zu of the bundle's upload "
                "triggers; they only detect (P5); first: %s\n",
                demoted, p->first_refused);
    return 0;
}

static bool is_bundle_dir(const char *path)
{
    char p[4200];
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    snprintf(p, sizeof p, "%s/manifest.json", path);
    return stat(p, &st) == 0;
}

/* The bundle in dir, if it is the one vigil update installed; else NULL
 * after saying why its signatures only detect. */
static vg_bundle *open_installed(const char *dir, const update_state *st)
{
    char p[4200], err[512] = "", hex[65];
    snprintf(p, sizeof p, "%s/bundle.vgb", dir);
    vg_bundle *b = NULL;
    if (vg_bundle_open_file(p, &b, err, sizeof err) != VG_OK) {
        fprintf(stderr, "vigil: warning: %s: %s; its signatures only detect (P5)\n", p, err);
        return NULL;
    }
    uint8_t d[32];
    vg_bundle_digest(b, d);
    vg_tlog_hex(d, 32, hex);
    if (!st->present || strcmp(hex, st->bundle_sha) != 0) {
        fprintf(stderr,
                "vigil: warning: %s is not the bundle vigil update verified and installed; "
                "its signatures only detect (P5)\n",
                dir);
        vg_bundle_free(b);
        return NULL;
    }
    return b;
}

int p5_load(submit_ctx *s, const char *const *dbs, size_t n, bool unsigned_triggers)
{
    p5_policy *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -1;
    s->p5 = p;
    p->unsigned_triggers = unsigned_triggers;
    if (unsigned_triggers) {
        fputs("vigil: warning: --unsigned-triggers: every loaded signature may trigger a "
              "submission, signed or not (P5 is off; for development and tests only)\n",
              stderr);
        return 0;
    }
    const char *env = getenv("VIGIL_DB_DIR");
    const char *one[1] = {env};
    if (n == 0 && env != NULL && env[0] != '\0') { /* as engine_setup.c loads it */
        dbs = one;
        n = 1;
    }
    update_state st;
    bool have_state = false;
    for (size_t i = 0; i < n; i++) {
        if (!is_bundle_dir(dbs[i]))
            continue;
        if (!have_state) {
            char why[1024];
            if (state_load(s->data_dir, &st, why, sizeof why) != 0) {
                fprintf(stderr, "vigil: warning: %s; no signature may trigger a submission\n", why);
                return 0;
            }
            have_state = true;
        }
        vg_bundle *b = open_installed(dbs[i], &st);
        if (b == NULL)
            continue;
        if (lint_bundle(p, b) != 0) {
            fprintf(stderr,
                    "vigil: warning: %s: this client's lint cannot read the bundle; its "
                    "signatures only detect (P5)\n",
                    dbs[i]);
            vg_bundle_free(b);
            continue;
        }
        vg_bundle **nb = realloc(p->bundles, (p->n + 1) * sizeof *nb);
        if (nb == NULL) {
            vg_bundle_free(b);
            return -1;
        }
        p->bundles = nb;
        p->bundles[p->n++] = b;
    }
    if (p->n_refused > 1)
        qsort(p->refused, p->n_refused, sizeof *p->refused, cmp_str);
    return 0;
}

void p5_free(p5_policy *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        vg_bundle_free(p->bundles[i]);
    for (size_t i = 0; i < p->n_refused; i++)
        free(p->refused[i]);
    free(p->refused);
    free(p->bundles);
    free(p);
}

bool p5_may_trigger(const submit_ctx *s, const char *signame)
{
    const p5_policy *p = s->p5;
    if (p == NULL)
        return false;
    if (p->unsigned_triggers)
        return true;
    if (p->n_refused > 0 &&
        bsearch(&signame, p->refused, p->n_refused, sizeof *p->refused, cmp_str) != NULL)
        return false;
    for (size_t i = 0; i < p->n; i++)
        if (vg_bundle_may_upload(p->bundles[i], signame))
            return true;
    return false;
}
