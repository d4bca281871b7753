/* What a verifier remembers, so that verify.c never does the same work twice.
 *
 * Three memories with three lifetimes. A *plan* per signature (prefix and
 * suffix lengths, the rarest byte of each element to memchr() for) is built
 * at the signature's first hit in an object. The *call memo* holds the
 * (element, position) pairs that an alternative led to and that failed
 * during one vgi_verify() call: in "(61|6161)(61|6161)...62" over a run of
 * 'a's each pair is reached by many paths, and is tried once. The *gap memo*
 * holds, per object, signature and run of gaps, an interval of candidates
 * proven to fail and one proven to succeed, in each direction. Within a call
 * it makes nested gaps, "61{0-6}61{0-6}...62", cost elements x positions
 * (each gap's entries move one way, so its interval only grows). Across
 * calls, for "e8 ?? ?? ?? ?? * 4d5a9ce3" over a file with 100,000 e8 and
 * no 4d5a9ce3, the first hit learns [p+5, size] fails, and the others read
 * that instead of the file.
 *
 * The two memos are open-addressing tables whose slots carry a generation
 * number: forgetting everything is one increment, so a verifier costs
 * nothing to reset between small objects. Both are capped; a full table
 * just stops remembering, which is slower but still exact, and the step
 * budget bounds it. */
#include <string.h>

#include "../core/mem.h"
#include "verify_int.h"

#define CALL_MEMO_MAX  ((size_t)1 << 16) /* 1 MiB: lookups stay in cache */
#define GAP_MEMO_MAX   ((size_t)1 << 18)
#define PLAN_CACHE_MAX ((size_t)1 << 24)

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* ---- plans ---- */

static void el_width(const vgi_body_sig *s, uint32_t i, uint64_t *mn, uint64_t *mx)
{
    const vgi_el *e = &s->el[i];
    *mn = *mx = 0;
    switch (e->kind) {
    case VGI_EL_BYTES:
        *mn = *mx = e->len;
        break;
    case VGI_EL_ALT:
        *mn = e->neg ? e->max : e->min;
        *mx = e->max;
        break;
    case VGI_EL_GAP:
        *mn = e->min;
        *mx = e->max == VGI_GAP_INF ? INF64 : e->max;
        break;
    case VGI_EL_BOUND:
        if (!edge_bound(s, i)) {
            *mn = 1;
            *mx = e->bound == 'L' ? 2 : 1;
        }
        break;
    default:
        break;
    }
}

static vgi_verify_plan *plan_build(const vgi_body_sig *s)
{
    size_t n = s->n_el;
    vgi_verify_plan *p =
        vg_malloc(sizeof *p + 3 * (n + 1) * sizeof(uint64_t) + (n + 1) * sizeof(int32_t));
    if (p == NULL)
        return NULL;
    p->sig = s;
    p->pre_min = (uint64_t *)(p + 1);
    p->pre_max = p->pre_min + n + 1;
    p->suf_min = p->pre_max + n + 1;
    p->probe = (int32_t *)(p->suf_min + n + 1);
    p->pre_min[0] = p->pre_max[0] = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t mn, mx;
        el_width(s, (uint32_t)i, &mn, &mx);
        p->pre_min[i + 1] = sat_add(p->pre_min[i], mn);
        p->pre_max[i + 1] = sat_add(p->pre_max[i], mx);
    }
    p->suf_min[n] = 0;
    for (size_t i = n; i-- > 0;) {
        uint64_t mn, mx;
        el_width(s, (uint32_t)i, &mn, &mx);
        p->suf_min[i] = sat_add(p->suf_min[i + 1], mn);
    }
    for (size_t i = 0; i < n; i++) {
        const vgi_el *e = &s->el[i];
        unsigned best = 0;
        p->probe[i] = -1;
        for (uint32_t k = 0; e->kind == VGI_EL_BYTES && k < e->len; k++) {
            if (s->mask[e->off + k] != 0xff)
                continue;
            unsigned c = vgi_bytefreq_cost(-1, s->val[e->off + k]);
            if (p->probe[i] < 0 || c > best) {
                p->probe[i] = (int32_t)k;
                best = c;
            }
        }
    }
    return p;
}

const vgi_verify_plan *vgi_verify_plan_get(vgi_verifier *v, const vgi_body_sig *s, uint32_t sig_id)
{
    vgi_verify_plan **slot = &v->scratch;
    if (sig_id < PLAN_CACHE_MAX) {
        if (sig_id >= v->plans_cap) {
            size_t cap = v->plans_cap ? v->plans_cap : 256;
            while (cap <= sig_id)
                cap *= 2;
            vgi_verify_plan **np = vg_realloc(v->plans, cap * sizeof *np);
            if (np == NULL)
                return NULL;
            memset(np + v->plans_cap, 0, (cap - v->plans_cap) * sizeof *np);
            v->plans = np;
            v->plans_cap = cap;
        }
        slot = &v->plans[sig_id];
    }
    if (*slot != NULL && (*slot)->sig == s && (*slot)->gen == v->obj_gen)
        return *slot;
    vg_free(*slot);
    *slot = plan_build(s);
    if (*slot != NULL)
        (*slot)->gen = v->obj_gen;
    return *slot;
}

/* ---- memo of failed (element, position) pairs within one call ---- */

int vgi_verify_call_failed(const vgi_verifier *v, uint32_t key, uint64_t pos)
{
    if (v->calls_cap == 0)
        return 0;
    size_t m = v->calls_cap - 1;
    for (size_t h = mix64(pos * 2654435761u + key) & m;; h = (h + 1) & m) {
        const vgi_call_slot *c = &v->calls[h];
        if (c->gen != v->call_gen)
            return 0;
        if (c->pos == pos && c->key == key)
            return 1;
    }
}

static void call_insert(vgi_call_slot *t, size_t cap, uint32_t gen, uint32_t key, uint64_t pos)
{
    size_t m = cap - 1;
    size_t h = mix64(pos * 2654435761u + key) & m;
    while (t[h].gen == gen)
        h = (h + 1) & m;
    t[h] = (vgi_call_slot){pos, key, gen};
}

void vgi_verify_call_fail(vgi_verifier *v, uint32_t key, uint64_t pos)
{
    if ((v->calls_n + 1) * 2 > v->calls_cap) {
        size_t cap = v->calls_cap ? v->calls_cap * 2 : 1024;
        if (cap > CALL_MEMO_MAX)
            return; /* full: still correct, only slower, and the budget bounds it */
        vgi_call_slot *t = vg_calloc(cap, sizeof *t);
        if (t == NULL)
            return;
        for (size_t i = 0; i < v->calls_cap; i++)
            if (v->calls[i].gen == v->call_gen)
                call_insert(t, cap, v->call_gen, v->calls[i].key, v->calls[i].pos);
        vg_free(v->calls);
        v->calls = t;
        v->calls_cap = cap;
    }
    call_insert(v->calls, v->calls_cap, v->call_gen, key, pos);
    v->calls_n++;
}

void vgi_verify_call_begin(vgi_verifier *v)
{
    v->calls_n = 0;
    if (++v->call_gen == 0) { /* wrapped: old slots would look current */
        if (v->calls != NULL)
            memset(v->calls, 0, v->calls_cap * sizeof *v->calls);
        v->call_gen = 1;
    }
}

/* ---- per-object memo of gap searches ---- */

static size_t gap_find(const vgi_verifier *v, uint32_t sig_id, uint32_t el)
{
    size_t m = v->gaps_cap - 1;
    size_t h = mix64(((uint64_t)sig_id << 32) | el) & m;
    while (v->gaps[h].gen == v->obj_gen && (v->gaps[h].sig_id != sig_id || v->gaps[h].el != el))
        h = (h + 1) & m;
    return h;
}

int vgi_verify_gap_load(const vgi_verifier *v, uint32_t el, vgi_gap_memo *out)
{
    if (v->gaps_cap == 0)
        return 0;
    const vgi_gap_memo *g = &v->gaps[gap_find(v, v->sig_id, el)];
    if (g->gen != v->obj_gen)
        return 0;
    *out = *g;
    return 1;
}

/* The record for el, created if need be; NULL when the table is full. The
 * pointer is valid until the next gap_slot() call. */
static vgi_gap_memo *gap_slot(vgi_verifier *v, uint32_t el)
{
    if ((v->gaps_n + 1) * 2 > v->gaps_cap) {
        size_t cap = v->gaps_cap ? v->gaps_cap * 2 : 64;
        if (cap <= GAP_MEMO_MAX) {
            vgi_gap_memo *t = vg_calloc(cap, sizeof *t), *old = v->gaps;
            size_t old_cap = v->gaps_cap;
            if (t != NULL) {
                v->gaps = t;
                v->gaps_cap = cap;
                for (size_t i = 0; i < old_cap; i++)
                    if (old[i].gen == v->obj_gen)
                        v->gaps[gap_find(v, old[i].sig_id, old[i].el)] = old[i];
                vg_free(old);
            }
        }
        if ((v->gaps_n + 1) * 4 > v->gaps_cap * 3)
            return NULL; /* full: still correct, only slower */
    }
    vgi_gap_memo *g = &v->gaps[gap_find(v, v->sig_id, el)];
    if (g->gen != v->obj_gen) {
        memset(g, 0, sizeof *g);
        g->sig_id = v->sig_id;
        g->el = el;
        g->gen = v->obj_gen;
        v->gaps_n++;
    }
    return g;
}

/* Adds [lo, hi] to a proven-failing interval. Two disjoint intervals can't
 * be kept in one; the one reaching further right wins, as hits come in
 * increasing order. */
static void merge_fail(uint32_t *flags, uint32_t bit, uint64_t *a, uint64_t *b, uint64_t lo,
                       uint64_t hi)
{
    if (!(*flags & bit)) {
        *a = lo;
        *b = hi;
    } else if (lo <= sat_add(*b, 1) && *a <= sat_add(hi, 1)) {
        *a = lo < *a ? lo : *a;
        *b = hi > *b ? hi : *b;
    } else if (hi > *b) {
        *a = lo;
        *b = hi;
    }
    *flags |= bit;
}

void vgi_verify_gap_note_fail(vgi_verifier *v, uint32_t el, int back, uint64_t lo, uint64_t hi)
{
    vgi_gap_memo *g = gap_slot(v, el);
    if (g == NULL)
        return;
    if (back)
        merge_fail(&g->flags, GM_BACK_FAIL, &g->b_lo, &g->b_hi, lo, hi);
    else
        merge_fail(&g->flags, GM_FWD_FAIL, &g->f_lo, &g->f_hi, lo, hi);
}

void vgi_verify_gap_note_ok(vgi_verifier *v, uint32_t el, int back, uint64_t pos, uint64_t start)
{
    vgi_gap_memo *g = gap_slot(v, el);
    if (g == NULL)
        return;
    if (back) {
        g->flags |= GM_BACK_OK;
        g->b_ok = pos;
        g->b_start = start;
    } else {
        g->flags |= GM_FWD_OK;
        g->f_ok = pos;
    }
}

/* ---- lifecycle ---- */

vg_error vgi_verifier_new(vgi_verifier **out)
{
    if (out == NULL)
        return VG_ERR_INVALID_ARG;
    *out = vg_calloc(1, sizeof **out);
    if (*out == NULL)
        return VG_ERR_NOMEM;
    (*out)->max_steps = INF64;
    (*out)->obj_gen = 1;
    return VG_OK;
}

void vgi_verifier_free(vgi_verifier *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->plans_cap; i++)
        vg_free(v->plans[i]);
    vg_free(v->plans);
    vg_free(v->scratch);
    vg_free(v->calls);
    vg_free(v->gaps);
    vg_free(v->back);
    vg_free(v);
}

void vgi_verifier_begin_object(vgi_verifier *v, uint64_t max_steps)
{
    if (v == NULL)
        return;
    v->steps = 0;
    v->max_steps = max_steps == 0 ? INF64 : max_steps;
    v->gaps_n = 0;
    if (++v->obj_gen == 0) { /* wrapped: old slots and plans would look current */
        if (v->gaps != NULL)
            memset(v->gaps, 0, v->gaps_cap * sizeof *v->gaps);
        for (size_t i = 0; i < v->plans_cap; i++) {
            vg_free(v->plans[i]);
            v->plans[i] = NULL;
        }
        vg_free(v->scratch);
        v->scratch = NULL;
        v->obj_gen = 1;
    }
}

uint64_t vgi_verifier_steps(const vgi_verifier *v)
{
    return v == NULL ? 0 : v->steps;
}
