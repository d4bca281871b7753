/* ClamAV hex signatures into the body signature IR of sig.h.
 *
 * The parser reads left to right and keeps one element open while it grows:
 *
 *     4d5a??9?{2}*(6869|6c??)!(00|ff)[1-3]5045(B)
 *
 *     4d 5a ?? 9?      BYTES, one per pair; '?' nibbles clear mask bits
 *     {2}*             GAP 2..INF: adjacent gaps merge into one element
 *     (6869|6c??)      ALT of 2, min/max 2 (alternatives may differ in length
 *                      and hold nibble wildcards, but no gaps or groups)
 *     !(00|ff)         ALT, neg: one byte that is neither; every alternative of
 *                      a negated group must have the same length
 *     [1-3]            GAP 1..3
 *     50 45            BYTES
 *     (B)              BOUND 'B'; (L) is 'L'. (W), "a non-alphanumeric
 *                      byte", is the negated ALT of the 62 ASCII letters and
 *                      digits, so the matcher needs no extra element kind.
 *
 * Anchored ranges: ClamAV accepts aa[x-y]HEXSIG only with a single byte on
 * one side and y <= 32, a limit of its Aho-Corasick trie. Our IR has no such
 * limit, so [x-y] is accepted anywhere a gap is, as GAP x..y with x <= y.
 *
 * A signature is rejected, with the 1-based column of the fault, when it
 * begins or ends with a gap (where a match starts or ends is then
 * undefined), when it has no fully fixed byte (nothing a prefilter could
 * look for: a byte with mask ff in BYTES or in every alternative of a
 * positive group), or when it exceeds the VGI_SIG_MAX_* bounds.
 *
 * One allocation holds the signature and all its arrays. To size it exactly
 * the parser runs twice over the text: a counting pass with no arrays, which
 * also finds every error, then a filling pass into the block. Parsing is
 * linear, so twice costs less than growing arrays and copying them. */
#include <stdalign.h>

#include "../core/mem.h"
#include "sig_formats.h"

typedef struct hexp {
    const char *s;
    size_t n, i; /* text, length, cursor */
    vg_diag *diag;
    /* Output arrays: all NULL in the counting pass. */
    vgi_el *el;
    vgi_alt *alts;
    uint8_t *val, *mask;
    uint32_t n_el, n_alts, n_bytes;
    vgi_el cur;       /* open element; kind 0 when none */
    int consumed;     /* an element that consumes bytes came before */
    int last_is_gap;  /* ... and the last of them was a gap */
    unsigned gap_col; /* column of that gap */
    int fixed;        /* a byte any match must contain exactly was seen */
    uint64_t min_len;
} hexp;

static vg_error fail(hexp *p, size_t col, const char *msg)
{
    return vgi_diag_set(p->diag, VG_ERR_MALFORMED, NULL, 0, (unsigned)col, "%s", msg);
}

static int is_nibble(char c)
{
    return c == '?' || vgi_hex_digit(c) >= 0;
}

/* Characters with a meaning of their own: after a lone digit they make the
 * digit count odd, rather than being a bad character. */
static int is_syntax(char c)
{
    return c == '*' || c == '{' || c == '}' || c == '[' || c == ']' || c == '(' || c == ')' ||
           c == '|' || c == '!';
}

static vg_error bad_char(hexp *p, size_t at)
{
    unsigned char c = (unsigned char)p->s[at];
    if (c > 0x20 && c < 0x7f)
        return vgi_diag_set(p->diag, VG_ERR_MALFORMED, NULL, 0, (unsigned)at + 1,
                            "invalid character '%c' in hex signature", c);
    return vgi_diag_set(p->diag, VG_ERR_MALFORMED, NULL, 0, (unsigned)at + 1,
                        "invalid character 0x%02x in hex signature", c);
}

static void flush(hexp *p)
{
    if (p->cur.kind == 0)
        return;
    if (p->el != NULL)
        p->el[p->n_el] = p->cur;
    p->n_el++;
    p->cur = (vgi_el){0};
}

/* Closes the open element and opens one of kind at column col. */
static vg_error begin(hexp *p, vgi_el_kind kind, size_t col)
{
    flush(p);
    if (p->n_el >= VGI_SIG_MAX_ELEMENTS)
        return vgi_diag_set(p->diag, VG_ERR_MALFORMED, NULL, 0, (unsigned)col,
                            "more than %u elements in one signature",
                            (unsigned)VGI_SIG_MAX_ELEMENTS);
    p->cur.kind = (uint8_t)kind;
    return VG_OK;
}

static void emit(hexp *p, uint8_t v, uint8_t m)
{
    if (p->val != NULL) {
        p->val[p->n_bytes] = v;
        p->mask[p->n_bytes] = m;
    }
    p->n_bytes++;
}

/* Reads the pair at the cursor ("4d", "a?", "?a", "??") and advances. */
static vg_error read_pair(hexp *p, uint8_t *v, uint8_t *m)
{
    size_t i = p->i;
    if (i + 1 >= p->n || !is_nibble(p->s[i + 1])) {
        if (i + 1 < p->n && !is_syntax(p->s[i + 1]))
            return bad_char(p, i + 1);
        return fail(p, i + 1, "odd number of hex digits");
    }
    char hi = p->s[i], lo = p->s[i + 1];
    *v = (uint8_t)((hi == '?' ? 0 : vgi_hex_digit(hi) << 4) | (lo == '?' ? 0 : vgi_hex_digit(lo)));
    *m = (uint8_t)((hi == '?' ? 0 : 0xf0) | (lo == '?' ? 0 : 0x0f));
    p->i += 2;
    return VG_OK;
}

static vg_error add_pair(hexp *p)
{
    size_t col = p->i + 1;
    uint8_t v = 0, m = 0;
    vg_error err = read_pair(p, &v, &m);
    if (err != VG_OK)
        return err;
    if (p->cur.kind != VGI_EL_BYTES) {
        if ((err = begin(p, VGI_EL_BYTES, col)) != VG_OK)
            return err;
        p->cur.off = p->n_bytes;
    }
    emit(p, v, m);
    p->cur.len++;
    p->min_len++;
    p->fixed |= m == 0xff;
    p->consumed = 1;
    p->last_is_gap = 0;
    return VG_OK;
}

static vg_error add_gap(hexp *p, uint64_t lo, uint64_t hi, size_t col)
{
    vg_error err;
    if (!p->consumed)
        return fail(p, col, "signature cannot start with a gap");
    if (p->cur.kind == VGI_EL_GAP) {
        lo += p->cur.min;
        hi = (hi == VGI_GAP_INF || p->cur.max == VGI_GAP_INF) ? VGI_GAP_INF : hi + p->cur.max;
        if (lo > VGI_SIG_MAX_GAP || (hi != VGI_GAP_INF && hi > VGI_SIG_MAX_GAP))
            return vgi_diag_set(p->diag, VG_ERR_MALFORMED, NULL, 0, (unsigned)col,
                                "adjacent gaps add up to more than %u bytes",
                                (unsigned)VGI_SIG_MAX_GAP);
        p->min_len += lo - p->cur.min;
    } else {
        if ((err = begin(p, VGI_EL_GAP, col)) != VG_OK)
            return err;
        p->gap_col = (unsigned)col;
        p->min_len += lo;
    }
    p->cur.min = (uint32_t)lo;
    p->cur.max = (uint32_t)hi;
    p->last_is_gap = 1;
    return VG_OK;
}

/* One gap bound s[a..b) (column a + 1 in messages). */
static vg_error gap_number(hexp *p, size_t a, size_t b, uint64_t *out)
{
    int r = vgi_sig_parse_u64(p->s + a, b - a, VGI_SIG_MAX_GAP, out);
    if (r == -1)
        return fail(p, a + 1, "gap bound is not a decimal number");
    if (r == -2)
        return vgi_diag_set(p->diag, VG_ERR_MALFORMED, NULL, 0, (unsigned)a + 1,
                            "gap bound larger than %u", (unsigned)VGI_SIG_MAX_GAP);
    return VG_OK;
}

/* {n} {-n} {n-} {n-m}, or with square=1 the anchored range [x-y]. */
static vg_error add_range(hexp *p, int square)
{
    const char close = square ? ']' : '}';
    size_t open = p->i, a = open + 1, b = a;
    while (b < p->n && p->s[b] != close && !is_syntax(p->s[b]))
        b++;
    if (b >= p->n || p->s[b] != close)
        return vgi_diag_set(p->diag, VG_ERR_MALFORMED, NULL, 0, (unsigned)open + 1,
                            "'%c' without matching '%c'", p->s[open], close);
    const char *dash = memchr(p->s + a, '-', b - a);
    size_t d = dash ? (size_t)(dash - p->s) : b;
    uint64_t lo = 0, hi = VGI_GAP_INF;
    vg_error err;
    if (b == a || (dash != NULL && b - a == 1))
        return fail(p, open + 1, square ? "empty range" : "empty gap");
    if (square && (dash == NULL || d == a || d + 1 == b))
        return fail(p, open + 1, "anchored range must be [x-y]");
    if (d > a && (err = gap_number(p, a, d, &lo)) != VG_OK)
        return err;
    if (dash == NULL)
        hi = lo;
    else if (d + 1 < b && (err = gap_number(p, d + 1, b, &hi)) != VG_OK)
        return err;
    if (hi < lo)
        return fail(p, open + 1, square ? "range [x-y] has y < x" : "gap {n-m} has m < n");
    p->i = b + 1;
    return add_gap(p, lo, hi, open + 1);
}

/* (aa|bb..) or, with neg, !(aa|bb..); open is the column of '(' or '!'. */
static vg_error add_group(hexp *p, int neg, size_t open)
{
    vg_error err = begin(p, VGI_EL_ALT, open);
    if (err != VG_OK)
        return err;
    uint32_t first = p->n_alts, count = 0, shortest = UINT32_MAX, longest = 0;
    int all_fixed = 1;
    p->i++; /* '(' */
    for (;;) {
        size_t start = p->i;
        uint32_t off = p->n_bytes, len = 0;
        int has_fixed = 0;
        while (p->i < p->n && p->s[p->i] != '|' && p->s[p->i] != ')') {
            char c = p->s[p->i];
            uint8_t v = 0, m = 0;
            if (!is_nibble(c)) {
                if (!is_syntax(c))
                    return bad_char(p, p->i);
                return vgi_diag_set(p->diag, VG_ERR_MALFORMED, NULL, 0, (unsigned)p->i + 1,
                                    "'%c' is not allowed inside an alternative", c);
            }
            if ((err = read_pair(p, &v, &m)) != VG_OK)
                return err;
            emit(p, v, m);
            len++;
            has_fixed |= m == 0xff;
        }
        if (p->i >= p->n)
            return fail(p, open, "'(' without matching ')'");
        if (len == 0)
            return fail(p, start + 1, "empty alternative");
        if (count >= VGI_SIG_MAX_ALTS)
            return vgi_diag_set(p->diag, VG_ERR_MALFORMED, NULL, 0, (unsigned)start + 1,
                                "more than %u alternatives in one group",
                                (unsigned)VGI_SIG_MAX_ALTS);
        if (neg && count > 0 && len != longest)
            return fail(p, start + 1, "alternatives of a negated group must have equal length");
        if (p->alts != NULL)
            p->alts[p->n_alts] = (vgi_alt){off, len};
        p->n_alts++;
        count++;
        shortest = len < shortest ? len : shortest;
        longest = len > longest ? len : longest;
        all_fixed &= has_fixed;
        if (p->s[p->i++] == ')')
            break;
    }
    p->cur.neg = (uint8_t)neg;
    p->cur.len = count;
    p->cur.off = first;
    p->cur.min = shortest;
    p->cur.max = longest;
    p->min_len += shortest;
    p->fixed |= !neg && all_fixed;
    p->consumed = 1;
    p->last_is_gap = 0;
    return VG_OK;
}

/* (W): one byte that is not an ASCII letter or digit. */
static vg_error add_nonalnum(hexp *p, size_t col)
{
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    vg_error err = begin(p, VGI_EL_ALT, col);
    if (err != VG_OK)
        return err;
    p->cur.neg = 1;
    p->cur.off = p->n_alts;
    p->cur.len = sizeof alnum - 1;
    p->cur.min = p->cur.max = 1;
    for (size_t k = 0; k < sizeof alnum - 1; k++) {
        if (p->alts != NULL)
            p->alts[p->n_alts] = (vgi_alt){p->n_bytes, 1};
        p->n_alts++;
        emit(p, (uint8_t)alnum[k], 0xff);
    }
    p->min_len++;
    p->consumed = 1;
    p->last_is_gap = 0;
    p->i += 3;
    return VG_OK;
}

/* "(B)", "(L)" or "(W)" at the cursor: the letter, or 0. None of them can
 * begin an alternative group: 'B' is a lone hex digit there, the others no
 * hex digit at all. */
static char special_at(const hexp *p)
{
    if (p->i + 2 < p->n && p->s[p->i + 2] == ')') {
        char c = p->s[p->i + 1];
        if (c == 'B' || c == 'L' || c == 'W')
            return c;
    }
    return 0;
}

static vg_error run(hexp *p)
{
    vg_error err = VG_OK;
    while (err == VG_OK && p->i < p->n) {
        size_t col = p->i + 1;
        char c = p->s[p->i];
        if (is_nibble(c)) {
            err = add_pair(p);
        } else if (c == '*') {
            p->i++;
            err = add_gap(p, 0, VGI_GAP_INF, col);
        } else if (c == '{' || c == '[') {
            err = add_range(p, c == '[');
        } else if (c == '(') {
            char sp = special_at(p);
            if (sp == 'W') {
                err = add_nonalnum(p, col);
            } else if (sp != 0) {
                if ((err = begin(p, VGI_EL_BOUND, col)) == VG_OK) {
                    p->cur.bound = (uint8_t)sp;
                    p->i += 3;
                }
            } else {
                err = add_group(p, 0, col);
            }
        } else if (c == '!') {
            if (p->i + 1 >= p->n || p->s[p->i + 1] != '(')
                return fail(p, col, "'!' must be followed by '('");
            p->i++;
            err = add_group(p, 1, col);
        } else if (c == ')' || c == '}' || c == ']') {
            return vgi_diag_set(p->diag, VG_ERR_MALFORMED, NULL, 0, (unsigned)col,
                                "unbalanced '%c'", c);
        } else if (c == '|') {
            return fail(p, col, "'|' outside an alternative group");
        } else {
            return bad_char(p, p->i);
        }
    }
    if (err != VG_OK)
        return err;
    flush(p);
    if (p->last_is_gap)
        return fail(p, p->gap_col, "signature cannot end with a gap");
    if (!p->fixed)
        return fail(p, 1, "signature has no fixed byte (only wildcards, gaps or negations)");
    if (p->min_len > UINT32_MAX)
        return fail(p, 1, "signature's shortest match is longer than 4 GiB");
    return VG_OK;
}

static void start(hexp *p, const char *hex, size_t len, vg_diag *diag)
{
    *p = (hexp){0};
    p->s = hex;
    p->n = len;
    p->diag = diag;
}

vg_error vgi_hex_parse(const char *hex, size_t len, vgi_body_sig **out, vg_diag *diag)
{
    hexp p;
    vg_error err;
    *out = NULL;
    if (len == 0)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, NULL, 0, 1, "empty hex signature");
    if (len > VGI_SIG_MAX_HEX)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, NULL, 0, VGI_SIG_MAX_HEX + 1,
                            "hex signature longer than %u characters", (unsigned)VGI_SIG_MAX_HEX);

    start(&p, hex, len, diag);
    if ((err = run(&p)) != VG_OK)
        return err;

    /* The arrays follow the struct, widest alignment first. */
    _Static_assert(sizeof(vgi_body_sig) % alignof(vgi_el) == 0, "el alignment");
    _Static_assert(sizeof(vgi_el) % alignof(vgi_alt) == 0, "alts alignment");
    size_t n_el = p.n_el, n_alts = p.n_alts, n_bytes = p.n_bytes;
    size_t size =
        sizeof(vgi_body_sig) + n_el * sizeof(vgi_el) + n_alts * sizeof(vgi_alt) + 2 * n_bytes;
    vgi_body_sig *sig = vg_calloc(1, size);
    if (sig == NULL)
        return vgi_diag_set(diag, VG_ERR_NOMEM, NULL, 0, 0, "out of memory");
    unsigned char *mem = (unsigned char *)(sig + 1);
    sig->el = n_el ? (vgi_el *)mem : NULL;
    mem += n_el * sizeof(vgi_el);
    sig->alts = n_alts ? (vgi_alt *)mem : NULL;
    mem += n_alts * sizeof(vgi_alt);
    sig->val = n_bytes ? mem : NULL;
    sig->mask = n_bytes ? mem + n_bytes : NULL;

    /* The filling pass sees the same text, so it cannot fail. */
    start(&p, hex, len, NULL);
    p.el = sig->el;
    p.alts = sig->alts;
    p.val = sig->val;
    p.mask = sig->mask;
    if (run(&p) != VG_OK || p.n_el != n_el || p.n_alts != n_alts || p.n_bytes != n_bytes) {
        vg_free(sig);
        return vgi_diag_set(diag, VG_ERR_MALFORMED, NULL, 0, 1, "internal parser error");
    }
    sig->n_el = p.n_el;
    sig->n_alts = p.n_alts;
    sig->n_bytes = p.n_bytes;
    sig->min_len = (uint32_t)p.min_len;
    *out = sig;
    return VG_OK;
}
