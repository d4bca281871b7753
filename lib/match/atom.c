/* Atom choice: which part of a signature Hyperscan should look for.
 *
 * Hyperscan scans for one fixed-length window of each body signature, its
 * atom; every hit is then checked exactly by verify.c. The signature
 *
 *     0f1f840000000000 ?? 4d5a 9c e3 (71|72) * 5045
 *
 * has fixed content in its first two elements (BYTES, ALT) and in the last
 * one. The longest run is not the best atom: 0f 1f 84 00 00 00 00 00 is x86
 * padding found in nearly every program, and an atom that fires on every
 * clean binary costs a verification per hit (measured: 5 % of signatures
 * made 96 % of the hits). So each window of up to VGI_ATOM_MAX_LEN bytes is
 * scored by its information, -log2 of its probability at a position of a
 * clean file, from byte-pair statistics (bytefreq_table.c, in 1/16 bits):
 *
 *     exact byte b after exact byte p   cost(p, b)         00 after 00: 0.4 bit
 *     exact byte b otherwise            cost(-1, b)        9c: ~10 bits
 *     nibble a? / ?a                    -log2 sum of P over its 16 values
 *     ??                                0
 *     (71|72), !(00|ff)                 -log2 P(any alternative), or of the rest
 *
 * with three corrections for what pair statistics of this machine's files
 * miss (runs, text, a few strings of other platforms; see below). Here the
 * padding scores ~16 bits in 8 bytes, while "?? 4d 5a 9c e3 (71|72)" scores
 * ~30 in 6: the window with the most bits wins, the shorter on ties, so `??`
 * ends are trimmed by construction. The window becomes an expression for
 * HS_FLAG_DOTALL with every byte escaped: \x4d\x5a\x9c\xe3[\x71\x72]; masks
 * become classes, `??` becomes `.`, and longer alternatives (?:..|..). The
 * expression matches exactly the strings the window can match, so the atom
 * never misses a real match. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"
#include "match.h"

/* ---- scoring ---- */

/* The byte statistics come from this machine's clean files, which lack
 * what other platforms' files are full of, and a pair model can't see
 * longer-range repetition. Three corrections, all only ever lowering a
 * cost:
 *  - a byte repeating the previous one costs at most half a bit: runs of
 *    cc or 90 are padding in every PE file, though rare in ELF ones;
 *  - text after text costs half: a pair model charges ~4.5 bits per
 *    English letter, better models ~2, and sentences recur verbatim;
 *  - bytes inside a known-common string (below) cost a quarter bit. */
#define RUN_COST    8 /* 1/16 bits */
#define COMMON_COST 4 /* 1/16 bits */
#define COMMON_MIN  6 /* shortest shared run that marks bytes common */

typedef struct common_string {
    const char *s;
    size_t len;
} common_string;

// clang-format off
#define CS(lit) {lit, sizeof(lit) - 1}
// clang-format on
static const common_string common_strings[] = {
    CS("!This program cannot be run in DOS mode.\r\r\n$"),
    CS("This program must be run under Win32"),
    CS("KERNEL32.dll"),
    CS("kernel32.dll"),
    CS("GetProcAddress"),
    CS("LoadLibraryA"),
    CS("LoadLibraryW"),
    CS("GetModuleHandleA"),
    CS("GetModuleHandleW"),
    CS("VirtualAlloc"),
    CS("ExitProcess"),
    CS("Microsoft Visual C++ Runtime Library"),
    CS("<assembly xmlns=\"urn:schemas-microsoft-com:asm.v1\" manifestVersion=\"1.0\">"),
    CS("PADDINGXXPADDING"),
    CS(".text\0\0\0"), /* PE section names */
    CS(".rdata\0\0"),
    CS(".data\0\0\0"),
    CS(".reloc\0\0"),
    CS(".rsrc\0\0\0"),
};

/* Every COMMON_MIN-byte piece of the common strings, sorted, so that a
 * signature is checked with one lookup per byte. Built once per process. */
#define MAX_GRAMS 512
static uint64_t grams[MAX_GRAMS];
static size_t n_grams;
static uint8_t gram_heads[65536 / 8]; /* first two bytes of some gram */
static double prob_of_cost[1024];     /* 2^(-c/16) */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static uint64_t gram_key(const uint8_t *p)
{
    uint64_t k = 0;
    for (int i = 0; i < COMMON_MIN; i++)
        k = k << 8 | p[i];
    return k;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void build_tables(void)
{
    for (unsigned c = 0; c < 1024; c++)
        prob_of_cost[c] = exp2(-(double)c / 16.0);
    for (size_t w = 0; w < sizeof common_strings / sizeof common_strings[0]; w++) {
        const uint8_t *str = (const uint8_t *)common_strings[w].s;
        for (size_t j = 0; j + COMMON_MIN <= common_strings[w].len && n_grams < MAX_GRAMS; j++) {
            grams[n_grams++] = gram_key(str + j);
            gram_heads[(str[j] << 8 | str[j + 1]) >> 3] |= (uint8_t)(1u << (str[j + 1] & 7));
        }
    }
    qsort(grams, n_grams, sizeof grams[0], cmp_u64);
}

static int is_text(int c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r';
}

static double byte_prob(int prev, uint8_t b)
{
    unsigned c = vgi_bytefreq_cost(prev, b);
    return c < 1024 ? prob_of_cost[c] : exp2(-(double)c / 16.0);
}

/* Bits of one masked byte after context prev (-1: unknown); updates prev to
 * what the next byte may be conditioned on. */
static double masked_bits(int *prev, uint8_t val, uint8_t mask, int common)
{
    if (mask == 0xff) {
        unsigned c = vgi_bytefreq_cost(*prev, val);
        if (*prev == val && c > RUN_COST)
            c = RUN_COST;
        else if (*prev >= 0 && is_text(*prev) && is_text(val))
            c /= 2;
        if (common && c > COMMON_COST)
            c = COMMON_COST;
        *prev = val;
        return c / 16.0;
    }
    if (mask == 0) {
        *prev = -1;
        return 0.0;
    }
    /* Sum over the values the mask allows: the subsets of its zero bits. */
    double p = 0.0;
    uint8_t free_bits = (uint8_t)~mask, fixed = val & mask, sub = 0;
    do {
        p += byte_prob(*prev, fixed | sub);
        sub = (uint8_t)((sub - free_bits) & free_bits);
    } while (sub != 0);
    *prev = -1;
    return p >= 1.0 ? 0.0 : -log2(p);
}

static double seq_bits(int prev, const uint8_t *val, const uint8_t *mask, uint32_t len)
{
    double bits = 0.0;
    for (uint32_t i = 0; i < len; i++)
        bits += masked_bits(&prev, val[i], mask[i], 0);
    return bits;
}

/* Marks common[i] for the exact bytes of BYTES elements that lie in a run
 * of at least COMMON_MIN bytes shared with a common string. */
static void mark_common(const vgi_body_sig *sig, uint8_t *common)
{
    for (uint32_t i = 0; i < sig->n_el; i++) {
        const vgi_el *e = &sig->el[i];
        if (e->kind != VGI_EL_BYTES)
            continue;
        uint32_t exact = 0; /* exact bytes ending at k */
        for (uint32_t k = 0; k < e->len; k++) {
            exact = sig->mask[e->off + k] == 0xff ? exact + 1 : 0;
            if (exact < COMMON_MIN)
                continue;
            const uint8_t *g = sig->val + e->off + k + 1 - COMMON_MIN;
            if (!(gram_heads[(g[0] << 8 | g[1]) >> 3] & (1u << (g[1] & 7))))
                continue;
            uint64_t key = gram_key(g);
            if (bsearch(&key, grams, n_grams, sizeof grams[0], cmp_u64) != NULL)
                memset(common + e->off + k + 1 - COMMON_MIN, 1, COMMON_MIN);
        }
    }
}

/* The byte values the alternatives of e may begin with (masks allowed). */
static void alt_byte_set(const vgi_body_sig *sig, const vgi_el *e, uint8_t set[256])
{
    memset(set, 0, 256);
    for (uint32_t a = 0; a < e->len; a++) {
        const vgi_alt *alt = &sig->alts[e->off + a];
        uint8_t val = sig->val[alt->off], mask = sig->mask[alt->off];
        for (unsigned v = 0; v < 256; v++)
            if ((v & mask) == (val & mask))
                set[v] = 1;
    }
}

static int alt_all_single(const vgi_body_sig *sig, const vgi_el *e)
{
    for (uint32_t a = 0; a < e->len; a++)
        if (sig->alts[e->off + a].len != 1)
            return 0;
    return 1;
}

/* Byte length of e inside an atom window, or 0 when e cannot be part of
 * one: gaps and boundaries break windows, and so do negated groups wider
 * than one byte (which could only be written as `..`). A group whose
 * alternatives differ in length, (6869|6c), counts with the prefixes of its
 * shortest length, (68|6c), and ends the window: where the bytes after it
 * start is not fixed, but where it starts is. */
static uint32_t window_len(const vgi_body_sig *sig, const vgi_el *e)
{
    if (e->kind == VGI_EL_BYTES)
        return e->len;
    if (e->kind != VGI_EL_ALT || e->len == 0 || e->min == 0)
        return 0;
    if (e->neg) {
        if (e->min != 1 || e->max != 1 || !alt_all_single(sig, e))
            return 0;
        /* !(??): no byte is left, so no expression can be written */
        uint8_t set[256];
        alt_byte_set(sig, e, set);
        if (memchr(set, 0, sizeof set) == NULL)
            return 0;
    }
    return e->min;
}

static double alt_bits(const vgi_body_sig *sig, const vgi_el *e, int prev)
{
    double p = 0.0;
    if (e->neg) {
        uint8_t set[256];
        alt_byte_set(sig, e, set);
        for (unsigned v = 0; v < 256; v++)
            if (!set[v])
                p += byte_prob(prev, (uint8_t)v);
    } else {
        for (uint32_t a = 0; a < e->len; a++) {
            const vgi_alt *alt = &sig->alts[e->off + a];
            p += exp2(-seq_bits(prev, sig->val + alt->off, sig->mask + alt->off, e->min));
        }
    }
    return p >= 1.0 ? 0.0 : -log2(p);
}

/* A window is made of units: one per byte of a BYTES element, one per
 * group. A unit's cost depends only on whether it opens the window (no
 * context) or follows the unit before it (that unit's exact byte as
 * context), so both are computed once and every window is a sum. */
typedef struct unit {
    uint32_t el, byte, width;
    double first, next; /* bits opening a window; bits after the previous unit */
    uint8_t joins;      /* a window may extend from the previous unit into this one */
    uint8_t ends;       /* no window extends past this unit (a varying group) */
    /* filled by choose_window() */
    double cum_next;    /* next of units [0, i] */
    uint64_t cum_width; /* width of units [0, i] */
    size_t last_gain;   /* last unit <= i whose next is more than zero, or SIZE_MAX */
    size_t segment_end; /* last unit a window starting at i may reach */
} unit;

/* Units of sig in order; returns how many (0 on allocation failure, with
 * *out NULL). */
static size_t build_units(const vgi_body_sig *sig, const uint8_t *common, int literal_only,
                          unit **out)
{
    size_t cap = (size_t)sig->n_bytes + sig->n_el + 1, n = 0;
    unit *u = vg_malloc(cap * sizeof *u);
    *out = u;
    if (u == NULL)
        return 0;
    int joins = 0, prev = -1; /* prev: exact byte of the previous unit, or -1 */
    for (uint32_t i = 0; i < sig->n_el; i++) {
        const vgi_el *e = &sig->el[i];
        uint32_t wl = window_len(sig, e);
        if (wl == 0) {
            joins = 0;
            prev = -1;
            continue;
        }
        if (e->kind == VGI_EL_ALT && literal_only) {
            joins = 0;
            prev = -1;
            continue;
        }
        if (e->kind == VGI_EL_ALT) {
            u[n] = (unit){.el = i,
                          .width = wl,
                          .first = alt_bits(sig, e, -1),
                          .next = alt_bits(sig, e, prev),
                          .joins = (uint8_t)joins,
                          .ends = (uint8_t)(e->min != e->max)};
            n++;
            joins = 1;
            prev = -1;
            continue;
        }
        for (uint32_t k = 0; k < e->len; k++) {
            uint8_t v = sig->val[e->off + k], m = sig->mask[e->off + k], c = common[e->off + k];
            if (literal_only && m != 0xff) {
                joins = 0;
                prev = -1;
                continue;
            }
            int none = -1, ctx = prev;
            double first = masked_bits(&none, v, m, c);
            u[n] = (unit){.el = i,
                          .byte = k,
                          .width = 1,
                          .first = first,
                          .next = prev < 0 ? first : masked_bits(&ctx, v, m, c),
                          .joins = (uint8_t)joins};
            ctx = prev < 0 ? none : ctx;
            n++;
            joins = 1;
            prev = ctx;
        }
    }
    return n;
}

typedef struct window {
    uint32_t el, byte, len;
    double bits;
} window;

/* Ties within this are equal: sums of 1/16-bit costs are exact, the logs of
 * masked probabilities are not quite. */
#define BITS_EPS       1e-9
#define LITERAL_ENOUGH 40.0

static void consider(window *best, const unit *start, uint32_t len, double bits)
{
    if (bits > best->bits + BITS_EPS ||
        (bits > BITS_EPS && fabs(bits - best->bits) <= BITS_EPS && len < best->len)) {
        best->el = start->el;
        best->byte = start->byte;
        best->len = len;
        best->bits = bits;
    }
}

/* Costs are never negative, so from each start the best window is the
 * longest one allowed, less any trailing units that add nothing (`??`):
 * one candidate per start, found with prefix sums. */
static void choose_window(unit *u, size_t n, window *best)
{
    double cn = 0.0;
    uint64_t cw = 0;
    for (size_t i = 0; i < n; i++) {
        u[i].cum_next = cn += u[i].next;
        u[i].cum_width = cw += u[i].width;
        u[i].last_gain = u[i].next > BITS_EPS ? i : i > 0 ? u[i - 1].last_gain : SIZE_MAX;
    }
    for (size_t i = n; i-- > 0;)
        u[i].segment_end = i + 1 < n && u[i + 1].joins && !u[i].ends ? u[i + 1].segment_end : i;
    size_t e = 0;
    for (size_t s = 0; s < n; s++) {
        if (e < s)
            e = s;
        while (e + 1 <= u[s].segment_end &&
               u[e + 1].cum_width - u[s].cum_width + u[s].width <= VGI_ATOM_MAX_LEN)
            e++;
        if (u[s].width > VGI_ATOM_MAX_LEN)
            continue;
        size_t t = u[e].last_gain != SIZE_MAX && u[e].last_gain > s ? u[e].last_gain : s;
        double bits = u[s].first + (u[t].cum_next - u[s].cum_next);
        consider(best, &u[s], (uint32_t)(u[t].cum_width - u[s].cum_width + u[s].width), bits);
    }
}

/* ---- expression ---- */

typedef struct strbuf {
    char *s;
    size_t n, cap;
    int failed;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = vg_realloc(b->s, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_str(strbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_hex(strbuf *b, unsigned v)
{
    static const char hx[] = "0123456789abcdef";
    char tmp[4] = {'\\', 'x', hx[(v >> 4) & 15], hx[v & 15]};
    sb_put(b, tmp, 4);
}

/* A character class of set (or its complement), written as ranges. */
static void sb_class(strbuf *b, const uint8_t set[256], int negate)
{
    sb_str(b, negate ? "[^" : "[");
    for (unsigned v = 0; v < 256;) {
        if (!set[v]) {
            v++;
            continue;
        }
        unsigned end = v;
        while (end + 1 < 256 && set[end + 1])
            end++;
        sb_hex(b, v);
        if (end > v) {
            if (end > v + 1)
                sb_str(b, "-");
            sb_hex(b, end);
        }
        v = end + 1;
    }
    sb_str(b, "]");
}

static void sb_byte(strbuf *b, uint8_t val, uint8_t mask)
{
    if (mask == 0xff) {
        sb_hex(b, val);
    } else if (mask == 0) {
        sb_str(b, ".");
    } else {
        uint8_t set[256];
        for (unsigned v = 0; v < 256; v++)
            set[v] = (v & mask) == (val & mask);
        sb_class(b, set, 0);
    }
}

static void sb_alt(strbuf *b, const vgi_body_sig *sig, const vgi_el *e)
{
    if (e->min == 1) { /* first bytes only, negated or not */
        uint8_t set[256];
        alt_byte_set(sig, e, set);
        sb_class(b, set, e->neg);
        return;
    }
    sb_str(b, "(?:");
    for (uint32_t a = 0; a < e->len; a++) {
        const vgi_alt *alt = &sig->alts[e->off + a];
        if (a > 0)
            sb_str(b, "|");
        for (uint32_t i = 0; i < e->min; i++)
            sb_byte(b, sig->val[alt->off + i], sig->mask[alt->off + i]);
    }
    sb_str(b, ")");
}

static vg_error emit(const vgi_body_sig *sig, const window *w, char **out)
{
    strbuf b = {0};
    uint32_t left = w->len, k = w->byte;
    for (uint32_t j = w->el; left > 0 && j < sig->n_el; j++, k = 0) {
        const vgi_el *e = &sig->el[j];
        if (e->kind == VGI_EL_BYTES) {
            for (; k < e->len && left > 0; k++, left--)
                sb_byte(&b, sig->val[e->off + k], sig->mask[e->off + k]);
        } else {
            sb_alt(&b, sig, e);
            left -= e->min;
        }
    }
    if (b.failed) {
        vg_free(b.s);
        return VG_ERR_NOMEM;
    }
    *out = b.s;
    return VG_OK;
}

/* ---- entry points ---- */

vg_error vgi_atom_choose(const vgi_body_sig *sig, vgi_atom *out)
{
    if (out == NULL)
        return VG_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (sig == NULL)
        return VG_ERR_INVALID_ARG;

    pthread_once(&tables_once, build_tables);
    uint8_t *common = vg_calloc(sig->n_bytes ? sig->n_bytes : 1, 1);
    if (common == NULL)
        return VG_ERR_NOMEM;
    mark_common(sig, common);
    /* Two candidates: the best window of exact bytes only, and the best
     * window of all. Hyperscan compiles pure literals an order of magnitude
     * faster and smaller than windows with classes and dots (20,000 mixed
     * atoms: 20 s and 500 MB), so the literal wins whenever it is rare
     * enough on its own (LITERAL_ENOUGH bits: about one chance hit per
     * terabyte and signature) or no worse than the mixed one. */
    window best = {0, 0, 0, 0.0}, lit = {0, 0, 0, 0.0};
    for (int pass = 0; pass < 2; pass++) {
        unit *units;
        size_t n = build_units(sig, common, pass == 0, &units);
        if (units == NULL) {
            vg_free(common);
            return VG_ERR_NOMEM;
        }
        choose_window(units, n, pass == 0 ? &lit : &best);
        vg_free(units);
    }
    vg_free(common);
    if (lit.len > 0 && (lit.bits >= LITERAL_ENOUGH || lit.bits + BITS_EPS >= best.bits))
        best = lit;
    if (best.len == 0 || best.bits <= BITS_EPS)
        return VG_ERR_UNSUPPORTED;

    char *expr = NULL;
    vg_error err = emit(sig, &best, &expr);
    if (err != VG_OK)
        return err;
    out->el = best.el;
    out->byte = best.byte;
    out->len = best.len;
    out->bits = best.bits;
    out->expr = expr;
    return VG_OK;
}

void vgi_atom_cleanup(vgi_atom *atom)
{
    if (atom == NULL)
        return;
    vg_free(atom->expr);
    memset(atom, 0, sizeof *atom);
}
