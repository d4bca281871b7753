/* HTML: data: URIs (base64 with entities and line breaks, percent-encoded),
 * escaped script literals (%u, \x, octal, fromCharCode, joined with '+',
 * in on* handlers), the normalized copy an HTML .ndb signature matches,
 * cut documents, hostile counts and sizes, limits. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define SIG       "Test.HTML.Payload"
#define CLAM_FILE "/usr/share/clamav-testfiles/clam.exe.html"
#define CLAM_SIG                                                                                   \
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"
#define BUF_SIZE (16u << 20)

static uint8_t payload[544];
static char sigline[200];

typedef struct buf {
    char *p;
    size_t n;
} buf;

static buf new_buf(void)
{
    buf b = {vg_malloc(BUF_SIZE), 0};
    assert_non_null(b.p);
    return b;
}

static void add(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->n, BUF_SIZE - b->n, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < BUF_SIZE - b->n);
    b->n += (size_t)n;
}

/* Base64 of the payload; every `wrap` characters the string `brk`. */
static void add_b64(buf *b, size_t wrap, const char *brk)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t col = 0;
    for (size_t i = 0; i < sizeof payload; i += 3) {
        unsigned v = (unsigned)payload[i] << 16 |
                     (unsigned)(i + 1 < sizeof payload ? payload[i + 1] : 0) << 8 |
                     (unsigned)(i + 2 < sizeof payload ? payload[i + 2] : 0);
        char q[5] = {a[v >> 18], a[(v >> 12) & 63], i + 1 < sizeof payload ? a[(v >> 6) & 63] : '=',
                     i + 2 < sizeof payload ? a[v & 63] : '=', 0};
        add(b, "%s", q);
        col += 4;
        if (wrap && col % wrap == 0)
            add(b, "%s", brk);
    }
}

static vg_engine *engine(void)
{
    return vgt_engine("t.hsb", sigline);
}

static void test_data_uri(void **state)
{
    (void)state;
    vg_engine *e = engine();
    vgt_events ev;
    buf b = new_buf();
    add(&b, "<html><body><a href=\"data:application/octet-stream;base64,");
    add_b64(&b, 0, "");
    add(&b, "\">x</a></body></html>");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG), "mem//data-uri1");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);

    /* named, in CSS, base64 broken by references and newlines, single quotes */
    b.n = 0;
    add(&b, "<div style='background:url(DATA:application/x-msdownload;name=clam.exe;BASE64,");
    add_b64(&b, 20, "&#10;&#x0D;\n  ");
    add(&b, ")'>hi</div>");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG), "mem//clam.exe");

    /* percent-encoded, unquoted */
    b.n = 0;
    add(&b, "<iframe src=data:application/octet-stream,");
    for (size_t i = 0; i < sizeof payload; i++)
        add(&b, i % 3 ? "%%%02X" : "%%%02x", payload[i]);
    add(&b, " width=1></iframe>");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG), "mem//data-uri1");

    /* in a script string, in a <style> block */
    b.n = 0;
    add(&b, "<script>var u = 'x'; location = \"data:;base64,");
    add_b64(&b, 0, "");
    add(&b, "\";</script>");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_detects(&ev, SIG);
    b.n = 0;
    add(&b, "<style>p { background: url(data:image/png;base64,");
    add_b64(&b, 0, "");
    add(&b, ") }</style>");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_detects(&ev, SIG);
    vg_engine_unref(e);
    vg_free(b.p);
}

static void test_script_literals(void **state)
{
    (void)state;
    vg_engine *e = engine();
    vgt_events ev;
    buf b = new_buf();
    /* unescape("%uXXXX...") of a heap spray: little-endian pairs */
    add(&b, "<html><script language=javascript>\nvar sc = unescape(\"");
    for (size_t i = 0; i < sizeof payload; i += 2)
        add(&b, "%%u%02x%02X", payload[i + 1], payload[i]);
    add(&b, "\");\n</script></html>");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG), "mem//script1");

    /* \x, \u00XX and octal escapes, joined with '+' across lines */
    b.n = 0;
    add(&b, "<SCRIPT>// a comment with a ' quote\nvar s = ");
    for (size_t i = 0; i < sizeof payload; i++) {
        if (i % 40 == 0)
            add(&b, "%s'", i ? "' +\n    " : "");
        if (i % 3 == 0)
            add(&b, "\\x%02x", payload[i]);
        else if (i % 3 == 1)
            add(&b, "\\u00%02X", payload[i]);
        else
            add(&b, "\\%o", payload[i]);
    }
    add(&b, "';\ndocument.write(s);</SCRIPT>");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG), "mem//script1");

    /* String.fromCharCode in an on* handler, quoted with &quot; */
    b.n = 0;
    add(&b, "<body onload=\"var z = &quot;x&quot;; eval(String.fromCharCode(");
    for (size_t i = 0; i < sizeof payload; i++)
        add(&b, i % 2 ? "%s0x%x" : "%s %u", i ? "," : "", payload[i]);
    add(&b, "))\"></body>");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG), "mem//script1");

    /* \x escapes in an on* handler's &quot;-quoted literal */
    b.n = 0;
    add(&b, "<img src=x onerror=\"s=&quot;");
    for (size_t i = 0; i < sizeof payload; i++)
        add(&b, "\\x%02x", payload[i]);
    add(&b, "&quot;\">");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG), "mem//script1");

    /* the same escapes outside any script are text, not code */
    b.n = 0;
    add(&b, "<p>s=\"");
    for (size_t i = 0; i < sizeof payload; i++)
        add(&b, "\\x%02x", payload[i]);
    add(&b, "\"</p>");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_not_detects(&ev, SIG);
    vg_engine_unref(e);
    vg_free(b.p);
}

/* An .ndb signature for ClamAV's normalized HTML matches the copy. */
static void test_normalized(void **state)
{
    (void)state;
    const char *text = "hello <world> evil code";
    char sig[300];
    int o = snprintf(sig, sizeof sig, "Test.HTML.Norm:3:*:");
    for (const char *p = text; *p; p++)
        o += snprintf(sig + o, sizeof sig - (size_t)o, "%02x", (unsigned char)*p);
    snprintf(sig + o, sizeof sig - (size_t)o, "\n");
    static const char doc[] = "<HTML><BODY>\n  Hello&nbsp;&lt;World&gt; <!-- hidden -->"
                              " EVIL \t\r\n  C&#79;&#x44;e</BODY></HTML>\n";
    vg_engine *e = vgt_engine("t.ndb", sig);
    vgt_events ev;
    vgt_scan_mem(e, doc, strlen(doc), 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.HTML.Norm"), "mem//html:normalized");
    assert_int_equal(ev.result.objects, 2);

    /* a document normalization leaves as it is: no copy */
    static const char same[] = "<html><body>hello <b>world</b></body></html>";
    vgt_scan_mem(e, same, strlen(same), 0, &ev);
    assert_clean(&ev);
    assert_int_equal(ev.result.objects, 1);
    vg_engine_unref(e);

    /* no signature targets HTML: the copy would be scanned for nothing */
    sig[strlen("Test.HTML.Norm:")] = '0';
    e = vgt_engine("t.ndb", sig);
    vgt_scan_mem(e, doc, strlen(doc), 0, &ev);
    assert_int_equal(ev.result.objects, 1);
    assert_not_detects(&ev, "Test.HTML.Norm");
    vg_engine_unref(e);
}

static void test_clean(void **state)
{
    (void)state;
    static const char *docs[] = {
        "<html><head><title>x</title></head><body><p>Metadata: none, data: fine</p>"
        "<script>var a = \"Hello\\nWorld\"; var b = String.fromCharCode(72, 105);</script>"
        "<a href=\"http://example.com/a%20b%20c%20d%20e\">link</a></body></html>",
        "<html><body><img src=\"data:,\"><img src='data:image/png;base64,'></body></html>",
        "<html><script>var x = '</scr' + 'ipt>';</script><!---->< p>&bogus; &#; &#x;</html>",
    };
    vg_engine *e = engine();
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        vgt_events ev;
        vgt_scan_mem(e, docs[i], strlen(docs[i]), 0, &ev);
        assert_clean(&ev);
        assert_true(ev.result.objects <= 2); /* at most the normalized copy */
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    }
    vg_engine_unref(e);
}

static void test_truncated(void **state)
{
    (void)state;
    vg_engine *e = engine();
    vgt_events ev;
    buf b = new_buf();
    add(&b, "<html><a href=\"data:application/octet-stream;base64,");
    add_b64(&b, 60, "\n");
    size_t full = b.n;
    /* the document ends right after the data: still decoded and scanned */
    vgt_scan_mem(e, b.p, full, 0, &ev);
    assert_detects(&ev, SIG);
    for (size_t cut = 0; cut < full; cut += 11) {
        vgt_scan_mem(e, b.p, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        assert_not_detects(&ev, SIG);
    }
    /* cut inside a script literal and inside an escape */
    b.n = 0;
    add(&b, "<script>s=unescape('");
    for (size_t i = 0; i < sizeof payload; i += 2)
        add(&b, "%%u%02x%02x", payload[i + 1], payload[i]);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_detects(&ev, SIG);
    vgt_scan_mem(e, b.p, b.n - 3, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    vg_engine_unref(e);
    vg_free(b.p);
}

static void test_hostile(void **state)
{
    (void)state;
    vg_engine *e = engine();
    vgt_events ev;
    buf b = new_buf();
    /* 100000 data URIs: max_files (10000 by default) stops them */
    add(&b, "<html>");
    for (int i = 0; i < 100000; i++)
        add(&b, "<img src=\"data:,%d\">", i);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_true(ev.result.objects <= 10002);

    /* one 12 MiB attribute that never ends, full of almost-URIs and escapes */
    b.n = 0;
    add(&b, "<html><body><a href=\"");
    while (b.n < 12u << 20)
        add(&b, "data:x;base64,QUFB data:%%zz \\x4 %%u12 &#x41 &#99999999999;&");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_int_equal(ev.err, VG_OK);

    /* a never-closed comment and a never-closed script literal */
    b.n = 0;
    add(&b, "<html><script>var s = '");
    while (b.n < 4u << 20)
        add(&b, "\\x41\\x42\\x43\\x44");
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_true(ev.result.objects >= 2); /* the long literal was streamed */
    b.n = 0;
    add(&b, "<html><!--");
    memset(b.p + b.n, '-', 1u << 20);
    b.n += 1u << 20;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    vg_engine_unref(e);
    vg_free(b.p);
}

static void test_limits(void **state)
{
    (void)state;
    buf b = new_buf();
    add(&b, "<html>");
    for (int i = 0; i < 5; i++) {
        add(&b, "<img src=\"data:;base64,");
        add_b64(&b, 0, "");
        add(&b, "\">");
    }
    vg_limits lim = vg_limits_default();
    lim.max_files = 3;
    vg_engine *e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 3);
    vg_engine_unref(e);

    /* scan size: the members stop once the file's budget is spent */
    lim = vg_limits_default();
    lim.max_scan_size = b.n + 1000;
    e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_incomplete(&ev, VG_LIMIT_SCANSIZE);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 1);
    vg_engine_unref(e);
    vg_free(b.p);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    buf b = new_buf();
    add(&b, "<HTML><a href='data:;base64,");
    add_b64(&b, 0, "");
    add(&b, "'><script>x=unescape('%%u4141%%u4141%%u4141%%u4141%%u4141')</script>");
    vg_engine *e = engine();
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long n = 1; n < 60; n++) {
        vg_result r;
        vg_mem_fail_after(n);
        vg_error err = vg_scanner_scan_mem(s, b.p, b.n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
    vg_free(b.p);
}

static void test_clamav_file(void **state)
{
    (void)state;
    FILE *f = fopen(CLAM_FILE, "rb");
    if (f == NULL)
        skip();
    fclose(f);
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    vgt_scan_path(e, CLAM_FILE, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_non_null(strstr(vgt_detection_chain(&ev, "ClamAV-Test-File"), "data-uri1"));
    vg_engine_unref(e);
}

int main(void)
{
    vgt_payload(payload, sizeof payload, 777, SIG, sigline, sizeof sigline);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_uri),    cmocka_unit_test(test_script_literals),
        cmocka_unit_test(test_normalized),  cmocka_unit_test(test_clean),
        cmocka_unit_test(test_truncated),   cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_limits),      cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_clamav_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
