/* Exact verification of a body signature at an atom hit.
 *
 * Hyperscan only says "the atom of signature 7 ends here". Take
 *
 *     0:  e8 ?? ?? ?? ??   GAP 0..INF   4d5a 9ce3 (71|72)   GAP 2..4   50 45 (B)
 *         el 0             el 1         el 2                el 3       el 4  el 5
 *
 * with the atom starting at el 2, byte 0, found at object offset pos. The
 * verifier matches el 2 at pos, then walks forward (el 3, 4, 5) and
 * backward (el 1, 0) from it. The two walks are independent: what follows
 * the anchor cannot depend on what precedes it, and the offset spec only
 * constrains where the match starts, so the backward walk checks it. Each
 * walk is a depth-first search over (element, position) that branches at
 * gaps and alternatives. Work is never repeated: the pairs an alternative
 * led to and that failed are remembered for the rest of the call, and each
 * run of gaps remembers the candidate positions it has ruled out (below), so
 * nested {n-m} gaps cost elements x positions, never 2^n.
 *
 * A gap is searched by jumping: for "GAP 2..4  50 45" forward the verifier
 * memchr()s for the rarest exact byte of the element after the gap inside
 * the candidate range, through vg_fmap_need() windows, and only tries the
 * positions it finds.
 *
 * The gap searches are also remembered across calls, per object and per
 * signature: for each run of gaps, an interval of candidate positions proven
 * to fail and one position proven to succeed, in each direction. Hyperscan
 * reports hits in increasing order, so when e8 occurs 100,000 times in a
 * file and "4d5a..." never after it, the first hit scans to the end of the
 * file, proves [p+5, size] hopeless, and every later hit is answered from
 * that interval at once: linear, not quadratic. vgi_verifier_begin_object()
 * forgets it all (by bumping a generation number, so a small object costs
 * nothing to reset).
 *
 * Work is counted in steps (one per element tried at a position, one per
 * 64 bytes compared or scanned); past the object's max_steps the verifier
 * answers VGI_VERIFY_BUDGET, and the scan reports the limit.
 *
 * Semantics are ClamAV's (matcher-ac.c): a nibble or ?? byte matches by
 * mask; !(..) of equal-length alternatives matches that many bytes equal to
 * none of them (of unequal lengths: the longest width, starting with none
 * of them); (B) and (L) as the first or last element are zero-width checks
 * beside the match (B: object edge or a word-boundary byte from ClamAV's
 * table, left and right sets differ; L: object edge, LF before, LF or CRLF
 * after), and in the middle they consume one boundary byte, or LF or CRLF. */
#include <string.h>

#include "../core/mem.h"
#include "verify_int.h"

#define SCAN_CHUNK  VG_FMAP_NEED_MAX
#define BACK_WINDOW ((size_t)256 << 10)
#define STEP_BYTES  64

enum { R_FAIL = 0, R_OK = 1, R_BUDGET = 2 };

/* ClamAV's word-boundary bytes: 1 may precede a (B) match, 2 may follow
 * it, 3 both; any of them is a (B) in the middle of a signature. */
static const uint8_t boundary[256] = {
    ['\n'] = 2, ['\r'] = 2, [' '] = 3, ['"'] = 2, ['\''] = 2, ['-'] = 3, ['.'] = 1,
    ['/'] = 3,  ['<'] = 1,  ['='] = 2, ['>'] = 2, ['@'] = 1,  ['_'] = 3,
};

static int charge(vgi_verifier *v, uint64_t n)
{
    v->steps = sat_add(v->steps, n);
    return v->steps > v->max_steps;
}

/* [lo, hi] minus the known-failing [a, b], as up to two ranges in
 * ascending order. */
static int split_ranges(uint64_t lo, uint64_t hi, int have, uint64_t a, uint64_t b,
                        uint64_t r[2][2])
{
    if (!have || b < lo || a > hi) {
        r[0][0] = lo;
        r[0][1] = hi;
        return 1;
    }
    int n = 0;
    if (a > lo) {
        r[n][0] = lo;
        r[n++][1] = a - 1;
    }
    if (b < hi) {
        r[n][0] = b + 1;
        r[n++][1] = hi;
    }
    return n;
}

/* ---- reading the object ---- */

static int fits(const vgi_verifier *v, uint64_t p, uint64_t len)
{
    return p <= v->size && len <= v->size - p;
}

/* Bytes [p, p + len), 0 < len <= BACK_WINDOW, of the object, or NULL. back:
 * the caller is walking toward the start. Valid until the next view(). */
static const uint8_t *view(vgi_verifier *v, uint64_t p, size_t len, int back)
{
    if (!fits(v, p, len))
        return NULL;
    if (v->resident) {
        const uint8_t *all = vg_fmap_data(v->map);
        return all == NULL ? NULL : all + p;
    }
    if (!back)
        return vg_fmap_need(v->map, p, len);
    if (len > BACK_WINDOW)
        return NULL;
    if (p < v->back_pos || p + len > v->back_pos + v->back_len) {
        if (v->back == NULL && (v->back = vg_malloc(BACK_WINDOW)) == NULL)
            return NULL;
        /* Centred: walks go back from here, and the next hits lie ahead. */
        uint64_t end = p + len, start = end > BACK_WINDOW / 2 ? end - BACK_WINDOW / 2 : 0;
        if (start > p)
            start = p;
        uint64_t want = v->size - start < BACK_WINDOW ? v->size - start : BACK_WINDOW;
        v->back_pos = start;
        v->back_len = vg_fmap_read(v->map, start, v->back, (size_t)want);
        if (v->back_len < end - start)
            return NULL;
    }
    return v->back + (p - v->back_pos);
}

/* Up to *n bytes from p for a scan; *n shrinks when a file map can't give
 * that much at once. */
static const uint8_t *view_chunk(vgi_verifier *v, uint64_t p, size_t *n, int back)
{
    if (back && *n > BACK_WINDOW)
        *n = BACK_WINDOW;
    for (;;) {
        const uint8_t *b = view(v, p, *n, back);
        if (b != NULL || *n <= 4096)
            return b;
        *n /= 2;
    }
}

static int bytes_at(vgi_verifier *v, uint64_t p, const uint8_t *val, const uint8_t *mask,
                    uint32_t len, int back)
{
    if (!fits(v, p, len))
        return 0;
    if (len == 0)
        return 1;
    const uint8_t *b = view(v, p, len, back);
    if (b == NULL)
        return 0;
    for (uint32_t i = 0; i < len; i++)
        if ((b[i] ^ val[i]) & mask[i])
            return 0;
    return 1;
}

/* The byte at p, or -1 outside the object. */
static int byte_at(vgi_verifier *v, uint64_t p, int back)
{
    const uint8_t *b = p < v->size ? view(v, p, 1, back) : NULL;
    return b == NULL ? -1 : *b;
}

static int alt_at(vgi_verifier *v, const vgi_alt *a, uint64_t p, int back)
{
    return bytes_at(v, p, v->sig->val + a->off, v->sig->mask + a->off, a->len, back);
}

/* !(..): e->max bytes at p, none of them starting with an alternative. */
static int neg_alt_at(vgi_verifier *v, const vgi_el *e, uint64_t p, int back)
{
    if (!fits(v, p, e->max))
        return 0;
    for (uint32_t k = 0; k < e->len; k++)
        if (alt_at(v, &v->sig->alts[e->off + k], p, back))
            return 0;
    return 1;
}

static int left_ok(vgi_verifier *v, uint64_t s, uint8_t kind)
{
    if (s == 0)
        return 1;
    int c = byte_at(v, s - 1, 1);
    if (c < 0)
        return 0;
    return kind == 'B' ? (boundary[c] & 1) != 0 : c == '\n';
}

static int right_ok(vgi_verifier *v, uint64_t p, uint8_t kind)
{
    if (p == v->size)
        return 1;
    int c = byte_at(v, p, 0);
    if (c < 0)
        return 0;
    if (kind == 'B')
        return (boundary[c] & 2) != 0;
    return c == '\n' || (c == '\r' && byte_at(v, p + 1, 0) == '\n');
}

/* First r in [from, to] holding byte c. */
static int find_fwd(vgi_verifier *v, uint64_t from, uint64_t to, uint8_t c, uint64_t *r)
{
    while (from <= to) {
        uint64_t left = to - from + 1;
        size_t n = left > SCAN_CHUNK ? SCAN_CHUNK : (size_t)left;
        const uint8_t *b = view_chunk(v, from, &n, 0);
        if (b == NULL)
            return R_FAIL;
        const uint8_t *hit = memchr(b, c, n);
        if (charge(v, 1 + (uint64_t)(hit != NULL ? (size_t)(hit - b) : n) / STEP_BYTES))
            return R_BUDGET;
        if (hit != NULL) {
            *r = from + (uint64_t)(hit - b);
            return R_OK;
        }
        from += n;
    }
    return R_FAIL;
}

/* Last r in [from, to] holding byte c. */
static int find_bwd(vgi_verifier *v, uint64_t from, uint64_t to, uint8_t c, uint64_t *r)
{
    while (to >= from) {
        uint64_t left = to - from + 1;
        size_t n = left > SCAN_CHUNK ? SCAN_CHUNK : (size_t)left;
        if (!v->resident && n > BACK_WINDOW)
            n = BACK_WINDOW;
        uint64_t start = to - n + 1;
        const uint8_t *b = view_chunk(v, start, &n, 1);
        if (b == NULL)
            return R_FAIL;
        if (start != to - n + 1) { /* the chunk shrank: keep its end at to */
            start = to - n + 1;
            if ((b = view(v, start, n, 1)) == NULL)
                return R_FAIL;
        }
        const uint8_t *hit = memrchr(b, c, n);
        if (charge(v, 1 + (uint64_t)(hit != NULL ? n - (size_t)(hit - b) : n) / STEP_BYTES))
            return R_BUDGET;
        if (hit != NULL) {
            *r = start + (uint64_t)(hit - b);
            return R_OK;
        }
        if (start == from)
            break;
        to = start - 1;
    }
    return R_FAIL;
}

/* ---- forward: elements [i, n) starting at p ---- */

static int fwd(vgi_verifier *v, uint32_t i, uint64_t p);

static int fwd_memo(vgi_verifier *v, uint32_t i, uint64_t p)
{
    if (vgi_verify_call_failed(v, i, p))
        return R_FAIL;
    int r = fwd(v, i, p);
    if (r == R_FAIL)
        vgi_verify_call_fail(v, i, p);
    return r;
}

/* Candidates q in [a, b], ascending, for elements [j, n) to start at. */
static int scan_fwd(vgi_verifier *v, uint32_t j, uint64_t a, uint64_t b, uint64_t *q)
{
    const vgi_el *e = &v->sig->el[j];
    int32_t k = v->pl->probe[j];
    for (uint64_t cur = a; cur <= b;) {
        uint64_t cand = cur;
        if (k >= 0) {
            uint64_t r;
            int f = find_fwd(v, cur + (uint64_t)k, b + (uint64_t)k, v->sig->val[e->off + k], &r);
            if (f != R_OK)
                return f;
            cand = r - (uint64_t)k;
        }
        int res = fwd(v, j, cand);
        if (res != R_FAIL) {
            *q = cand;
            return res;
        }
        cur = cand + 1;
    }
    return R_FAIL;
}

/* The run of gaps starting at i, entered at p. */
static int gap_fwd(vgi_verifier *v, uint32_t i, uint64_t p)
{
    const vgi_body_sig *s = v->sig;
    uint32_t j = i;
    uint64_t mn = 0, mx = 0;
    for (; j < s->n_el && s->el[j].kind == VGI_EL_GAP; j++) {
        mn = sat_add(mn, s->el[j].min);
        mx = s->el[j].max == VGI_GAP_INF ? INF64 : sat_add(mx, s->el[j].max);
    }
    if (!fits(v, p, mn))
        return R_FAIL;
    if (j == s->n_el)
        return R_OK;
    uint64_t lo = p + mn, hi = mx > v->size - p ? v->size : p + mx;
    uint64_t need = v->pl->suf_min[j];
    if (need > v->size)
        return R_FAIL;
    if (hi > v->size - need)
        hi = v->size - need;
    if (lo > hi)
        return R_FAIL;

    vgi_gap_memo m;
    int have = vgi_verify_gap_load(v, i, &m);
    if (have && (m.flags & GM_FWD_OK) && m.f_ok >= lo && m.f_ok <= hi)
        return R_OK;
    uint64_t rg[2][2], q = 0;
    int nr = split_ranges(lo, hi, have && (m.flags & GM_FWD_FAIL), m.f_lo, m.f_hi, rg);
    int r = R_FAIL;
    for (int k = 0; k < nr && r == R_FAIL; k++)
        r = scan_fwd(v, j, rg[k][0], rg[k][1], &q);
    if (r == R_BUDGET)
        return r;
    if (r == R_OK) {
        if (q > lo)
            vgi_verify_gap_note_fail(v, i, 0, lo, q - 1);
        vgi_verify_gap_note_ok(v, i, 0, q, 0);
        return R_OK;
    }
    vgi_verify_gap_note_fail(v, i, 0, lo, hi);
    return R_FAIL;
}

static int fwd(vgi_verifier *v, uint32_t i, uint64_t p)
{
    const vgi_body_sig *s = v->sig;
    for (; i < s->n_el; i++) {
        const vgi_el *e = &s->el[i];
        if (charge(v, 1))
            return R_BUDGET;
        if (!fits(v, p, v->pl->suf_min[i]))
            return R_FAIL;
        switch (e->kind) {
        case VGI_EL_BYTES:
            if (charge(v, e->len / STEP_BYTES))
                return R_BUDGET;
            if (!bytes_at(v, p, s->val + e->off, s->mask + e->off, e->len, 0))
                return R_FAIL;
            p += e->len;
            break;
        case VGI_EL_ALT:
            if (e->neg) {
                if (!neg_alt_at(v, e, p, 0))
                    return R_FAIL;
                p += e->max;
                break;
            }
            for (uint32_t k = 0; k < e->len; k++) {
                const vgi_alt *a = &s->alts[e->off + k];
                if (charge(v, 1))
                    return R_BUDGET;
                if (alt_at(v, a, p, 0)) {
                    int r = fwd_memo(v, i + 1, p + a->len);
                    if (r != R_FAIL)
                        return r;
                }
            }
            return R_FAIL;
        case VGI_EL_GAP:
            return gap_fwd(v, i, p);
        case VGI_EL_BOUND: {
            if (edge_bound(s, i)) {
                if (i == 0)
                    break; /* the backward walk checks the left edge */
                return right_ok(v, p, e->bound) ? R_OK : R_FAIL;
            }
            int c = byte_at(v, p, 0);
            if (e->bound == 'B' && c >= 0 && boundary[c])
                p += 1;
            else if (e->bound == 'L' && c == '\n')
                p += 1;
            else if (e->bound == 'L' && c == '\r' && byte_at(v, p + 1, 0) == '\n')
                p += 2;
            else
                return R_FAIL;
            break;
        }
        default:
            return R_FAIL;
        }
    }
    return R_OK;
}

/* ---- backward: elements [0, cnt) ending at e ---- */

static int start_ok(const vgi_verifier *v, uint64_t st)
{
    return st >= v->w0 && st <= v->w1;
}

static int bwd(vgi_verifier *v, uint32_t cnt, uint64_t e, uint64_t *st);

static int bwd_memo(vgi_verifier *v, uint32_t cnt, uint64_t e, uint64_t *st)
{
    uint32_t key = cnt | 0x80000000u;
    if (vgi_verify_call_failed(v, key, e))
        return R_FAIL;
    int r = bwd(v, cnt, e, st);
    if (r == R_FAIL)
        vgi_verify_call_fail(v, key, e);
    return r;
}

/* Candidates p in [a, b], descending, for elements [0, k) to end at. */
static int scan_bwd(vgi_verifier *v, uint32_t k, uint64_t a, uint64_t b, uint64_t *p, uint64_t *st)
{
    const vgi_el *e = &v->sig->el[k - 1];
    int32_t pk = v->pl->probe[k - 1];
    uint64_t len = e->len;
    if (pk >= 0 && a < len)
        a = len; /* the element must fit before p */
    for (uint64_t cur = b; cur >= a;) {
        uint64_t cand = cur;
        if (pk >= 0) {
            uint64_t r, off = len - (uint64_t)pk;
            int f = find_bwd(v, a - off, cur - off, v->sig->val[e->off + pk], &r);
            if (f != R_OK)
                return f;
            cand = r + off;
        }
        int res = bwd(v, k, cand, st);
        if (res != R_FAIL) {
            *p = cand;
            return res;
        }
        if (cand == 0)
            break;
        cur = cand - 1;
    }
    return R_FAIL;
}

/* The run of gaps ending at element cnt - 1, left at e. */
static int gap_bwd(vgi_verifier *v, uint32_t cnt, uint64_t e, uint64_t *st)
{
    const vgi_body_sig *s = v->sig;
    uint32_t k = cnt;
    uint64_t mn = 0, mx = 0;
    for (; k > 0 && s->el[k - 1].kind == VGI_EL_GAP; k--) {
        mn = sat_add(mn, s->el[k - 1].min);
        mx = s->el[k - 1].max == VGI_GAP_INF ? INF64 : sat_add(mx, s->el[k - 1].max);
    }
    if (e < mn)
        return R_FAIL;
    uint64_t hi = e - mn, lo = mx >= e ? 0 : e - mx;
    if (k == 0) { /* nothing before the gap: the match may start anywhere in it */
        uint64_t first = lo > v->w0 ? lo : v->w0;
        if (first > hi || first > v->w1)
            return R_FAIL;
        *st = first;
        return R_OK;
    }
    /* Elements [0, k) end at p, so start in [p - pre_max, p - pre_min]. */
    uint64_t lo2 = sat_add(v->w0, v->pl->pre_min[k]);
    uint64_t hi2 = sat_add(v->w1, v->pl->pre_max[k]);
    lo = lo > lo2 ? lo : lo2;
    hi = hi < hi2 ? hi : hi2;
    if (lo > hi)
        return R_FAIL;

    vgi_gap_memo m;
    int have = vgi_verify_gap_load(v, k, &m);
    if (have && (m.flags & GM_BACK_OK) && m.b_ok >= lo && m.b_ok <= hi) {
        *st = m.b_start;
        return R_OK;
    }
    uint64_t rg[2][2], p = 0;
    int nr = split_ranges(lo, hi, have && (m.flags & GM_BACK_FAIL), m.b_lo, m.b_hi, rg);
    int r = R_FAIL;
    for (int x = nr - 1; x >= 0 && r == R_FAIL; x--)
        r = scan_bwd(v, k, rg[x][0], rg[x][1], &p, st);
    if (r == R_BUDGET)
        return r;
    if (r == R_OK) {
        if (p < hi)
            vgi_verify_gap_note_fail(v, k, 1, p + 1, hi);
        vgi_verify_gap_note_ok(v, k, 1, p, *st);
        return R_OK;
    }
    vgi_verify_gap_note_fail(v, k, 1, lo, hi);
    return R_FAIL;
}

static int bwd(vgi_verifier *v, uint32_t cnt, uint64_t e, uint64_t *st)
{
    const vgi_body_sig *s = v->sig;
    for (;;) {
        if (cnt == 0 || (cnt == 1 && edge_bound(s, 0))) {
            if (cnt == 1 && !left_ok(v, e, s->el[0].bound))
                return R_FAIL;
            if (!start_ok(v, e))
                return R_FAIL;
            *st = e;
            return R_OK;
        }
        if (charge(v, 1))
            return R_BUDGET;
        /* Where elements [0, cnt) would start must meet the offset window. */
        if (e < v->pl->pre_min[cnt] || e - v->pl->pre_min[cnt] < v->w0)
            return R_FAIL;
        if (v->pl->pre_max[cnt] < e && e - v->pl->pre_max[cnt] > v->w1)
            return R_FAIL;
        const vgi_el *el = &s->el[cnt - 1];
        switch (el->kind) {
        case VGI_EL_BYTES:
            if (charge(v, el->len / STEP_BYTES))
                return R_BUDGET;
            if (e < el->len ||
                !bytes_at(v, e - el->len, s->val + el->off, s->mask + el->off, el->len, 1))
                return R_FAIL;
            e -= el->len;
            break;
        case VGI_EL_ALT:
            if (el->neg) {
                if (e < el->max || !neg_alt_at(v, el, e - el->max, 1))
                    return R_FAIL;
                e -= el->max;
                break;
            }
            for (uint32_t k = 0; k < el->len; k++) {
                const vgi_alt *a = &s->alts[el->off + k];
                if (charge(v, 1))
                    return R_BUDGET;
                if (e >= a->len && alt_at(v, a, e - a->len, 1)) {
                    int r = bwd_memo(v, cnt - 1, e - a->len, st);
                    if (r != R_FAIL)
                        return r;
                }
            }
            return R_FAIL;
        case VGI_EL_GAP:
            return gap_bwd(v, cnt, e, st);
        case VGI_EL_BOUND: {
            int c = e > 0 ? byte_at(v, e - 1, 1) : -1;
            if (edge_bound(s, cnt - 1) || c < 0)
                return R_FAIL; /* a right edge can't precede the anchor */
            if (el->bound == 'B' && boundary[c]) {
                e -= 1;
            } else if (el->bound == 'L' && c == '\n') {
                /* LF alone, or the LF of a CRLF */
                if (e >= 2 && byte_at(v, e - 2, 1) == '\r') {
                    int r = bwd_memo(v, cnt - 1, e - 2, st);
                    if (r != R_FAIL)
                        return r;
                }
                e -= 1;
            } else {
                return R_FAIL;
            }
            break;
        }
        default:
            return R_FAIL;
        }
        cnt--;
    }
}

/* ---- entry point ---- */

/* The window where the match may start, or 0 when none fits. */
static int start_window(vgi_verifier *v, const vgi_body_sig *s)
{
    uint64_t lo = 0, hi = v->size;
    if (s->off_kind == VGI_OFF_ABS) {
        lo = s->off;
        hi = sat_add(s->off, s->off_range);
    } else if (s->off_kind == VGI_OFF_EOF) {
        if (s->off > v->size)
            return 0;
        lo = v->size - s->off;
        hi = sat_add(lo, s->off_range);
    } else if (s->off_kind != VGI_OFF_ANY) {
        return 0;
    }
    v->w0 = lo;
    v->w1 = hi < v->size ? hi : v->size;
    return v->w0 <= v->w1;
}

vgi_verify_result vgi_verify(vgi_verifier *v, const vgi_body_sig *sig, uint32_t sig_id,
                             vg_fmap *map, uint32_t el, uint32_t byte, uint64_t pos,
                             uint64_t *start)
{
    if (v == NULL || sig == NULL || map == NULL || el >= sig->n_el || pos < byte)
        return VGI_VERIFY_NOMATCH;
    if (v->steps > v->max_steps)
        return VGI_VERIFY_BUDGET;
    const vgi_el *e = &sig->el[el];
    if (!(e->kind == VGI_EL_BYTES && byte < e->len) && !(e->kind == VGI_EL_ALT && byte == 0))
        return VGI_VERIFY_NOMATCH;
    const vgi_verify_plan *pl = vgi_verify_plan_get(v, sig, sig_id);
    if (pl == NULL)
        return VGI_VERIFY_BUDGET; /* out of memory: incomplete, never a silent "clean" */

    v->sig = sig;
    v->pl = pl;
    v->sig_id = sig_id;
    v->map = map;
    v->size = vg_fmap_size(map);
    v->resident = vg_fmap_data(map) != NULL;
    v->back_len = 0; /* another map, or this one's bytes changed places */
    uint64_t s0 = pos - byte, st = 0;
    if (s0 > v->size || !start_window(v, sig))
        return VGI_VERIFY_NOMATCH;
    vgi_verify_call_begin(v);

    int r = fwd(v, el, s0);
    if (r == R_OK)
        r = bwd(v, el, s0, &st);
    v->map = NULL;
    if (r == R_BUDGET)
        return VGI_VERIFY_BUDGET;
    if (r != R_OK)
        return VGI_VERIFY_NOMATCH;
    if (start != NULL)
        *start = st;
    return VGI_VERIFY_MATCH;
}
