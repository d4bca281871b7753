/* Marking detector rules: what one line is. Structure, not words: a line
 * counts only when its shape is a marking's shape.
 *
 *     "TOP SECRET//SI//NOFORN"            banner, strong (control markings)
 *     "*** SECRET ***"                    banner, bare level: weak alone
 *     "Classification: SECRET//NOFORN"    banner behind a mail/memo label
 *     "//GBR SECRET//REL TO USA, GBR"     foreign (FGI) banner, strong
 *     "NATO SECRET", "UK SECRET"          NATO / UK level line: medium
 *     "COSMIC TOP SECRET", "UK SECRET UK EYES ONLY"   NATO / UK, strong
 *     "(S//NF) The unit ..."              portion mark with controls
 *     "2. (C) The meeting ..."            bare portion mark after a paragraph number
 *     "Derived From: NSA/CSSM 1-52"       authority line (a block when 2+ labels are close)
 *
 * and these are nothing: "The memo, marked TOP SECRET//SI, said" (the marking
 * is not the whole line), "Company Confidential", "Top Secret recipe"
 * (level words are upper case only), "(C) 2024 Acme Corp." (copyright),
 * "(S)-ibuprofen" (no space after the mark), "file(s)" (not line-initial).
 * A line-initial "(A)", "(B)", "(D)" ... is remembered as a lettered list:
 * the scorer then does not read bare "(C)" / "(S)" as portion marks.
 *
 * Each check looks at the first bytes of the trimmed line before doing any
 * work, so ordinary prose costs a few comparisons per line. */
#include "markings_int.h"

#include <string.h>

#define NORM_MAX 256 /* a banner longer than this is prose */

static uint32_t src_beg(const vgi_mark_line *ln, size_t i)
{
    return ln->beg ? ln->beg[i] : ln->off + (uint32_t)i;
}

static uint32_t src_end(const vgi_mark_line *ln, size_t i)
{
    return ln->end ? ln->end[i] : ln->off + (uint32_t)i + 1;
}

static void item_set(vgi_mark_item *it, const vgi_mark_line *ln, size_t a, size_t z,
                     const char *text, size_t tlen)
{
    it->off = src_beg(ln, a);
    uint32_t e = src_end(ln, z - 1);
    it->len = e > it->off ? e - it->off : 0;
    if (tlen > sizeof it->text - 1)
        tlen = sizeof it->text - 1;
    memcpy(it->text, text, tlen);
    it->text[tlen] = '\0';
}

static int is_upper(int c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_lower(int c)
{
    return c >= 'a' && c <= 'z';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int lower(int c)
{
    return is_upper(c) ? c + 32 : c;
}

/* Length of a decoration or space at s[i] (0: none): banners come framed
 * in "***", "---", "===", bullets, quoting ">" and no-break spaces. */
static size_t deco_at(const unsigned char *s, size_t n, size_t i)
{
    switch (s[i]) {
    case ' ':
    case '\t':
    case '*':
    case '-':
    case '=':
    case '_':
    case '#':
    case '>':
    case '|':
    case '~':
    case 0xA0:
        return 1;
    case 0xC2:
        return i + 1 < n && s[i + 1] == 0xA0 ? 2 : 0;
    case 0xEF:
        return i + 2 < n && s[i + 1] == 0xBB && s[i + 2] == 0xBF ? 3 : 0;
    case 0xE2: /* bullet, en and em dash */
        return i + 2 < n && s[i + 1] == 0x80 &&
                       (s[i + 2] == 0xA2 || s[i + 2] == 0x93 || s[i + 2] == 0x94)
                   ? 3
                   : 0;
    default:
        return 0;
    }
}

/* Trailing decoration ending at s[z-1]: its length, 0 if none. */
static size_t deco_before(const unsigned char *s, size_t a, size_t z)
{
    unsigned char c = s[z - 1];
    if (c == ' ' || c == '\t' || c == '*' || c == '-' || c == '=' || c == '_' || c == '#' ||
        c == '|' || c == '~')
        return 1;
    if (c == 0xA0) {
        if (z - 1 > a && s[z - 2] == 0xC2)
            return 2;
        if (z - 1 > a && s[z - 2] >= 0xC0)
            return 0; /* a UTF-8 letter such as U+00E0 */
        return 1;
    }
    if (z - a >= 3 && s[z - 3] == 0xE2 && s[z - 2] == 0x80 && (c == 0xA2 || c == 0x93 || c == 0x94))
        return 3;
    return 0;
}

static int ci_prefix(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n < l)
        return 0;
    for (size_t i = 0; i < l; i++)
        if (lower((unsigned char)s[i]) != lit[i])
            return 0;
    return 1;
}

static int has_sub(const char *s, size_t n, const char *lit)
{
    return memmem(s, n, lit, strlen(lit)) != NULL;
}

/* "Classification:" or "Subject:" label at s[0..n): bytes to skip, 0 if absent. */
static size_t label_len(const char *s, size_t n, const char *lit)
{
    if (!ci_prefix(s, n, lit))
        return 0;
    size_t i = strlen(lit);
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i >= n || s[i] != ':')
        return 0;
    i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* ---- banners ---- */

/* Copies t = line[a..z) collapsing spaces and dropping them around '/':
 * "TOP SECRET // SI // NOFORN" -> "TOP SECRET//SI//NOFORN". idx[k] is the
 * line position of t[k]. Returns the length, 0 if too long. */
static size_t normalise(const unsigned char *s, size_t a, size_t z, char *t, uint16_t *idx)
{
    size_t m = 0;
    int space = 0;
    for (size_t i = a; i < z; i++) {
        unsigned char c = s[i];
        if (c == ' ' || c == '\t' || c == 0xA0 || (c == 0xC2 && i + 1 < z && s[i + 1] == 0xA0)) {
            space = 1;
            continue;
        }
        if (m + 2 >= NORM_MAX)
            return 0;
        if (space && c != '/' && m > 0 && t[m - 1] != '/') {
            t[m] = ' ';
            idx[m++] = (uint16_t)(i - 1);
        }
        space = 0;
        t[m] = (char)c;
        idx[m++] = (uint16_t)i;
    }
    return m;
}

static int banner_register(vgi_mark_rules *r, const vgi_mark_banner_hit *h, const vgi_mark_line *ln,
                           size_t a, size_t z, const char *t, size_t m)
{
    vgi_mark_item it;
    item_set(&it, ln, a, z, t, m);
    for (unsigned k = 0; k < r->nbanner; k++) {
        vgi_mark_banner *b = &r->banner[k];
        if (b->family == h->family && strcmp(b->first.text, it.text) == 0) {
            b->count++;
            b->last = it;
            return (int)k;
        }
    }
    if (r->nbanner >= VGI_MARK_BANNERS)
        return -1;
    vgi_mark_banner *b = &r->banner[r->nbanner];
    b->first = it;
    b->last = it;
    b->count = 1;
    b->family = h->family;
    b->strong = h->strong;
    return (int)r->nbanner++;
}

static int try_banner(vgi_mark_rules *r, const vgi_mark_line *ln, size_t a, size_t z)
{
    const char *s = ln->s + a;
    size_t n = z - a;
    char c = s[0];
    if (c != 'T' && c != 'S' && c != 'C' && c != 'N' && c != 'U' && c != '/' && c != 'c')
        return -1;
    size_t skip = label_len(s, n, "classification");
    if (skip == 0 && !(n >= 6 && (memcmp(s, "TOP SE", 6) == 0 || memcmp(s, "SECRET", 6) == 0 ||
                                  memcmp(s, "CONFID", 6) == 0 || memcmp(s, "COSMIC", 6) == 0 ||
                                  memcmp(s, "NATO ", 5) == 0 || memcmp(s, "UK ", 3) == 0 ||
                                  memcmp(s, "//", 2) == 0)))
        return -1;
    a += skip;
    if (a >= z || z - a > 2 * NORM_MAX)
        return -1;
    char t[NORM_MAX];
    uint16_t idx[NORM_MAX];
    size_t m = normalise((const unsigned char *)ln->s, a, z, t, idx);
    vgi_mark_banner_hit h;
    if (m == 0 || !vgi_mark_banner_parse(t, m, &h))
        return -1;
    return banner_register(r, &h, ln, idx[0], (size_t)idx[m - 1] + 1, t, m);
}

/* ---- portion marks ---- */

static void portion_keep(vgi_mark_rules *r, const vgi_mark_line *ln, size_t a, size_t z, int cls,
                         int ctrl)
{
    if (cls)
        ctrl ? r->n_cls_ctrl++ : r->n_cls_bare++;
    else
        ctrl ? r->n_unc_ctrl++ : r->n_unc_bare++;
    if (r->nportion_kept >= VGI_MARK_PORTIONS)
        return;
    vgi_mark_portion *p = &r->portion[r->nportion_kept++];
    char t[NORM_MAX];
    uint16_t idx[NORM_MAX];
    size_t m = normalise((const unsigned char *)ln->s, a, z, t, idx);
    item_set(&p->it, ln, a, z, t, m);
    p->level = cls;
    p->ctrl = ctrl;
}

static void try_portion(vgi_mark_rules *r, const vgi_mark_line *ln, size_t a, size_t z)
{
    const char *s = ln->s;
    size_t i = a;
    size_t skip = label_len(s + i, z - i, "subject");
    if (skip == 0)
        skip = label_len(s + i, z - i, "subj");
    i += skip;
    if (i >= z)
        return;
    /* paragraph number: "1.", "2.a.", "b.", "12)" */
    if (is_digit((unsigned char)s[i]) || is_lower((unsigned char)s[i])) {
        size_t b = i;
        while (i < z && i - b < 12 &&
               (is_digit((unsigned char)s[i]) || is_lower((unsigned char)s[i]) || s[i] == '.'))
            i++;
        if (i < z && s[i] == ')')
            i++;
        if (i >= z || (s[i - 1] != '.' && s[i - 1] != ')') || s[i] != ' ')
            return;
        while (i < z && s[i] == ' ')
            i++;
    }
    if (i + 2 >= z || s[i] != '(')
        return;
    size_t open = i, close = i + 1;
    while (close < z && close - open < 72 && s[close] != ')')
        close++;
    if (close >= z || s[close] != ')' || close == open + 1)
        return;
    /* what follows must be a space or the end: "(S)-ibuprofen" is chemistry */
    size_t after = close + 1;
    if (after < z && s[after] != ' ' && s[after] != '\t' && (unsigned char)s[after] != 0xC2)
        return;
    const char *c = s + open + 1;
    size_t cl = close - open - 1;
    if (skip == 0 && open == a && cl == 1 && is_upper((unsigned char)c[0]) && c[0] != 'C' &&
        c[0] != 'S' && c[0] != 'U') {
        if (r->n_list++ == 0)
            r->list_off = src_beg(ln, open);
        return;
    }
    static const struct {
        const char *l;
        int cls;
    } lv[] = {{"CTS", 1}, {"TS", 1}, {"NS", 1}, {"NC", 1}, {"NR", 1},
              {"NU", 0},  {"S", 1},  {"C", 1},  {"U", 0}};
    for (size_t k = 0; k < sizeof lv / sizeof lv[0]; k++) {
        size_t l = strlen(lv[k].l);
        if (cl < l || memcmp(c, lv[k].l, l) != 0)
            continue;
        if (cl == l) {
            if (c[0] == 'C' && l == 1) {
                /* "(C) 2024 Acme Corp. All rights reserved." */
                size_t j = after;
                while (j < z && s[j] == ' ')
                    j++;
                if ((j < z && is_digit((unsigned char)s[j])) ||
                    has_sub(s + after, z - after, "opyright") ||
                    has_sub(s + after, z - after, "OPYRIGHT") ||
                    has_sub(s + after, z - after, "ights reserved") ||
                    has_sub(s + after, z - after, "IGHTS RESERVED") ||
                    has_sub(s + after, z - after, "ights Reserved"))
                    return;
            }
            portion_keep(r, ln, open, close + 1, lv[k].cls, 0);
            return;
        }
        if (c[l] != '/')
            return;
        size_t letters = 0;
        for (size_t j = l; j < cl; j++) {
            int ch = (unsigned char)c[j];
            if (is_upper(ch))
                letters++;
            else if (!(is_digit(ch) || ch == '/' || ch == ' ' || ch == ',' || ch == '-' ||
                       ch == '_'))
                return;
        }
        if (letters == 0)
            return;
        portion_keep(r, ln, open, close + 1, lv[k].cls, 1);
        return;
    }
}

/* ---- authority blocks ---- */

static const struct {
    const char *label;
    int kind;
} auth_labels[] = {
    {"classified by", VGI_MARK_AUTH_CLBY}, {"cl by", VGI_MARK_AUTH_CLBY},
    {"derived from", VGI_MARK_AUTH_DRV},   {"drv from", VGI_MARK_AUTH_DRV},
    {"declassify on", VGI_MARK_AUTH_DECL}, {"decl on", VGI_MARK_AUTH_DECL},
    {"decl", VGI_MARK_AUTH_DECL},          {"reasons", VGI_MARK_AUTH_REASON},
    {"reason", VGI_MARK_AUTH_REASON},
};

static void auth_seen(vgi_mark_rules *r, int kind, uint32_t off)
{
    long line = (long)r->line_no;
    for (int j = 0; j < VGI_MARK_AUTH_KINDS; j++) {
        if (j == kind || r->auth_last_line[j] < 0 ||
            line - r->auth_last_line[j] > VGI_MARK_BLOCK_GAP)
            continue;
        if (!r->auth_block) {
            r->auth_block = 1;
            r->auth_block_off = r->auth_last_off[j] < off ? r->auth_last_off[j] : off;
        }
    }
    r->auth_last_line[kind] = line;
    r->auth_last_off[kind] = off;
    r->auth_mask |= 1u << kind;
}

static void try_authority(vgi_mark_rules *r, const vgi_mark_line *ln, size_t a, size_t z)
{
    const char *s = ln->s + a;
    size_t n = z - a;
    int c = lower((unsigned char)s[0]);
    if (c != 'c' && c != 'd' && c != 'r')
        return;
    for (size_t k = 0; k < sizeof auth_labels / sizeof auth_labels[0]; k++) {
        size_t skip = label_len(s, n, auth_labels[k].label);
        if (skip == 0 || skip >= n)
            continue;
        int kind = auth_labels[k].kind;
        int reason = has_sub(s + skip, n - skip, "1.4");
        if (kind == VGI_MARK_AUTH_REASON && !reason)
            return;
        uint32_t off = src_beg(ln, a);
        if (r->nauth_kept < VGI_MARK_AUTHS) {
            char t[NORM_MAX];
            uint16_t idx[NORM_MAX];
            size_t zz = n > NORM_MAX - 8 ? a + NORM_MAX - 8 : z;
            size_t m = normalise((const unsigned char *)ln->s, a, zz, t, idx);
            item_set(&r->auth[r->nauth_kept], ln, a, z, t, m);
            r->auth_kind[r->nauth_kept++] = kind;
        }
        auth_seen(r, kind, off);
        /* "Classified By: J. Smith, Reasons 1.4(b) and (d)": two labels, one line */
        if (kind == VGI_MARK_AUTH_CLBY && reason)
            auth_seen(r, VGI_MARK_AUTH_REASON, off);
        return;
    }
}

/* ---- one line ---- */

void vgi_mark_rules_init(vgi_mark_rules *r)
{
    memset(r, 0, sizeof *r);
    r->top_banner = -1;
    r->last_banner = -1;
    for (int k = 0; k < VGI_MARK_AUTH_KINDS; k++)
        r->auth_last_line[k] = -1;
}

void vgi_mark_rules_line(vgi_mark_rules *r, const vgi_mark_line *ln)
{
    const unsigned char *s = (const unsigned char *)ln->s;
    size_t a = 0, z = ln->n, d;
    while (a < z && (d = deco_at(s, z, a)) > 0)
        a += d;
    if (a >= z)
        return; /* blank, or only a rule of dashes: not a line for top/bottom */
    r->line_no++;
    int bidx = -1;
    if (!ln->cut) {
        size_t zz = z;
        while (zz > a && (d = deco_before(s, a, zz)) > 0)
            zz -= d;
        bidx = try_banner(r, ln, a, zz);
    }
    if (bidx < 0) {
        try_portion(r, ln, a, z);
        try_authority(r, ln, a, z);
    }
    if (!r->first_seen) {
        r->first_seen = 1;
        r->top_banner = bidx;
    }
    r->last_banner = bidx;
}
