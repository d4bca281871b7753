/* The marking detector at its edges: arguments, empty and huge inputs, the
 * input cap, lines longer than a line buffer, binary garbage, a failing
 * allocator, exact evidence offsets through every view (entities, UTF-16,
 * split OOXML runs, RTF escapes, PDF hex strings, binary runs), what each view must not
 * read (script bodies, comments, RTF font tables, PDF ActualText), and the
 * reasons a human is shown. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static vg_mark_verdict check(const void *p, size_t n)
{
    vg_mark_verdict v;
    assert_int_equal(vg_markings_check(p, n, 0, &v), VG_OK);
    return v;
}

static vg_mark_verdict check_str(const char *s)
{
    return check(s, strlen(s));
}

/* Invariants any verdict keeps, whatever the input. */
static void assert_sane(const vg_mark_verdict *v, size_t len, uint64_t base)
{
    assert_true(v->n <= VG_MARK_MAX_EVIDENCE);
    assert_non_null(v->view);
    assert_non_null(memchr(v->reason, '\0', sizeof v->reason));
    assert_true(v->classified == 0 || v->classified == 1);
    assert_true(v->classified == (v->score >= 10));
    assert_true(v->classified ? v->rule != NULL : v->rule == NULL);
    for (unsigned k = 0; k < v->n; k++) {
        assert_true(v->ev[k].offset >= base);
        assert_true(v->ev[k].offset - base + v->ev[k].length <= len);
        assert_non_null(memchr(v->ev[k].text, '\0', sizeof v->ev[k].text));
        assert_non_null(v->ev[k].kind);
    }
}

static void test_args(void **state)
{
    (void)state;
    vg_mark_verdict v;
    assert_int_equal(vg_markings_check("x", 1, 0, NULL), VG_ERR_INVALID_ARG);
    assert_int_equal(vg_markings_check(NULL, 5, 0, &v), VG_ERR_INVALID_ARG);
    assert_int_equal(vg_markings_check(NULL, 0, 0, &v), VG_OK);
    assert_int_equal(v.classified, 0);
    assert_string_equal(v.view, "text");
    assert_string_equal(v.reason, "");
    assert_int_equal(v.n, 0);
    v = check("", 0);
    assert_int_equal(v.classified, 0);
    assert_int_equal(v.score, 0);
}

static void test_plain_offsets_and_base(void **state)
{
    (void)state;
    const char *doc = "TOP SECRET//SI//NOFORN\n\n(TS//SI//NF) The unit reported.\n\n"
                      "TOP SECRET//SI//NOFORN\n";
    size_t n = strlen(doc);
    vg_mark_verdict v;
    assert_int_equal(vg_markings_check(doc, n, 1000, &v), VG_OK);
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.rule, "us-banner");
    assert_string_equal(v.view, "text");
    assert_true(v.n >= 3);
    assert_string_equal(v.ev[0].kind, "banner");
    assert_int_equal(v.ev[0].offset, 1000);
    assert_int_equal(v.ev[0].length, 22);
    assert_string_equal(v.ev[0].text, "TOP SECRET//SI//NOFORN");
    size_t bottom = (size_t)(strstr(doc + 1, "TOP SECRET") - doc);
    assert_int_equal(v.ev[1].offset, 1000 + bottom);
    assert_memory_equal(doc + v.ev[1].offset - 1000, "TOP SECRET//SI//NOFORN", 22);
    assert_string_equal(v.ev[2].kind, "portion");
    assert_memory_equal(doc + v.ev[2].offset - 1000, "(TS//SI//NF)", 12);
    assert_int_equal(v.ev[2].length, 12);
    char want[200];
    snprintf(want, sizeof want,
             "banner \"TOP SECRET//SI//NOFORN\" at offset 1000 and %zu (top and bottom); "
             "1 portion mark from offset %zu",
             1000 + bottom, (size_t)(1000 + strstr(doc, "(TS") - doc));
    assert_string_equal(v.reason, want);
    assert_sane(&v, n, 1000);
}

static void test_lone_stamp_reason(void **state)
{
    (void)state;
    vg_mark_verdict v = check_str("CONFIDENTIAL\n\nDear Sir,\nThank you for your letter.\n");
    assert_int_equal(v.classified, 0);
    assert_null(v.rule);
    assert_string_equal(v.reason, "only a lone \"CONFIDENTIAL\" line at offset 0: not enough");
    /* the same stamp with a portion-marked paragraph is a marked document */
    v = check_str("CONFIDENTIAL\n\n(C) The minister agreed.\n");
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.rule, "us-banner"); /* neither decides alone: the larger one */
    assert_string_equal(v.reason, "banner \"CONFIDENTIAL\" at offset 0; "
                                  "1 portion mark from offset 14");
}

static void test_line_endings(void **state)
{
    (void)state;
    /* CR only, form feed between pages, CRLF */
    vg_mark_verdict v = check_str("SECRET\rpage one text\r\fSECRET\r\n");
    assert_int_equal(v.classified, 1);
    assert_true(strstr(v.reason, "(top and bottom)") != NULL);
    /* a long CR-only file stays linear and finds its banner at the end */
    size_t n = 4u << 20;
    char *p = malloc(n);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = i % 64 == 63 ? '\r' : 'a';
    memcpy(p + n - 24, "\rTOP SECRET//NOFORN\r\r\r\r\r", 24);
    v = check(p, n);
    assert_int_equal(v.classified, 1);
    assert_memory_equal(p + v.ev[0].offset, "TOP SECRET//NOFORN", 18);
    free(p);
}

static void test_decorated_and_spaced(void **state)
{
    (void)state;
    const char *doc = "  *** TOP SECRET // SI // NOFORN ***  \nbody\n";
    vg_mark_verdict v = check_str(doc);
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.ev[0].text, "TOP SECRET//SI//NOFORN");
    assert_int_equal(v.ev[0].offset, 6);
    assert_int_equal(v.ev[0].length, strlen("TOP SECRET // SI // NOFORN"));
    /* lower case controls, prose after the marking, unknown separators: no banner */
    assert_int_equal(check_str("TOP SECRET//noforn\n").classified, 0);
    assert_int_equal(check_str("TOP SECRET//SI//NOFORN, the paper said.\n").classified, 0);
    assert_int_equal(check_str("SECRET SERVICE\nSECRET SERVICE\n").classified, 0);
    assert_int_equal(check_str("SECRETARY//GENERAL\n").classified, 0);
    assert_int_equal(check_str("CONFIDENTIAL ONLY\nCONFIDENTIAL - DO NOT DISTRIBUTE\n").classified,
                     0);
    /* older single-slash and space styles with known controls */
    assert_int_equal(check_str("SECRET/NOFORN\nbody\n").classified, 1);
    assert_int_equal(check_str("SECRET REL TO USA, GBR\nbody\n").classified, 1);
}

static void test_utf16_offsets(void **state)
{
    (void)state;
    const char *s = "TOP SECRET//NOFORN\r\nbody\r\n";
    size_t l = strlen(s);
    uint8_t le[128], be[128];
    le[0] = 0xFF;
    le[1] = 0xFE;
    for (size_t i = 0; i < l; i++) {
        le[2 + 2 * i] = (uint8_t)s[i];
        le[3 + 2 * i] = 0;
        be[2 * i] = 0;
        be[2 * i + 1] = (uint8_t)s[i];
    }
    vg_mark_verdict v = check(le, 2 + 2 * l);
    assert_string_equal(v.view, "utf16le");
    assert_int_equal(v.classified, 1);
    assert_int_equal(v.ev[0].offset, 2);
    assert_int_equal(v.ev[0].length, 36);
    v = check(be, 2 * l); /* no BOM: found by the NULs */
    assert_string_equal(v.view, "utf16be");
    assert_int_equal(v.classified, 1);
    assert_int_equal(v.ev[0].offset, 0);
    assert_int_equal(v.ev[0].length, 36);
    v = check(le + 2, 2 * l); /* LE without BOM */
    assert_string_equal(v.view, "utf16le");
    assert_int_equal(v.classified, 1);
}

/* Appends s as UTF-16LE to p at *at. */
static void put_u16(uint8_t *p, size_t *at, const char *s)
{
    for (; *s; s++) {
        p[(*at)++] = (uint8_t)*s;
        p[(*at)++] = 0;
    }
}

static void put_bytes(uint8_t *p, size_t *at, const void *s, size_t n)
{
    memcpy(p + *at, s, n);
    *at += n;
}

static void test_binary_view(void **state)
{
    (void)state;
    uint8_t b[512];
    size_t n = 0;
    /* 8-bit runs; 0x0B, 0x07 and binary bytes end lines; offsets are bytes */
    put_bytes(b, &n, "\x00\x01\x02\x03", 4);
    put_bytes(b, &n, "TOP SECRET//NOFORN\x0B(S//NF) Body.\x07\x00\x13\x95 SECRET \x95\x00", 41);
    vg_mark_verdict v = check(b, n);
    assert_string_equal(v.view, "binary");
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.rule, "us-banner");
    assert_string_equal(v.ev[0].text, "TOP SECRET//NOFORN");
    assert_int_equal(v.ev[0].offset, 4);
    assert_int_equal(v.ev[0].length, 18);
    assert_string_equal(v.ev[1].kind, "portion");
    assert_int_equal(v.ev[1].offset, 23);
    assert_sane(&v, n, 0);

    /* UTF-16LE at an odd offset, after a byte that glues as 8-bit ("ZS"),
     * behind 16 NULs (so the buffer is not UTF-16 text) */
    n = 0;
    memset(b, 0, 16);
    n = 16;
    put_bytes(b, &n, "\x00\x01Z", 3);
    put_u16(b, &n, "SECRET//NOFORN");
    put_bytes(b, &n, "\x0D\x00\x00\x00", 4);
    v = check(b, n);
    assert_string_equal(v.view, "binary");
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.ev[0].text, "SECRET//NOFORN");
    assert_int_equal(v.ev[0].offset, 19);
    assert_int_equal(v.ev[0].length, 28);

    /* runs shorter than 4 characters are not lines: "(C)" is no portion
     * (8 NULs first: a buffer this small is otherwise UTF-16 by its NULs) */
    memset(b, 0, 8);
    n = 8;
    put_bytes(b, &n,
              "\x00\x05"
              "CONFIDENTIAL\x00(C)\x00\x02",
              20);
    v = check(b, n);
    assert_string_equal(v.view, "binary");
    assert_int_equal(v.classified, 0);
    n = 8;
    put_bytes(b, &n,
              "\x00\x05"
              "CONFIDENTIAL\x00(C) x\x00\x02",
              22);
    v = check(b, n);
    assert_int_equal(v.classified, 1);
    assert_int_equal(v.ev[1].offset, 23);

    /* BIFF8 shared strings: the next string's cch (40 = '(') does not glue on */
    const char *next = "Quarterly figures for the western region";
    for (int u16 = 0; u16 <= 1; u16++) {
        n = 0;
        put_bytes(b, &n, "\xFC\x00\x80\x00\x02\x00\x00\x00\x02\x00\x00\x00\x0E\x00", 14);
        b[n++] = (uint8_t)u16;
        size_t at = n;
        if (u16)
            put_u16(b, &n, "SECRET//NOFORN");
        else
            put_bytes(b, &n, "SECRET//NOFORN", 14);
        b[n++] = 40;
        b[n++] = 0;
        b[n++] = (uint8_t)u16;
        if (u16)
            put_u16(b, &n, next);
        else
            put_bytes(b, &n, next, strlen(next));
        v = check(b, n);
        assert_string_equal(v.view, "binary");
        assert_int_equal(v.classified, 1);
        assert_string_equal(v.ev[0].text, "SECRET//NOFORN");
        assert_int_equal(v.ev[0].offset, at);
        assert_int_equal(v.ev[0].length, u16 ? 28 : 14);
    }

    /* the choice: one NUL, or many control bytes, make a buffer binary;
     * ANSI colour escapes do not */
    v = check("TOP SECRET//NOFORN\nbody\n\0", 25);
    assert_string_equal(v.view, "binary");
    assert_int_equal(v.classified, 1);
    v = check_str("\x01\x02\x03\x04\x05\x06SECRET//NOFORN\x01\x02\x03\x04\x05\x06\x07\x08");
    assert_string_equal(v.view, "binary");
    assert_int_equal(v.classified, 1);
    v = check_str("\x1B[1mTOP SECRET//NOFORN\x1B[0m\nlog line\n");
    assert_string_equal(v.view, "text");
}

static void test_markup(void **state)
{
    (void)state;
    const char *doc = "<html><body><p>TOP SECRET&#47;&#x2F;SI&#47;&#47;NOFORN</p>"
                      "<p>The report follows &amp; more.</p></body></html>";
    vg_mark_verdict v = check_str(doc);
    assert_string_equal(v.view, "markup");
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.ev[0].text, "TOP SECRET//SI//NOFORN");
    size_t at = (size_t)(strstr(doc, "TOP") - doc);
    assert_int_equal(v.ev[0].offset, at);
    assert_int_equal(v.ev[0].length, (size_t)(strstr(doc, "NOFORN") + 6 - doc) - at);

    /* runs of one OOXML paragraph are one line; the evidence spans both */
    const char *ox = "<?xml version=\"1.0\"?><w:document><w:body><w:p><w:r><w:t>TOP SEC</w:t>"
                     "</w:r><w:r><w:t>RET//NOFORN</w:t></w:r></w:p></w:body></w:document>";
    v = check_str(ox);
    assert_int_equal(v.classified, 1);
    assert_int_equal(v.ev[0].offset, (size_t)(strstr(ox, "TOP SEC") - ox));
    assert_int_equal(v.ev[0].offset + v.ev[0].length, (size_t)(strstr(ox, "NOFORN") + 6 - ox));

    /* what a reader never sees */
    v = check_str("<html><head><script>\nvar a = 'x';\nTOP SECRET//SI//NOFORN\n</script>"
                  "<style>\nSECRET//NOFORN\n</style></head><body><!--\nTOP SECRET//NOFORN\n-->"
                  "<p title=\"TOP SECRET//NOFORN\">Hello</p></body></html>");
    assert_int_equal(v.classified, 0);
    assert_int_equal(v.n, 0);

    /* raw newlines are spaces: a banner cannot be cut out of a sentence */
    v = check_str("<p>The files were marked\nTOP SECRET//SI//NOFORN\nthe paper said.</p>");
    assert_int_equal(v.classified, 0);
    /* but a <br> or <pre> line is a line */
    v = check_str("<div>SECRET//NOFORN<br>body</div>");
    assert_int_equal(v.classified, 1);
    v = check_str("<pre>\nSECRET//NOFORN\nbody\n</pre>");
    assert_int_equal(v.classified, 1);
    /* ODF heading and paragraph, with a text:s space */
    v = check_str("<office:text><text:h>TOP<text:s/>SECRET//NOFORN</text:h><text:p>x</text:p>"
                  "</office:text>");
    assert_int_equal(v.classified, 1);
    /* malformed markup: unclosed quote, comment and CDATA, stray '<' */
    v = check_str("<p a=\"x>SECRET//NOFORN</p><p>1 < 2</p><![CDATA[ SECRET//NOFORN <!-- ");
    assert_sane(&v, 70, 0);
}

static void test_rtf(void **state)
{
    (void)state;
    const char *doc = "{\\rtf1\\ansi{\\fonttbl{\\f0 TOP SECRET//NOFORN;}}"
                      "{\\info{\\title SECRET//NOFORN}}{\\*\\comment SECRET//NOFORN}"
                      "\\pard Hello\\par}";
    vg_mark_verdict v = check_str(doc);
    assert_string_equal(v.view, "rtf");
    assert_int_equal(v.classified, 0);

    /* \uN with its fallback, \'hh, a header group: all read */
    doc = "{\\rtf1\\ansi\\uc1{\\header \\pard\\qc \\u84?OP SECRET//NO\\'46ORN\\par}"
          "\\pard Body text\\par}";
    v = check_str(doc);
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.ev[0].text, "TOP SECRET//NOFORN");
    assert_int_equal(v.ev[0].offset, (size_t)(strstr(doc, "\\u84") - doc));

    /* \bin bytes are never text, even when they spell a banner */
    const char bin[] = "{\\rtf1 x\\par\\bin20 TOP SECRET//NOFORN\n\\par y\\par}";
    v = check(bin, sizeof bin - 1);
    assert_int_equal(v.classified, 0);
}

static void test_pdf(void **state)
{
    (void)state;
    /* hex string; a Td with no vertical move joins words */
    const char *doc = "BT /F1 12 Tf 72 700 Td <544F50> Tj 30 0 Td (SECRET//NOFORN) Tj\n"
                      "0 -20 Td (body) Tj ET";
    vg_mark_verdict v = check_str(doc);
    assert_string_equal(v.view, "pdf");
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.ev[0].text, "TOP SECRET//NOFORN");
    assert_int_equal(v.ev[0].offset, (size_t)(strstr(doc, "544F50") - doc));

    /* ActualText and strings outside BT/ET are not shown text */
    v = check_str("/Span <</ActualText (TOP SECRET//NOFORN)>> BDC BT (x) Tj ET EMC\n"
                  "(SECRET//NOFORN) BT (hello) Tj ET");
    assert_int_equal(v.classified, 0);

    /* ' and " start a new line before their string */
    v = check_str("BT 14 TL (Report) Tj (SECRET//NOFORN) ' 1 2 (body) \" ET");
    assert_int_equal(v.classified, 1);

    /* escapes in literal strings */
    v = check_str("BT (\\(S//NF\\) one) Tj T* (\\050S//NF\\051 two) Tj ET");
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.rule, "us-portion");
}

static void test_portion_traps(void **state)
{
    (void)state;
    vg_mark_verdict v = check_str("(A) one\n(B) two\n(C) three\n(S) four\n");
    assert_int_equal(v.classified, 0);
    assert_true(strstr(v.reason, "lettered list") != NULL);
    /* two bare marks are not "several" */
    assert_int_equal(check_str("(S) one\n(S) two\n").classified, 0);
    assert_int_equal(check_str("(S) one\n(S) two\n(U) three\n").classified, 1);
    /* unclassified marks only */
    v = check_str("(U) one\n(U//FOUO) two\n(U) three\n");
    assert_int_equal(v.classified, 0);
    assert_true(strstr(v.reason, "none classified") != NULL);
    /* copyright and chemistry */
    assert_int_equal(check_str("(C) 2024 Acme\n(C) Acme Corp. All rights reserved.\n"
                               "CONFIDENTIAL\n(S)-ibuprofen\n")
                         .classified,
                     0);
    /* one marked portion with controls needs a second piece */
    assert_int_equal(check_str("(S//NF) one paragraph only\n").classified, 0);
    assert_int_equal(check_str("(S//NF) one\n(S//NF) two\n").classified, 1);
    assert_int_equal(check_str("Subject: (S//NF) Visit\n(S//NF) Text\n").classified, 1);
}

static void test_authority(void **state)
{
    (void)state;
    vg_mark_verdict v = check_str("Derived From: Multiple Sources\nDeclassify On: 20451231\n");
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.rule, "us-authority");
    assert_string_equal(v.ev[0].kind, "authority");
    /* labels far apart are no block */
    char doc[2048] = "Derived From: Multiple Sources\n";
    for (int k = 0; k < 10; k++)
        strcat(doc, "Another ordinary line of the report.\n");
    strcat(doc, "Declassify On: 20451231\n");
    v = check_str(doc);
    assert_int_equal(v.classified, 0);
    /* "Reason:" counts only with a 1.4 reason */
    assert_int_equal(check_str("Reason: budget\nDerived From: the plan\n").classified, 0);
}

static void test_nato_uk(void **state)
{
    (void)state;
    vg_mark_verdict v = check_str("NATO SECRET\nThe plan follows.\n");
    assert_int_equal(v.classified, 0);
    assert_true(strstr(v.reason, "NATO marking") != NULL);
    v = check_str("NATO SECRET\n(NS) The plan follows.\n");
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.rule, "nato");
    v = check_str("NATO SECRET ATOMAL\nThe plan follows.\n");
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.ev[0].kind, "nato");
    v = check_str("UK TOP SECRET\nx\n");
    assert_int_equal(v.classified, 0);
    v = check_str("UK TOP SECRET STRAP1\nx\n");
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.rule, "uk");
    assert_int_equal(check_str("UK SECRET SERVICE FILES\n").classified, 0);
}

static void test_long_line(void **state)
{
    (void)state;
    size_t n = VG_MARK_MAX_LINE * 2 + 100;
    char *p = malloc(n + 1);
    assert_non_null(p);
    /* a banner followed by more than a line buffer of text is not a banner */
    memset(p, 'x', n);
    memcpy(p, "TOP SECRET//NOFORN ", 19);
    p[n] = 0;
    assert_int_equal(check(p, n).classified, 0);
    /* portion marks are read from the head of long paragraphs */
    memcpy(p, "(S//NF) ", 8);
    p[VG_MARK_MAX_LINE + 50] = '\n';
    memcpy(p + VG_MARK_MAX_LINE + 51, "(S//NF) ", 8);
    vg_mark_verdict v = check(p, n);
    assert_int_equal(v.classified, 1);
    assert_int_equal(v.ev[1].offset, VG_MARK_MAX_LINE + 51);
    /* the same through a transformed view (UTF-16) */
    uint8_t *u = malloc(2 * n);
    assert_non_null(u);
    for (size_t i = 0; i < n; i++) {
        u[2 * i] = (uint8_t)p[i];
        u[2 * i + 1] = 0;
    }
    v = check(u, 2 * n);
    assert_string_equal(v.view, "utf16le");
    assert_int_equal(v.classified, 1);
    free(u);
    free(p);
}

static void test_input_cap(void **state)
{
    (void)state;
    size_t n = VG_MARK_MAX_INPUT + 8192;
    char *p = malloc(n);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = i % 80 == 79 ? '\n' : 'a';
    const char *b = "\nTOP SECRET//NOFORN\n";
    size_t bl = strlen(b);
    /* beyond the cap: never read */
    memcpy(p + VG_MARK_MAX_INPUT + 100, b, bl);
    vg_mark_verdict v = check(p, n);
    assert_int_equal(v.classified, 0);
    /* ending exactly at the cap: read */
    memcpy(p + VG_MARK_MAX_INPUT - bl, b, bl);
    v = check(p, n);
    assert_int_equal(v.classified, 1);
    assert_int_equal(v.ev[0].offset, VG_MARK_MAX_INPUT - bl + 1);
    assert_sane(&v, VG_MARK_MAX_INPUT, 0);
    free(p);
}

static void test_garbage(void **state)
{
    (void)state;
    size_t n = 1u << 20;
    uint8_t *p = malloc(n);
    assert_non_null(p);
    for (uint32_t seed = 1; seed <= 8; seed++) {
        vgt_fill_random(p, n, seed);
        if (seed == 2)
            memcpy(p, "{\\rtf", 5);
        if (seed == 3)
            p[0] = '<';
        if (seed == 4)
            memcpy(p, "BT (a) Tj ", 10);
        if (seed == 5)
            memcpy(p, "\xFF\xFE", 2);
        vg_mark_verdict v = check(p, n);
        assert_int_equal(v.classified, 0);
        assert_sane(&v, n, 0);
    }
    free(p);
}

static void test_nomem(void **state)
{
    (void)state;
    vg_mark_verdict v;
    vg_mem_fail_after(1);
    vg_error e1 = vg_markings_check("<p>SECRET//NOFORN</p>", 21, 0, &v);
    vg_error e2 = vg_markings_check("SECRET//NOFORN\n", 15, 0, &v); /* text: no allocation */
    vg_mem_fail_after(0);
    assert_int_equal(e1, VG_ERR_NOMEM);
    assert_int_equal(e2, VG_OK);
    assert_int_equal(v.classified, 1);
}

static void test_evidence_cap(void **state)
{
    (void)state;
    char doc[4096] = "SECRET//NOFORN\n";
    for (int k = 0; k < 20; k++)
        strcat(doc, "(S//NF) paragraph\n");
    strcat(doc, "SECRET//NOFORN\n");
    vg_mark_verdict v = check_str(doc);
    assert_int_equal(v.classified, 1);
    assert_int_equal(v.n, VG_MARK_MAX_EVIDENCE);
    assert_string_equal(v.ev[0].kind, "banner");
    assert_string_equal(v.ev[1].kind, "banner");
    assert_true(strstr(v.reason, "20 portion marks") != NULL);
    for (unsigned k = 2; k < v.n; k++)
        assert_string_equal(v.ev[k].kind, "portion");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_plain_offsets_and_base),
        cmocka_unit_test(test_lone_stamp_reason),
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_decorated_and_spaced),
        cmocka_unit_test(test_utf16_offsets),
        cmocka_unit_test(test_binary_view),
        cmocka_unit_test(test_markup),
        cmocka_unit_test(test_rtf),
        cmocka_unit_test(test_pdf),
        cmocka_unit_test(test_portion_traps),
        cmocka_unit_test(test_authority),
        cmocka_unit_test(test_nato_uk),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_input_cap),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_nomem),
        cmocka_unit_test(test_evidence_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
