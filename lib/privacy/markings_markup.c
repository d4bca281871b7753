/* Marking detector, markup view: HTML and XML (an OOXML word/document.xml,
 * an ODF content.xml) read as the lines a reader would see.
 *
 *     <w:p><w:r><w:t>TOP SEC</w:t></w:r><w:r><w:t>RET//NOFORN</w:t></w:r></w:p>
 *         -> one line "TOP SECRET//NOFORN" (runs joined, the paragraph ends it)
 *     <p>SECRET &amp; <b>more</b><br>(S) text</p>
 *         -> "SECRET & more", "(S) text"
 *
 * Tags are dropped; block-level tags (p, div, br, tr, td, li, h1-h6 ... and
 * by local name w:p, w:br, w:tc, text:p, text:h, table:table-row ...) end a
 * line; raw newlines are spaces, as a browser shows them, except inside
 * <pre>. <script> and <style> bodies, comments and processing instructions
 * are skipped; CDATA is text. Entities &amp; &lt; &gt; &quot; &apos; &nbsp;
 * &#NNN; &#xHH; (and a few typographic ones) are decoded; each decoded byte
 * keeps the offset of its '&'. One pass, no recursion, no allocation: a tag
 * is skipped with bounded look-ahead into the buffer. */
#include "markings_int.h"

#include <string.h>

#define NAME_MAX_ 32
#define QUOTE_MAX 65536 /* an unclosed quote stops mattering after this */

static int lc(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
           c == '_' || c == '-' || c == '.';
}

static const char *const block_names[] = {
    "p",          "div",   "br",      "tr",      "td",          "th",          "li",
    "h1",         "h2",    "h3",      "h4",      "h5",          "h6",          "title",
    "table",      "ul",    "ol",      "dl",      "dt",          "dd",          "blockquote",
    "pre",        "hr",    "section", "article", "header",      "footer",      "nav",
    "aside",      "body",  "head",    "html",    "address",     "center",      "caption",
    "figcaption", "tbody", "thead",   "tfoot",   "option",      "form",        "main",
    "h",          "cr",    "tc",      "tbl",     "table-row",   "table-cell",  "line-break",
    "list-item",  "list",  "hdr",     "ftr",     "txbxcontent", "list-header", "fieldset",
};

static int is_block(const char *local)
{
    for (size_t k = 0; k < sizeof block_names / sizeof block_names[0]; k++)
        if (strcmp(local, block_names[k]) == 0)
            return 1;
    return 0;
}

/* Skips the body of <script>/<style> up to and including its end tag. */
static size_t skip_raw(const uint8_t *p, size_t n, size_t i, const char *name)
{
    size_t l = strlen(name);
    while (i < n) {
        const uint8_t *h = memchr(p + i, '<', n - i);
        if (h == NULL)
            return n;
        i = (size_t)(h - p) + 1;
        if (i < n && p[i] == '/' && n - i - 1 >= l) {
            size_t k = 0;
            while (k < l && lc(p[i + 1 + k]) == name[k])
                k++;
            if (k == l) {
                const uint8_t *g = memchr(p + i, '>', n - i);
                return g ? (size_t)(g - p) + 1 : n;
            }
        }
    }
    return n;
}

static size_t skip_past(const uint8_t *p, size_t n, size_t i, const char *end)
{
    const uint8_t *h = memmem(p + i, n - i, end, strlen(end));
    return h ? (size_t)(h - p) + strlen(end) : n;
}

/* One tag at p[i] == '<'; returns the position after it. */
static size_t tag(const uint8_t *p, size_t n, size_t i, vgi_mark_lb *lb, int *pre)
{
    size_t j = i + 1;
    if (j < n && p[j] == '!') {
        if (n - j >= 3 && memcmp(p + j, "!--", 3) == 0)
            return skip_past(p, n, j + 3, "-->");
        if (n - j >= 8 && memcmp(p + j, "![CDATA[", 8) == 0) {
            size_t k = j + 8;
            size_t e = skip_past(p, n, k, "]]>");
            size_t stop = e == n && (n - k < 3 || memcmp(p + n - 3, "]]>", 3) != 0) ? n : e - 3;
            for (; k < stop; k++)
                vgi_mark_lb_byte(lb, p[k] == '\n' || p[k] == '\r' ? ' ' : p[k], k, k + 1);
            return e;
        }
        return skip_past(p, n, j, ">");
    }
    if (j < n && p[j] == '?')
        return skip_past(p, n, j, ">");
    int closing = 0;
    if (j < n && p[j] == '/') {
        closing = 1;
        j++;
    }
    if (j >= n || !name_char(p[j]) || p[j] == '-' || p[j] == '.') {
        vgi_mark_lb_byte(lb, '<', i, i + 1); /* "a < b": text */
        return i + 1;
    }
    char name[NAME_MAX_ + 1];
    size_t nl = 0, colon = 0;
    while (j < n && name_char(p[j])) {
        if (nl < NAME_MAX_) {
            if (p[j] == ':')
                colon = nl + 1;
            name[nl++] = (char)lc(p[j]);
        }
        j++;
    }
    name[nl] = '\0';
    /* attributes: to the '>' that is outside quotes */
    int selfclose = 0;
    while (j < n && p[j] != '>') {
        if (p[j] == '"' || p[j] == '\'') {
            size_t lim = n - j - 1 < QUOTE_MAX ? n - j - 1 : QUOTE_MAX;
            const uint8_t *q = memchr(p + j + 1, p[j], lim);
            if (q != NULL) {
                j = (size_t)(q - p) + 1;
                continue;
            }
        }
        selfclose = p[j] == '/';
        j++;
    }
    size_t after = j < n ? j + 1 : n;
    const char *local = name + colon;
    if (colon == 0 && !closing && !selfclose &&
        (strcmp(name, "script") == 0 || strcmp(name, "style") == 0))
        return skip_raw(p, n, after, name);
    if (strcmp(local, "pre") == 0 && colon == 0)
        *pre = !closing && !selfclose;
    if (is_block(local)) {
        vgi_mark_lb_flush(lb);
    } else if (strcmp(local, "tab") == 0 ||
               (colon == 5 && memcmp(name, "text:s", 6) == 0 && local[1] == '\0')) {
        vgi_mark_lb_byte(lb, ' ', i, after);
    }
    return after;
}

static const struct {
    const char *name;
    uint32_t cp;
} entities[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
    {"apos", '\''},    {"nbsp", 0xA0},    {"mdash", 0x2014}, {"ndash", 0x2013},
    {"bull", 0x2022},  {"copy", 0xA9},    {"reg", 0xAE},     {"hellip", 0x2026},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
};

/* An entity at p[i] == '&'; returns the position after it. */
static size_t entity(const uint8_t *p, size_t n, size_t i, vgi_mark_lb *lb)
{
    size_t j = i + 1, lim = n - j < 12 ? n - j : 12;
    const uint8_t *semi = memchr(p + j, ';', lim);
    if (semi == NULL) {
        vgi_mark_lb_byte(lb, '&', i, i + 1);
        return i + 1;
    }
    size_t e = (size_t)(semi - p), l = e - j;
    uint32_t cp = 0;
    int ok = 0;
    if (l >= 2 && p[j] == '#') {
        int hex = p[j + 1] == 'x' || p[j + 1] == 'X';
        size_t k = j + 1 + (size_t)hex;
        ok = k < e;
        for (; k < e && ok; k++) {
            int c = p[k], d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && lc(c) >= 'a' && lc(c) <= 'f')
                d = lc(c) - 'a' + 10;
            else {
                ok = 0;
                break;
            }
            cp = cp * (hex ? 16u : 10u) + (uint32_t)d;
            if (cp > 0x10FFFF)
                ok = 0;
        }
    } else {
        for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++)
            if (strlen(entities[k].name) == l && memcmp(p + j, entities[k].name, l) == 0) {
                cp = entities[k].cp;
                ok = 1;
                break;
            }
    }
    if (!ok) {
        vgi_mark_lb_byte(lb, '&', i, i + 1);
        return i + 1;
    }
    if (cp == '\n' || cp == '\r' || cp == '\t')
        cp = ' ';
    vgi_mark_lb_cp(lb, cp, i, e + 1);
    return e + 1;
}

void vgi_mark_view_markup(const uint8_t *p, size_t n, vgi_mark_lb *lb)
{
    size_t i = 0;
    int pre = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == '<') {
            i = tag(p, n, i, lb, &pre);
        } else if (c == '&') {
            i = entity(p, n, i, lb);
        } else if (c == '\r' || c == '\n') {
            if (pre) {
                vgi_mark_lb_flush(lb);
                if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
                    i++;
            } else {
                vgi_mark_lb_byte(lb, ' ', i, i + 1);
            }
            i++;
        } else {
            vgi_mark_lb_byte(lb, c, i, i + 1);
            i++;
        }
    }
    vgi_mark_lb_flush(lb);
}
