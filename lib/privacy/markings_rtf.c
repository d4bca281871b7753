/* Marking detector, RTF view: the text a word processor would show, one
 * line per paragraph.
 *
 *     {\rtf1{\fonttbl{\f0 Arial;}}\pard\qc\b TOP SECRET//NOFORN\b0\par
 *     \pard (S) The unit\'92s report ...\par}
 *         -> "TOP SECRET//NOFORN", "(S) The unit's report ..."
 *
 * Control words are dropped; \par, \line, \row, \cell, \page, \sect end a
 * line; \tab is a space; \'hh is a Windows-1252 byte (read as Latin-1), \uN
 * a code point whose \ucN fallback characters are skipped. Groups that are
 * not body text are skipped whole: \fonttbl, \colortbl, \stylesheet, \info,
 * \pict, \objdata, every \* destination ... Headers and footers (\header,
 * \footer) are kept: that is where classification banners live.
 *
 * Nesting is a counter, not recursion: to skip a group we remember its
 * depth and drop everything until the depth falls below it. */
#include "markings_int.h"

#include <string.h>

static const char *const skip_dest[] = {
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "objdata",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "themedata",
    "colorschememapping",
    "latentstyles",
    "datastore",
    "filetbl",
    "revtbl",
    "pgdsctbl",
    "fldinst",
    "bkmkstart",
    "bkmkend",
    "nonshppict",
    "blipuid",
    "mmathPr",
    "operator",
};

static int in_list(const char *w, size_t l, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strlen(list[k]) == l && memcmp(w, list[k], l) == 0)
            return 1;
    return 0;
}

static int word_is(const char *w, size_t l, const char *lit)
{
    return strlen(lit) == l && memcmp(w, lit, l) == 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

typedef struct rtf {
    long depth;
    long skip; /* skipping while depth >= skip; 0: not skipping */
    int group_start;
    long uc;      /* fallback characters after \u */
    long pending; /* fallback characters still to drop */
    vgi_mark_lb *lb;
} rtf;

static void text(rtf *st, uint32_t cp, size_t b, size_t e)
{
    if (st->skip)
        return;
    if (st->pending > 0) {
        st->pending--;
        return;
    }
    vgi_mark_lb_cp(st->lb, cp, b, e);
}

/* A control word w (l letters) with parameter param (has_param) at p[b..e). */
static void control(rtf *st, const char *w, size_t l, long param, int has_param, size_t b, size_t e)
{
    if (st->group_start && in_list(w, l, skip_dest, sizeof skip_dest / sizeof skip_dest[0]) &&
        !st->skip)
        st->skip = st->depth;
    st->group_start = 0;
    if (st->skip)
        return;
    if (word_is(w, l, "par") || word_is(w, l, "line") || word_is(w, l, "row") ||
        word_is(w, l, "cell") || word_is(w, l, "page") || word_is(w, l, "sect")) {
        st->pending = 0;
        vgi_mark_lb_flush(st->lb);
    } else if (word_is(w, l, "tab")) {
        vgi_mark_lb_byte(st->lb, ' ', b, e);
    } else if (word_is(w, l, "uc") && has_param) {
        st->uc = param < 0 ? 0 : param > 8 ? 8 : param;
    } else if (word_is(w, l, "u") && has_param) {
        uint32_t cp = (uint32_t)(param < 0 ? param + 65536 : param);
        vgi_mark_lb_cp(st->lb, cp, b, e);
        st->pending = st->uc;
    } else if (word_is(w, l, "emdash") || word_is(w, l, "endash")) {
        vgi_mark_lb_byte(st->lb, '-', b, e);
    } else if (word_is(w, l, "lquote") || word_is(w, l, "rquote")) {
        vgi_mark_lb_byte(st->lb, '\'', b, e);
    } else if (word_is(w, l, "ldblquote") || word_is(w, l, "rdblquote")) {
        vgi_mark_lb_byte(st->lb, '"', b, e);
    }
}

void vgi_mark_view_rtf(const uint8_t *p, size_t n, vgi_mark_lb *lb)
{
    rtf st = {0, 0, 0, 1, 0, lb};
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == '{') {
            st.depth++;
            st.group_start = 1;
            i++;
        } else if (c == '}') {
            if (st.depth > 0)
                st.depth--;
            if (st.skip && st.depth < st.skip)
                st.skip = 0;
            st.group_start = 0;
            st.pending = 0;
            i++;
        } else if (c == '\r' || c == '\n') {
            i++;
        } else if (c != '\\') {
            st.group_start = 0;
            text(&st, c, i, i + 1);
            i++;
        } else if (i + 1 >= n) {
            i++;
        } else {
            size_t b = i;
            uint8_t d = p[i + 1];
            if ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z')) {
                size_t j = i + 1;
                while (j < n && j - i <= 32 &&
                       ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z')))
                    j++;
                const char *w = (const char *)p + i + 1;
                size_t l = j - i - 1;
                long param = 0;
                int neg = 0, has = 0;
                if (j < n && p[j] == '-') {
                    neg = 1;
                    j++;
                }
                while (j < n && p[j] >= '0' && p[j] <= '9' && has < 10) {
                    param = param * 10 + (p[j] - '0');
                    has++;
                    j++;
                }
                if (neg)
                    param = -param;
                if (j < n && p[j] == ' ')
                    j++;
                if (word_is(w, l, "bin") && has) {
                    /* raw bytes: never text */
                    size_t skipn = param > 0 ? (size_t)param : 0;
                    j = skipn > n - j ? n : j + skipn;
                    st.group_start = 0;
                } else {
                    control(&st, w, l, param, has > 0, b, j);
                }
                i = j;
            } else if (d == '\'') {
                int h1 = i + 2 < n ? hexval(p[i + 2]) : -1;
                int h2 = i + 3 < n ? hexval(p[i + 3]) : -1;
                st.group_start = 0;
                if (h1 >= 0 && h2 >= 0) {
                    text(&st, (uint32_t)(h1 * 16 + h2), b, i + 4);
                    i += 4;
                } else {
                    i += 2;
                }
            } else if (d == '*') {
                if (st.group_start && !st.skip)
                    st.skip = st.depth;
                i += 2;
            } else {
                st.group_start = 0;
                if (d == '\\' || d == '{' || d == '}')
                    text(&st, d, b, i + 2);
                else if (d == '~')
                    text(&st, ' ', b, i + 2);
                else if (d == '_')
                    text(&st, '-', b, i + 2);
                else if ((d == '\n' || d == '\r') && !st.skip)
                    vgi_mark_lb_flush(lb);
                i += 2;
            }
        }
    }
    vgi_mark_lb_flush(lb);
}
