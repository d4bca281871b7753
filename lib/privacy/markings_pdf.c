/* Marking detector, PDF view: the text of a (decoded) content stream, one
 * line per text line on the page.
 *
 *     BT /F1 12 Tf 72 760 Td (TOP SECRET//NOFORN) Tj
 *     0 -24 Td [(\(S\) The ) -300 (unit)] TJ ET
 *         -> "TOP SECRET//NOFORN", "(S) The unit"
 *
 * Strings are the operands of Tj, TJ, ' and " inside BT ... ET: literal
 * "(...)" with nesting and escapes (\n \( \\ \ddd, line continuations) and
 * hex "<...>" (NUL bytes dropped, so 2-byte codes of plain ASCII fonts
 * read). Td/TD with a vertical move, T*, Tm, ET and BT end a line; Td with no
 * vertical move and a TJ gap wider than 200/1000 em are a space; ' and "
 * start a new line before their string. Strings that end up operands of
 * other operators (marked-content /ActualText, ...) are dropped.
 *
 * Text in fonts with custom encodings (subset CID fonts without a usable
 * code map) is not readable without the font: such a PDF is a known limit. */
#include "markings_int.h"

#include <string.h>

static int pdf_space(int c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0;
}

static int pdf_delim(int c)
{
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
           c == '}' || c == '/' || c == '%';
}

typedef struct pdf {
    vgi_mark_lb *lb;
    int in_text;
    int in_array;
    size_t pend;  /* line position where the current operands' text began */
    int has_pend; /* strings were read since the last operator */
    long num[2];  /* the last two numbers (integer parts) */
    int frac[2];  /* ... and whether they had a non-zero fraction */
} pdf;

static void push_num(pdf *st, long v, int frac)
{
    st->num[0] = st->num[1];
    st->frac[0] = st->frac[1];
    st->num[1] = v;
    st->frac[1] = frac;
}

static void mark_pend(pdf *st)
{
    if (!st->has_pend) {
        st->has_pend = 1;
        st->pend = st->lb->n;
    }
}

static void put(pdf *st, uint8_t c, size_t b, size_t e)
{
    if (!st->in_text)
        return;
    mark_pend(st);
    vgi_mark_lb_cp(st->lb, c, b, e);
}

/* Literal string at p[i] == '('; returns the position after it. */
static size_t literal(pdf *st, const uint8_t *p, size_t n, size_t i)
{
    long nest = 1;
    size_t j = i + 1;
    while (j < n) {
        uint8_t c = p[j];
        if (c == '(') {
            nest++;
        } else if (c == ')') {
            if (--nest == 0)
                return j + 1;
        } else if (c == '\\' && j + 1 < n) {
            size_t b = j;
            uint8_t d = p[j + 1];
            j += 2;
            switch (d) {
            case 'n':
            case 'r':
            case 't':
            case 'f':
            case 'b':
                put(st, ' ', b, j);
                break;
            case '\r':
                if (j < n && p[j] == '\n')
                    j++;
                break;
            case '\n':
                break;
            default:
                if (d >= '0' && d <= '7') {
                    unsigned v = d - '0';
                    for (int k = 0; k < 2 && j < n && p[j] >= '0' && p[j] <= '7'; k++)
                        v = v * 8 + (p[j++] - '0');
                    put(st, (uint8_t)v, b, j);
                } else {
                    put(st, d, b, j);
                }
            }
            continue;
        }
        if (c != '\r' && c != '\n')
            put(st, c, j, j + 1);
        else
            put(st, ' ', j, j + 1);
        j++;
    }
    return n;
}

/* Hex string at p[i] == '<' (not "<<"); returns the position after it. */
static size_t hexstr(pdf *st, const uint8_t *p, size_t n, size_t i)
{
    size_t j = i + 1, b = j;
    int hi = -1;
    for (; j < n && p[j] != '>'; j++) {
        int c = p[j], v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
            b = j;
        } else {
            if (hi * 16 + v != 0)
                put(st, (uint8_t)(hi * 16 + v), b, j + 1);
            hi = -1;
        }
    }
    if (hi > 0)
        put(st, (uint8_t)(hi * 16), b, j);
    return j < n ? j + 1 : n;
}

static void end_line(pdf *st)
{
    vgi_mark_lb_flush(st->lb);
    st->has_pend = 0;
}

static void op(pdf *st, const char *w, size_t l, size_t b, size_t e)
{
    vgi_mark_lb *lb = st->lb;
    int show = (l == 2 && (memcmp(w, "Tj", 2) == 0 || memcmp(w, "TJ", 2) == 0));
    int quote = l == 1 && (w[0] == '\'' || w[0] == '"');
    if (l == 2 && memcmp(w, "BT", 2) == 0) {
        end_line(st);
        st->in_text = 1;
    } else if (l == 2 && memcmp(w, "ET", 2) == 0) {
        end_line(st);
        st->in_text = 0;
    } else if (quote && st->has_pend) {
        /* ' and ": move to the next line, then show the string just read */
        size_t keep = lb->n - st->pend, at = st->pend;
        lb->n = at;
        vgi_mark_lb_flush(lb); /* leaves the bytes past at in place */
        memmove(lb->s, lb->s + at, keep);
        memmove(lb->beg, lb->beg + at, keep * sizeof lb->beg[0]);
        memmove(lb->end, lb->end + at, keep * sizeof lb->end[0]);
        lb->n = keep;
    } else if (quote) {
        end_line(st);
    } else if (l == 2 && (memcmp(w, "Td", 2) == 0 || memcmp(w, "TD", 2) == 0)) {
        if (st->num[1] == 0 && !st->frac[1]) {
            if (lb->n > 0)
                vgi_mark_lb_byte(lb, ' ', b, e);
        } else {
            end_line(st);
        }
    } else if ((l == 2 && (memcmp(w, "T*", 2) == 0 || memcmp(w, "Tm", 2) == 0))) {
        end_line(st);
    } else if (!show && st->has_pend) {
        lb->n = st->pend; /* strings that were not shown */
        lb->cut = 0;
    }
    st->has_pend = 0;
}

void vgi_mark_view_pdf(const uint8_t *p, size_t n, vgi_mark_lb *lb)
{
    pdf st;
    memset(&st, 0, sizeof st);
    st.lb = lb;
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (pdf_space(c)) {
            i++;
        } else if (c == '%') {
            while (i < n && p[i] != '\n' && p[i] != '\r')
                i++;
        } else if (c == '(') {
            i = literal(&st, p, n, i);
        } else if (c == '<') {
            if (i + 1 < n && p[i + 1] == '<')
                i += 2;
            else
                i = hexstr(&st, p, n, i);
        } else if (c == '[') {
            st.in_array = 1;
            i++;
        } else if (c == ']') {
            st.in_array = 0;
            i++;
        } else if (c == '/') {
            i++;
            while (i < n && !pdf_space(p[i]) && !pdf_delim(p[i]))
                i++;
        } else if (c == '>' || c == ')' || c == '{' || c == '}') {
            i++;
        } else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
            int neg = c == '-', frac = 0, dot = 0;
            long v = 0;
            size_t j = i + (c == '-' || c == '+');
            for (; j < n && ((p[j] >= '0' && p[j] <= '9') || p[j] == '.'); j++) {
                if (p[j] == '.')
                    dot = 1;
                else if (dot)
                    frac |= p[j] != '0';
                else if (v < 100000000)
                    v = v * 10 + (p[j] - '0');
            }
            if (neg)
                v = -v;
            push_num(&st, v, frac);
            /* a wide gap inside a TJ array is a space between words */
            if (st.in_array && st.in_text && v <= -200 && st.lb->n > 0)
                put(&st, ' ', i, j);
            i = j > i ? j : i + 1;
        } else {
            size_t j = i;
            while (j < n && !pdf_space(p[j]) && !pdf_delim(p[j]) && j - i < 16)
                j++;
            if (j == i)
                j = i + 1;
            op(&st, (const char *)p + i, j - i, i, j);
            i = j;
        }
    }
    vgi_mark_lb_flush(lb);
}
