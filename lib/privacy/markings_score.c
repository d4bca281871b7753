/* Marking detector scoring: what the lines add up to. An object is
 * classified when its score reaches 10. Each rule gives points:
 *
 *   banner (US, NATO, UK)    strong line 10, bare level line 6; +6 when the
 *                            same line occurs again (top and bottom, page
 *                            headers): "SECRET" twice = 12, "SECRET" once = 6
 *   portion marks            (S//NF) 7 each, (U//FOUO) 3, bare (S)/(C)/(TS) 4,
 *                            bare (U) 3; nothing at all unless one of them is a
 *                            classified level; bare ones count nothing when the
 *                            text has a lettered list "(A) (B) (D)"
 *   authority lines          a block (2+ labels within 8 lines) 10 (+2 per
 *                            further label); isolated labels 4 each
 *
 * so any one strong piece decides alone, and a weak piece needs another:
 * "CONFIDENTIAL" (6) + "(C) para" (4) = 10; "CONFIDENTIAL" alone = 6. The
 * deciding rule is the first of us-banner, nato, uk, us-portion, us-authority
 * that reaches 10 alone; when only the sum does, the one that gave most.
 *
 * In an executable read through the binary view (strong_only) the weak
 * pieces count nothing: a bare level line, bare portion marks and isolated
 * authority labels are what the strings of any program may hold. */
#include "markings_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define THRESHOLD 10

static unsigned banner_score(const vgi_mark_rules *r, const vgi_mark_banner *b)
{
    if (r->strong_only && !b->strong)
        return 0;
    return (b->strong ? 10u : 6u) + (b->count >= 2 ? 6u : 0u);
}

/* Best banner of a family: its index (-1 none) and score. */
static int best_banner(const vgi_mark_rules *r, int fam, unsigned *score)
{
    int best = -1;
    *score = 0;
    for (unsigned k = 0; k < r->nbanner; k++) {
        if (r->banner[k].family != fam)
            continue;
        unsigned s = banner_score(r, &r->banner[k]);
        if (s > *score) {
            *score = s;
            best = (int)k;
        }
    }
    return best;
}

static int bare_counts(const vgi_mark_rules *r)
{
    return r->n_list == 0 && !r->strong_only;
}

static unsigned portion_score(const vgi_mark_rules *r)
{
    int bare = bare_counts(r);
    if (r->n_cls_ctrl + (bare ? r->n_cls_bare : 0) == 0)
        return 0;
    unsigned s = 7 * r->n_cls_ctrl + 3 * r->n_unc_ctrl;
    if (bare)
        s += 4 * r->n_cls_bare + 3 * r->n_unc_bare;
    return s > 60 ? 60 : s;
}

static unsigned popcount(unsigned v)
{
    unsigned c = 0;
    for (; v; v &= v - 1)
        c++;
    return c;
}

static unsigned auth_score(const vgi_mark_rules *r)
{
    unsigned labels = popcount(r->auth_mask);
    if (r->auth_block)
        return 10 + 2 * (labels > 2 ? labels - 2 : 0);
    return r->strong_only ? 0 : 4 * labels;
}

static int portion_counts(const vgi_mark_rules *r, const vgi_mark_portion *p)
{
    return p->ctrl || bare_counts(r);
}

/* ---- evidence ---- */

typedef struct cand {
    unsigned weight;
    const char *kind;
    const vgi_mark_item *it;
} cand;

static const char *family_kind(int fam)
{
    return fam == VGI_MARK_FAM_NATO ? "nato" : fam == VGI_MARK_FAM_UK ? "uk" : "banner";
}

static void fill_evidence(const vgi_mark_rules *r, unsigned ps, uint64_t base, vg_mark_verdict *out)
{
    cand c[VGI_MARK_BANNERS * 2 + VGI_MARK_PORTIONS + VGI_MARK_AUTHS];
    size_t n = 0;
    for (unsigned k = 0; k < r->nbanner; k++) {
        const vgi_mark_banner *b = &r->banner[k];
        unsigned w = b->strong ? 10 : 6;
        c[n++] = (cand){w, family_kind(b->family), &b->first};
        if (b->count >= 2)
            c[n++] = (cand){w, family_kind(b->family), &b->last};
    }
    for (unsigned k = 0; ps > 0 && k < r->nportion_kept; k++) {
        const vgi_mark_portion *p = &r->portion[k];
        if (!portion_counts(r, p))
            continue;
        unsigned w = p->level ? (p->ctrl ? 7 : 4) : 3;
        c[n++] = (cand){w, "portion", &p->it};
    }
    for (unsigned k = 0; k < r->nauth_kept; k++)
        c[n++] = (cand){r->auth_block ? 5u : 4u, "authority", &r->auth[k]};
    /* strongest first, then in document order (insertion sort: n <= 30) */
    for (size_t i = 1; i < n; i++) {
        cand x = c[i];
        size_t j = i;
        while (j > 0 && (c[j - 1].weight < x.weight ||
                         (c[j - 1].weight == x.weight && c[j - 1].it->off > x.it->off))) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = x;
    }
    for (size_t i = 0; i < n && out->n < VG_MARK_MAX_EVIDENCE; i++) {
        vg_mark_evidence *e = &out->ev[out->n++];
        e->kind = c[i].kind;
        e->offset = base + c[i].it->off;
        e->length = c[i].it->len;
        memcpy(e->text, c[i].it->text, sizeof e->text);
    }
}

/* ---- reason ---- */

static void app(vg_mark_verdict *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void app(vg_mark_verdict *out, const char *fmt, ...)
{
    size_t used = strlen(out->reason);
    if (used + 1 >= sizeof out->reason)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason + used, sizeof out->reason - used, fmt, ap);
    va_end(ap);
}

static void sep(vg_mark_verdict *out)
{
    if (out->reason[0] != '\0' && strcmp(out->reason, "only ") != 0)
        app(out, "; ");
}

static void reason_banner(const vgi_mark_rules *r, int k, uint64_t base, vg_mark_verdict *out)
{
    const vgi_mark_banner *b = &r->banner[k];
    const char *what = b->family == VGI_MARK_FAM_NATO ? "NATO marking"
                       : b->family == VGI_MARK_FAM_UK ? "UK marking"
                                                      : "banner";
    unsigned long long a = (unsigned long long)(base + b->first.off);
    unsigned long long z = (unsigned long long)(base + b->last.off);
    int topbottom = b->count >= 2 && r->top_banner == k && r->last_banner == k;
    sep(out);
    if (b->count == 1 && !b->strong && !out->classified && b->family == VGI_MARK_FAM_US)
        app(out, "a lone \"%s\" line at offset %llu", b->first.text, a);
    else if (b->count == 1 && !b->strong && !out->classified)
        app(out, "a lone %s \"%s\" line at offset %llu", what, b->first.text, a);
    else if (b->count == 1)
        app(out, "%s \"%s\" at offset %llu", what, b->first.text, a);
    else if (b->count == 2)
        app(out, "%s \"%s\" at offset %llu and %llu", what, b->first.text, a, z);
    else
        app(out, "%s \"%s\" %u times, offset %llu to %llu", what, b->first.text, b->count, a, z);
    if (topbottom)
        app(out, " (top and bottom)");
}

static void reason_portions(const vgi_mark_rules *r, unsigned ps, uint64_t base,
                            vg_mark_verdict *out)
{
    unsigned bare = r->n_cls_bare + r->n_unc_bare;
    unsigned counted = r->n_cls_ctrl + r->n_unc_ctrl + (bare_counts(r) ? bare : 0);
    unsigned long long first = 0;
    for (unsigned k = 0; k < r->nportion_kept; k++)
        if (portion_counts(r, &r->portion[k])) {
            first = (unsigned long long)(base + r->portion[k].it.off);
            break;
        }
    if (counted > 0) {
        sep(out);
        app(out, "%u portion mark%s from offset %llu%s", counted, counted == 1 ? "" : "s", first,
            ps == 0 ? ", none classified" : "");
    }
    if (!bare_counts(r) && bare > 0) {
        sep(out);
        app(out,
            "%u bare \"(C)\"/\"(S)\" line starts read as a lettered list (\"(A)\"-style at "
            "offset %llu)",
            bare, (unsigned long long)(base + r->list_off));
    }
}

static const char *const auth_names[VGI_MARK_AUTH_KINDS] = {"Classified By", "Derived From",
                                                            "Declassify On", "Reason 1.4"};

static void reason_auth(const vgi_mark_rules *r, uint64_t base, vg_mark_verdict *out)
{
    if (r->auth_mask == 0)
        return;
    sep(out);
    if (r->auth_block)
        app(out, "authority block at offset %llu (",
            (unsigned long long)(base + r->auth_block_off));
    else
        app(out, "authority line%s at offset %llu (", popcount(r->auth_mask) > 1 ? "s" : "",
            (unsigned long long)(base + (r->nauth_kept ? r->auth[0].off : 0)));
    const char *comma = "";
    for (int k = 0; k < VGI_MARK_AUTH_KINDS; k++)
        if (r->auth_mask & (1u << k)) {
            app(out, "%s%s", comma, auth_names[k]);
            comma = ", ";
        }
    app(out, ")");
}

void vgi_mark_verdict_fill(const vgi_mark_rules *r, uint64_t base, vg_mark_verdict *out)
{
    unsigned us, nato, uk;
    int bu = best_banner(r, VGI_MARK_FAM_US, &us);
    int bn = best_banner(r, VGI_MARK_FAM_NATO, &nato);
    int bk = best_banner(r, VGI_MARK_FAM_UK, &uk);
    unsigned ps = portion_score(r), as = auth_score(r);
    out->score = us + nato + uk + ps + as;
    out->classified = out->score >= THRESHOLD;

    /* The deciding rule: the first, in order of how specific its evidence
     * is, that reaches the threshold alone; if only the sum does, the one
     * that gave the most. */
    static const char *const names[] = {"us-banner", "nato", "uk", "us-portion", "us-authority"};
    unsigned sc[] = {us, nato, uk, ps, as}, top = 0;
    out->rule = NULL;
    for (int k = 0; k < 5 && out->rule == NULL; k++)
        if (sc[k] >= THRESHOLD)
            out->rule = names[k];
    for (int k = 0; k < 5 && out->rule == NULL && out->classified; k++)
        if (sc[k] > sc[top])
            top = (unsigned)k;
    if (out->rule == NULL && out->classified)
        out->rule = names[top];
    if (!out->classified)
        out->rule = NULL;

    fill_evidence(r, ps, base, out);

    out->reason[0] = '\0';
    if (out->score == 0 && r->n_cls_bare + r->n_unc_bare + r->n_unc_ctrl == 0)
        return;
    if (!out->classified)
        app(out, "only ");
    if (bu >= 0)
        reason_banner(r, bu, base, out);
    if (bn >= 0)
        reason_banner(r, bn, base, out);
    if (bk >= 0)
        reason_banner(r, bk, base, out);
    reason_portions(r, ps, base, out);
    reason_auth(r, base, out);
    if (!out->classified)
        app(out, ": not enough");
}
