/* Test documents for the marking detector: one list of paragraphs rendered
 * the way each format stores it (plain text, UTF-16 LE with BOM and BE
 * without, HTML, an OOXML word/document.xml body with every paragraph split
 * over two runs, an ODF content.xml body, RTF, a PDF content stream that
 * uses Tj, TJ with kerning gaps and ', a mail message) and the binary
 * streams of legacy Office files and executables: a Word WordDocument-like
 * stream with cp1252 text and one with UTF-16LE text (FIB-like junk before,
 * a junk block between paragraphs, junk after), an Excel Workbook-like
 * stream whose shared string table holds the lines (8-bit and UTF-16
 * strings alternating), a PowerPoint Document-like stream of text atoms, and
 * an ELF-like executable whose string table holds the lines as C strings and
 * again as length-prefixed UTF-16 resource strings. Include from one test
 * file. */
#ifndef VG_TEST_MARKINGS_GEN_H
#define VG_TEST_MARKINGS_GEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    F_TEXT = 1 << 0,
    F_U16LE = 1 << 1,
    F_U16BE = 1 << 2,
    F_HTML = 1 << 3,
    F_OOXML = 1 << 4,
    F_ODF = 1 << 5,
    F_RTF = 1 << 6,
    F_PDF = 1 << 7,
    F_MAIL = 1 << 8,
    F_DOC8 = 1 << 9,
    F_DOC16 = 1 << 10,
    F_XLS = 1 << 11,
    F_PPT = 1 << 12,
    F_ALL = (1 << 13) - 1,
    F_EXE = 1 << 13, /* not in F_ALL: only for the documents that ask for it */
    F_BIN = F_DOC8 | F_DOC16 | F_XLS | F_PPT,
};
#define G_NFMT 14

static const char *const fmt_names[G_NFMT] = {"text",  "utf16le", "utf16be", "html", "ooxml",
                                              "odf",   "rtf",     "pdf",     "mail", "doc8",
                                              "doc16", "xls-sst", "ppt",     "exe"};
/* the view the detector should pick for each format */
static const char *const fmt_views[G_NFMT] = {"text",   "utf16le", "utf16be", "markup", "markup",
                                              "markup", "rtf",     "pdf",     "text",   "binary",
                                              "binary", "binary",  "binary",  "binary"};

typedef struct gbuf {
    uint8_t *p;
    size_t n, cap;
} gbuf;

static void g_put(gbuf *b, const void *d, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (b->p == NULL)
            abort();
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void g_str(gbuf *b, const char *s)
{
    g_put(b, s, strlen(s));
}

static void g_byte(gbuf *b, uint8_t c)
{
    g_put(b, &c, 1);
}

/* Next code point of UTF-8 s at *i. */
static uint32_t g_utf8(const char *s, size_t *i)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t c = p[*i];
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    c &= 0x3F >> extra;
    (*i)++;
    for (int k = 0; k < extra && p[*i]; k++)
        c = (c << 6) | (p[(*i)++] & 0x3F);
    return c;
}

static void g_u16(gbuf *b, uint32_t cp, int be)
{
    uint16_t u[2];
    int n = 1;
    if (cp >= 0x10000) {
        cp -= 0x10000;
        u[0] = (uint16_t)(0xD800 + (cp >> 10));
        u[1] = (uint16_t)(0xDC00 + (cp & 0x3FF));
        n = 2;
    } else {
        u[0] = (uint16_t)cp;
    }
    for (int k = 0; k < n; k++) {
        uint8_t x[2] = {(uint8_t)(be ? u[k] >> 8 : u[k]), (uint8_t)(be ? u[k] : u[k] >> 8)};
        g_put(b, x, 2);
    }
}

static void g_u16_str(gbuf *b, const char *s, int be)
{
    size_t i = 0;
    while (s[i])
        g_u16(b, g_utf8(s, &i), be);
}

static void g_xml(gbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '&')
            g_str(b, "&amp;");
        else if (s[i] == '<')
            g_str(b, "&lt;");
        else if (s[i] == '>')
            g_str(b, "&gt;");
        else if (s[i] == '\'')
            g_str(b, "&#39;");
        else
            g_byte(b, (uint8_t)s[i]);
    }
}

static void g_rtf_text(gbuf *b, const char *s)
{
    size_t i = 0;
    while (s[i]) {
        uint32_t c = g_utf8(s, &i);
        char tmp[24];
        if (c == '\\' || c == '{' || c == '}') {
            g_byte(b, '\\');
            g_byte(b, (uint8_t)c);
        } else if (c == '\'') {
            g_str(b, "\\'92");
        } else if (c >= 0x80) {
            snprintf(tmp, sizeof tmp, "\\u%d?", c > 32767 ? (int)c - 65536 : (int)c);
            g_str(b, tmp);
        } else {
            g_byte(b, (uint8_t)c);
        }
    }
}

static void g_pdf_str(gbuf *b, const char *s, size_t n)
{
    g_byte(b, '(');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '(' || s[i] == ')' || s[i] == '\\')
            g_byte(b, '\\');
        g_byte(b, (uint8_t)s[i]);
    }
    g_byte(b, ')');
}

/* Binary structure: n deterministic bytes, 40 % NULs, the rest any value,
 * starting and ending with a NUL so no junk byte glues onto text. */
static void g_junk(gbuf *b, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        uint8_t c = (uint8_t)(x >> 16);
        g_byte(b, i == 0 || i + 1 == n || (x >> 8) % 5 < 2 ? 0 : c);
    }
}

static void g_le16(gbuf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    g_put(b, x, 2);
}

static void g_le32(gbuf *b, uint32_t v)
{
    g_le16(b, v & 0xFFFF);
    g_le16(b, v >> 16);
}

/* UTF-8 s as cp1252 (Latin-1, em/en dash, quotes; '?' for the rest). */
static void g_cp1252(gbuf *b, const char *s)
{
    size_t i = 0;
    while (s[i]) {
        uint32_t c = g_utf8(s, &i);
        if (c == 0x2014)
            c = 0x97;
        else if (c == 0x2013)
            c = 0x96;
        else if (c == 0x2019)
            c = 0x92;
        else if (c > 0xFF)
            c = '?';
        g_byte(b, (uint8_t)c);
    }
}

static int g_latin1(const char *s)
{
    size_t i = 0;
    while (s[i])
        if (g_utf8(s, &i) > 0xFF)
            return 0;
    return 1;
}

static size_t g_cps(const char *s)
{
    size_t i = 0, k = 0;
    while (s[i]) {
        g_utf8(s, &i);
        k++;
    }
    return k;
}

/* A WordDocument-like stream: a FIB-like header of junk (1.5 KiB), the
 * paragraphs (cp1252 or UTF-16LE, each ended by 0x0D; the second one is a
 * table cell ended by 0x07), a junk block after the second paragraph (a
 * piece boundary), junk after the text. */
static void g_word(gbuf *b, const char *const *lines, size_t n, int u16)
{
    g_put(b, "\xEC\xA5\xC1\x00", 4);
    g_junk(b, 1536, 1);
    for (size_t i = 0; i < n; i++) {
        if (u16)
            g_u16_str(b, lines[i], 0);
        else
            g_cp1252(b, lines[i]);
        uint8_t end = i == 1 ? 0x07 : 0x0D;
        g_byte(b, end);
        if (u16)
            g_byte(b, 0);
        if (i == 1)
            g_junk(b, 300, 2);
    }
    g_junk(b, 700, 3);
}

/* A Workbook-like stream: BOF, some records, an SST whose strings are the
 * lines ([cch][flags][chars], 8-bit and UTF-16 alternating), EOF, junk. */
static void g_xls(gbuf *b, const char *const *lines, size_t n)
{
    g_put(b, "\x09\x08\x10\x00\x00\x06\x05\x00", 8);
    g_junk(b, 1200, 4);
    gbuf sst = {0};
    g_le32(&sst, (uint32_t)n);
    g_le32(&sst, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        int u16 = i % 2 == 1 || !g_latin1(lines[i]);
        g_le16(&sst, (unsigned)g_cps(lines[i]));
        g_byte(&sst, u16 ? 1 : 0);
        if (u16)
            g_u16_str(&sst, lines[i], 0);
        else
            g_cp1252(&sst, lines[i]);
    }
    g_le16(b, 0x00FC);
    g_le16(b, (unsigned)sst.n);
    g_put(b, sst.p, sst.n);
    free(sst.p);
    g_put(b, "\x0A\x00\x00\x00", 4); /* EOF */
    g_junk(b, 500, 5);
}

static void g_ppt_rec(gbuf *b, unsigned type, size_t len)
{
    g_le16(b, 0);
    g_le16(b, type);
    g_le32(b, (uint32_t)len);
}

/* A PowerPoint Document-like stream: a container of, per line, a
 * TextHeaderAtom, a TextCharsAtom (UTF-16) or TextBytesAtom (8-bit),
 * alternating, and a StyleTextPropAtom of junk. */
static void g_ppt(gbuf *b, const char *const *lines, size_t n)
{
    g_put(b, "\x0F\x00\xE8\x03\x00\x00\x00\x00", 8);
    g_junk(b, 1100, 6);
    for (size_t i = 0; i < n; i++) {
        g_ppt_rec(b, 0x0F9F, 4);
        g_le32(b, i == 0 ? 0 : 1);
        int u16 = i % 2 == 0 || !g_latin1(lines[i]);
        size_t cps = g_cps(lines[i]);
        g_ppt_rec(b, u16 ? 0x0FA0 : 0x0FA8, u16 ? 2 * cps : cps);
        if (u16)
            g_u16_str(b, lines[i], 0);
        else
            g_cp1252(b, lines[i]);
        g_ppt_rec(b, 0x0FA1, 18);
        g_junk(b, 18, 7 + (uint32_t)i);
    }
    g_junk(b, 400, 8);
}

/* An ELF-like executable: header and code junk, a .rodata of C strings
 * (ordinary program strings, then the even-numbered lines, NUL-terminated),
 * junk, the odd-numbered lines as length-prefixed UTF-16 resource strings,
 * more junk. Each line is in the file once. */
static void g_exe(gbuf *b, const char *const *lines, size_t n)
{
    g_put(b,
          "\x7F"
          "ELF\x02\x01\x01\x00",
          8);
    g_junk(b, 2048, 9);
    static const char *const prog[] = {"usage: %s [-v] [-o file] input",
                                       "error: cannot open %s: %s", "GLIBC_2.34",
                                       "__libc_start_main", "out of memory"};
    for (size_t i = 0; i < 5; i++)
        g_put(b, prog[i], strlen(prog[i]) + 1);
    for (size_t i = 0; i < n; i += 2)
        g_put(b, lines[i], strlen(lines[i]) + 1);
    g_junk(b, 512, 10);
    for (size_t i = 1; i < n; i += 2) {
        g_le16(b, (unsigned)g_cps(lines[i]));
        g_u16_str(b, lines[i], 0);
    }
    g_junk(b, 1024, 11);
}

/* Renders lines[0..n) in format f (one F_ bit) into a fresh buffer. */
static gbuf g_render(int f, const char *const *lines, size_t n)
{
    gbuf b = {0};
    switch (f) {
    case F_TEXT:
        for (size_t i = 0; i < n; i++) {
            g_str(&b, lines[i]);
            g_str(&b, "\n");
        }
        break;
    case F_U16LE:
    case F_U16BE: {
        int be = f == F_U16BE;
        if (!be)
            g_put(&b, "\xFF\xFE", 2);
        for (size_t i = 0; i < n; i++) {
            g_u16_str(&b, lines[i], be);
            g_u16_str(&b, "\r\n", be);
        }
        break;
    }
    case F_HTML:
        g_str(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Document</title>\n"
                  "<style>p { margin: 0 }</style>\n<script>var x = \"<p>\";</script></head>\n"
                  "<body>\n");
        for (size_t i = 0; i < n; i++) {
            g_str(&b, i == 0 ? "<div class=\"hdr\"><b>" : "<p>");
            g_xml(&b, lines[i], strlen(lines[i]));
            g_str(&b, i == 0 ? "</b></div>\n" : "</p>\n");
        }
        g_str(&b, "</body></html>\n");
        break;
    case F_OOXML:
        g_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
                  "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/"
                  "2006/main\"><w:body>");
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(lines[i]), half = l / 2;
            while (half > 0 && ((uint8_t)lines[i][half] & 0xC0) == 0x80)
                half--;
            g_str(&b, "<w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>"
                      "<w:t xml:space=\"preserve\">");
            g_xml(&b, lines[i], half);
            g_str(&b, "</w:t></w:r><w:proofErr w:type=\"spellStart\"/><w:r><w:t>");
            g_xml(&b, lines[i] + half, l - half);
            g_str(&b, "</w:t></w:r></w:p>");
        }
        g_str(&b, "<w:sectPr><w:pgSz w:w=\"12240\"/></w:sectPr></w:body></w:document>");
        break;
    case F_ODF:
        g_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content "
                  "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
                  "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\">"
                  "<office:body><office:text>");
        for (size_t i = 0; i < n; i++) {
            g_str(&b,
                  i % 2 ? "<text:p text:style-name=\"P1\">" : "<text:h text:outline-level=\"1\">");
            g_xml(&b, lines[i], strlen(lines[i]));
            g_str(&b, i % 2 ? "</text:p>" : "</text:h>");
        }
        g_str(&b, "</office:text></office:body></office:document-content>");
        break;
    case F_RTF:
        g_str(&b, "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\froman Times New Roman;}}\n"
                  "{\\colortbl;\\red0\\green0\\blue0;}{\\*\\generator Msftedit 5.41;}\n"
                  "{\\info{\\title Report}{\\author Analyst}}\\viewkind4\\uc1\n");
        for (size_t i = 0; i < n; i++) {
            g_str(&b, i == 0 ? "\\pard\\qc\\b\\f0\\fs24 " : "\\pard\\plain\\f0\\fs20 ");
            g_rtf_text(&b, lines[i]);
            g_str(&b, i == 0 ? "\\b0\\par\n" : "\\par\n");
        }
        g_str(&b, "}\n");
        break;
    case F_PDF:
        g_str(&b, "q 1 0 0 1 0 0 cm\nBT\n/F1 11 Tf\n14 TL\n72 760 Td\n");
        for (size_t i = 0; i < n; i++) {
            const char *s = lines[i];
            size_t l = strlen(s);
            const char *sp = strchr(s, ' ');
            if (i == 0) {
                g_pdf_str(&b, s, l);
                g_str(&b, " Tj\n");
            } else if (i % 3 == 1 && sp != NULL) {
                /* a word gap as TJ kerning, not a space character */
                g_str(&b, "T* [");
                g_pdf_str(&b, s, (size_t)(sp - s));
                g_str(&b, " -250 ");
                g_pdf_str(&b, sp + 1, strlen(sp + 1));
                g_str(&b, "] TJ\n");
            } else if (i % 3 == 2) {
                g_pdf_str(&b, s, l);
                g_str(&b, " '\n");
            } else {
                g_str(&b, "0 -14 Td ");
                g_pdf_str(&b, s, l);
                g_str(&b, " Tj\n");
            }
        }
        g_str(&b, "ET\nQ\n");
        break;
    case F_MAIL:
        g_str(&b, "Return-Path: <a.b@example.org>\r\nFrom: A B <a.b@example.org>\r\n"
                  "To: C D <c.d@example.org>\r\nSubject: Weekly update\r\n"
                  "Date: Mon, 2 Dec 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=utf-8\r\n\r\n");
        for (size_t i = 0; i < n; i++) {
            g_str(&b, lines[i]);
            g_str(&b, "\r\n");
        }
        break;
    case F_DOC8:
    case F_DOC16:
        g_word(&b, lines, n, f == F_DOC16);
        break;
    case F_XLS:
        g_xls(&b, lines, n);
        break;
    case F_PPT:
        g_ppt(&b, lines, n);
        break;
    case F_EXE:
        g_exe(&b, lines, n);
        break;
    default:
        abort();
    }
    return b;
}

static int fmt_index(int f)
{
    int k = 0;
    while (!(f & 1)) {
        f >>= 1;
        k++;
    }
    return k;
}

#endif
