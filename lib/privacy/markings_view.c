/* Marking detector views: which reading of the bytes to use, and the two
 * views that are only line splitting (plain text and UTF-16).
 *
 * The choice is made once per buffer, from its first bytes:
 *
 *     FF FE 53 00 45 00 ...        UTF-16 LE (BOM)        -> "utf16le"
 *     53 00 45 00 43 00 ...        UTF-16 LE (NULs odd)   -> "utf16le"
 *     EF BB BF  <html>...          markup (BOM, space, <) -> "markup"
 *     {\rtf1\ansi ...              RTF                    -> "rtf"
 *     q 1 0 0 1 0 0 cm BT ... Tj   PDF content stream     -> "pdf"
 *     EC A5 C1 00 ... 00 00 ...    NULs / control bytes   -> "binary"
 *     anything else                UTF-8 / Latin-1 text   -> "text"
 *
 * Plain text is the hot path (the server judges every object of every
 * upload): lines are the buffer itself, found with memchr, and each line
 * break is looked up once however the file ends its lines (CR, LF, CRLF,
 * FF), so a file of CRs alone stays linear. */
#include "markings_int.h"

#include <stdint.h>
#include <string.h>

/* ---- the line buffer of the transformed views ---- */

void vgi_mark_lb_byte(vgi_mark_lb *lb, unsigned char c, size_t b, size_t e)
{
    if (lb->n >= VG_MARK_MAX_LINE) {
        lb->cut = 1;
        return;
    }
    lb->s[lb->n] = (char)c;
    lb->beg[lb->n] = (uint32_t)b;
    lb->end[lb->n] = (uint32_t)e;
    lb->n++;
}

void vgi_mark_lb_cp(vgi_mark_lb *lb, uint32_t cp, size_t b, size_t e)
{
    if (cp == 0xA0 || cp == 0x2007 || cp == 0x202F || (cp >= 0x2000 && cp <= 0x200A))
        cp = ' ';
    if (cp == '\t')
        cp = ' ';
    if (cp < 0x20 || cp == 0x7F || cp == 0xFEFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return;
    if (cp < 0x80) {
        vgi_mark_lb_byte(lb, (unsigned char)cp, b, e);
    } else if (cp < 0x800) {
        vgi_mark_lb_byte(lb, (unsigned char)(0xC0 | (cp >> 6)), b, e);
        vgi_mark_lb_byte(lb, (unsigned char)(0x80 | (cp & 0x3F)), b, e);
    } else if (cp < 0x10000) {
        vgi_mark_lb_byte(lb, (unsigned char)(0xE0 | (cp >> 12)), b, e);
        vgi_mark_lb_byte(lb, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)), b, e);
        vgi_mark_lb_byte(lb, (unsigned char)(0x80 | (cp & 0x3F)), b, e);
    } else {
        vgi_mark_lb_byte(lb, (unsigned char)(0xF0 | (cp >> 18)), b, e);
        vgi_mark_lb_byte(lb, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)), b, e);
        vgi_mark_lb_byte(lb, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)), b, e);
        vgi_mark_lb_byte(lb, (unsigned char)(0x80 | (cp & 0x3F)), b, e);
    }
}

void vgi_mark_lb_flush(vgi_mark_lb *lb)
{
    vgi_mark_line ln = {lb->s, lb->n, lb->cut, 0, lb->beg, lb->end};
    if (lb->n > 0)
        vgi_mark_rules_line(lb->rules, &ln);
    lb->n = 0;
    lb->cut = 0;
}

/* ---- the choice ---- */

const char *vgi_mark_view_name(vgi_mark_view v)
{
    switch (v) {
    case VGI_VIEW_UTF16LE:
        return "utf16le";
    case VGI_VIEW_UTF16BE:
        return "utf16be";
    case VGI_VIEW_MARKUP:
        return "markup";
    case VGI_VIEW_RTF:
        return "rtf";
    case VGI_VIEW_PDF:
        return "pdf";
    case VGI_VIEW_BINARY:
        return "binary";
    case VGI_VIEW_TEXT:
        break;
    }
    return "text";
}

static int pdf_space(int c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0;
}

/* Is "tok" at p[i] a token of its own (PDF delimiters or space around it)? */
static int pdf_token_at(const uint8_t *p, size_t n, size_t i, size_t toklen)
{
    int before =
        i == 0 || pdf_space(p[i - 1]) || p[i - 1] == ')' || p[i - 1] == ']' || p[i - 1] == '>';
    int after = i + toklen == n || pdf_space(p[i + toklen]) || p[i + toklen] == '(' ||
                p[i + toklen] == '[' || p[i + toklen] == '/';
    return before && after;
}

static const uint8_t *find_token(const uint8_t *p, size_t n, size_t from, const char *tok)
{
    size_t tl = strlen(tok);
    while (from < n) {
        const uint8_t *h = memmem(p + from, n - from, tok, tl);
        if (h == NULL)
            return NULL;
        if (pdf_token_at(p, n, (size_t)(h - p), tl))
            return h;
        from = (size_t)(h - p) + 1;
    }
    return NULL;
}

/* A content stream: a "BT" token, then a text-showing operator after it,
 * both within the first 64 KiB. Prose almost never has both as tokens. */
static int looks_pdf(const uint8_t *p, size_t n)
{
    size_t lim = n < 65536 ? n : 65536;
    const uint8_t *bt = find_token(p, lim, 0, "BT");
    if (bt == NULL)
        return 0;
    size_t from = (size_t)(bt - p) + 2;
    return find_token(p, lim, from, "Tj") != NULL || find_token(p, lim, from, "TJ") != NULL;
}

/* Binary, not text: the sample holds a NUL, or more than 1 in 8 of its bytes
 * are C0 controls other than tab, LF, CR, FF and ESC (text never has NULs;
 * ANSI logs have ESC). UTF-16 text was taken before this is asked. */
static int looks_binary(const uint8_t *p, size_t sample)
{
    if (memchr(p, 0, sample) != NULL)
        return 1;
    size_t ctl = 0;
    for (size_t i = 0; i < sample; i++)
        ctl += p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f' &&
               p[i] != 0x1B;
    return ctl * 8 > sample;
}

vgi_mark_view vgi_mark_view_pick(const uint8_t *p, size_t n)
{
    if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE)
        return VGI_VIEW_UTF16LE;
    if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF)
        return VGI_VIEW_UTF16BE;
    /* UTF-16 without BOM: text in Latin script has a NUL in every other byte. */
    size_t sample = n < 1024 ? n : 1024;
    size_t pairs = sample / 2, z_even = 0, z_odd = 0;
    for (size_t i = 0; i + 1 < sample; i += 2) {
        z_even += p[i] == 0;
        z_odd += p[i + 1] == 0;
    }
    if (pairs >= 2 && z_odd * 10 >= pairs * 3 && z_even * 20 <= pairs)
        return VGI_VIEW_UTF16LE;
    if (pairs >= 2 && z_even * 10 >= pairs * 3 && z_odd * 20 <= pairs)
        return VGI_VIEW_UTF16BE;

    size_t i = 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i < n && p[i] == '<')
        return VGI_VIEW_MARKUP;
    if (n - i >= 5 && memcmp(p + i, "{\\rtf", 5) == 0)
        return VGI_VIEW_RTF;
    if (looks_pdf(p, n))
        return VGI_VIEW_PDF;
    if (looks_binary(p, sample))
        return VGI_VIEW_BINARY;
    return VGI_VIEW_TEXT;
}

/* ---- plain text ---- */

/* Next position of byte c at or after from, cached in *at (SIZE_MAX: not
 * looked up yet; n: none left). Each byte is searched at most once per c. */
static size_t next_of(const uint8_t *p, size_t n, size_t from, int c, size_t *at)
{
    if (*at == SIZE_MAX || *at < from) {
        const uint8_t *h = memchr(p + from, c, n - from);
        *at = h ? (size_t)(h - p) : n;
    }
    return *at;
}

void vgi_mark_view_text(const uint8_t *p, size_t n, vgi_mark_rules *r)
{
    size_t at_lf = SIZE_MAX, at_cr = SIZE_MAX, at_ff = SIZE_MAX, i = 0;
    while (i < n) {
        size_t e = next_of(p, n, i, '\n', &at_lf);
        size_t cr = next_of(p, n, i, '\r', &at_cr);
        size_t ff = next_of(p, n, i, '\f', &at_ff);
        if (cr < e)
            e = cr;
        if (ff < e)
            e = ff;
        size_t len = e - i;
        vgi_mark_line ln = {(const char *)p + i, len, 0, (uint32_t)i, NULL, NULL};
        if (len > VG_MARK_MAX_LINE) {
            ln.n = VG_MARK_MAX_LINE;
            ln.cut = 1;
        }
        if (len > 0)
            vgi_mark_rules_line(r, &ln);
        if (e >= n)
            break;
        i = e + 1;
        if (p[e] == '\r' && i < n && p[i] == '\n')
            i++;
    }
}

/* ---- UTF-16 ---- */

void vgi_mark_view_utf16(const uint8_t *p, size_t n, int big_endian, vgi_mark_lb *lb)
{
    size_t i = 0;
    if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        i = 2;
    int prev_cr = 0;
    while (i + 1 < n) {
        size_t b = i;
        uint32_t u =
            big_endian ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
            uint32_t lo =
                big_endian ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            }
        }
        if (u == '\n' && prev_cr) {
            prev_cr = 0;
            continue;
        }
        prev_cr = u == '\r';
        if (u == '\n' || u == '\r' || u == '\f' || u == 0x85 || u == 0x2028 || u == 0x2029) {
            vgi_mark_lb_flush(lb);
            continue;
        }
        vgi_mark_lb_cp(lb, u, b, i);
    }
    vgi_mark_lb_flush(lb);
}
