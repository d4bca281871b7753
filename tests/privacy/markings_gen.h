/* Test documents for the marking detector: one list of paragraphs rendered
 * the way each format stores it (plain text, UTF-16 LE with BOM and BE
 * without, HTML, an OOXML word/document.xml body with every paragraph split
 * over two runs, an ODF content.xml body, RTF, a PDF content stream that
 * uses Tj, TJ with kerning gaps and ', and a mail message). Include from one
 * test file. */
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
    F_ALL = (1 << 9) - 1,
};

static const char *const fmt_names[] = {"text", "utf16le", "utf16be", "html", "ooxml",
                                        "odf",  "rtf",     "pdf",     "mail"};
/* the view the detector should pick for each format */
static const char *const fmt_views[] = {"text",   "utf16le", "utf16be", "markup", "markup",
                                        "markup", "rtf",     "pdf",     "text"};

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
