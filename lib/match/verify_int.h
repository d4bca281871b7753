/* Internals shared by verify.c (the search) and verify_memo.c (what a
 * verifier remembers between steps, calls and objects). */
#ifndef VGI_MATCH_VERIFY_INT_H
#define VGI_MATCH_VERIFY_INT_H

#include "match.h"

#define INF64 UINT64_MAX

/* What verification needs to know about one signature, computed at its
 * first hit in an object. Not kept longer: after an engine reload another
 * signature may live at the same address under the same number. */
typedef struct vgi_verify_plan {
    const vgi_body_sig *sig;
    uint32_t gen;                /* the object it was computed for */
    uint64_t *pre_min, *pre_max; /* [i]: bytes taken by elements [0, i) */
    uint64_t *suf_min;           /* [i]: bytes taken by elements [i, n) at least */
    int32_t *probe;              /* BYTES: index of its rarest exact byte, else -1 */
} vgi_verify_plan;

typedef struct vgi_call_slot {
    uint64_t pos;
    uint32_t key; /* element | direction << 31 */
    uint32_t gen;
} vgi_call_slot;

enum { GM_FWD_FAIL = 1, GM_FWD_OK = 2, GM_BACK_FAIL = 4, GM_BACK_OK = 8 };

/* Per object and signature, for the run of gaps starting at element el:
 * forward, candidates q (where the element after the run would start) in
 * [f_lo, f_hi] fail and f_ok succeeds; backward, candidates p (where the
 * element before the run would end) in [b_lo, b_hi] fail and b_ok succeeds
 * with the match starting at b_start. */
typedef struct vgi_gap_memo {
    uint32_t sig_id, el, gen, flags;
    uint64_t f_lo, f_hi, f_ok;
    uint64_t b_lo, b_hi, b_ok, b_start;
} vgi_gap_memo;

struct vgi_verifier {
    uint64_t steps, max_steps;

    /* the call in progress */
    const vgi_body_sig *sig;
    const vgi_verify_plan *pl;
    uint32_t sig_id;
    vg_fmap *map;
    uint64_t size, w0, w1; /* object size; window for the match start */
    int resident;          /* the whole object is in memory (vg_fmap_data) */

    /* Reads for the backward walk: a file map's window slides forward from
     * each need(), so walking backward through one would refill it at every
     * step; this buffer slides backward instead. */
    uint8_t *back;
    uint64_t back_pos;
    size_t back_len;

    vgi_call_slot *calls;
    size_t calls_cap, calls_n;
    uint32_t call_gen;

    vgi_gap_memo *gaps;
    size_t gaps_cap, gaps_n;
    uint32_t obj_gen;

    vgi_verify_plan **plans;
    size_t plans_cap;
    vgi_verify_plan *scratch; /* for a sig_id too large to cache */
};

static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > INF64 - b ? INF64 : a + b;
}

/* (B) or (L) as the first or last element: a zero-width check beside the
 * match rather than a byte of it. */
static inline int edge_bound(const vgi_body_sig *s, uint32_t i)
{
    return s->el[i].kind == VGI_EL_BOUND && s->n_el > 1 && (i == 0 || i == s->n_el - 1);
}

/* Work done on the current object so far: for tests and statistics. */
uint64_t vgi_verifier_steps(const vgi_verifier *v);

/* The plan of sig for the current object; NULL when out of memory. */
const vgi_verify_plan *vgi_verify_plan_get(vgi_verifier *v, const vgi_body_sig *sig,
                                           uint32_t sig_id);

/* Failed (element | direction << 31, position) pairs of the current call. */
void vgi_verify_call_begin(vgi_verifier *v);
int vgi_verify_call_failed(const vgi_verifier *v, uint32_t key, uint64_t pos);
void vgi_verify_call_fail(vgi_verifier *v, uint32_t key, uint64_t pos);

/* Gap-run memos of the current object and signature (v->sig_id), keyed by
 * the run's first element; back selects the backward fields. */
int vgi_verify_gap_load(const vgi_verifier *v, uint32_t el, vgi_gap_memo *out);
void vgi_verify_gap_note_fail(vgi_verifier *v, uint32_t el, int back, uint64_t lo, uint64_t hi);
void vgi_verify_gap_note_ok(vgi_verifier *v, uint32_t el, int back, uint64_t pos, uint64_t start);

#endif
