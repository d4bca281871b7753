/* RTF objects: a Package found and named by its label, other OLE1 classes'
 * native data, objdata without an OLE1 header, \bin runs, hex with junk
 * and an odd digit, documents cut short, hostile nesting, limits. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define SIG       "Test.RTF.Payload"
#define CLAM_FILE "/usr/share/clamav-testfiles/clam.exe.rtf"
#define CLAM_SIG                                                                                   \
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"
#define BUF_SIZE (1u << 20)

static uint8_t payload[544];
static char sigline[200];

/* A growing byte buffer for building documents. */
typedef struct buf {
    uint8_t *p;
    size_t n;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    assert_true(b->n + n <= BUF_SIZE);
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put32(buf *b, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, le, 4);
}

static buf new_buf(void)
{
    buf b = {vg_malloc(BUF_SIZE), 0};
    assert_non_null(b.p);
    return b;
}

/* OLE1 embedded object of class cls with the given native data. */
static buf ole1(const char *cls, const uint8_t *native, size_t len)
{
    buf b = new_buf();
    put32(&b, 0x0501);
    put32(&b, 2);
    put32(&b, (uint32_t)strlen(cls) + 1);
    put(&b, cls, strlen(cls) + 1);
    put32(&b, 0);
    put32(&b, 0);
    put32(&b, (uint32_t)len);
    put(&b, native, len);
    return b;
}

/* OLE Package native data embedding data as label. */
static buf package(const char *label, const uint8_t *data, size_t len)
{
    buf b = new_buf();
    put(&b, "\2\0", 2);
    put(&b, label, strlen(label) + 1);
    puts_(&b, "C:\\temp\\");
    put(&b, label, strlen(label) + 1);
    put(&b, "\0\0\3\0", 4);
    const char *tmp = "C:\\Users\\x\\AppData\\Local\\Temp\\t.exe";
    put32(&b, (uint32_t)strlen(tmp) + 1);
    put(&b, tmp, strlen(tmp) + 1);
    put32(&b, (uint32_t)len);
    put(&b, data, len);
    return b;
}

/* Hex of data, with a newline every `line` digits (0: none). */
static void put_hex(buf *b, const uint8_t *d, size_t n, size_t line)
{
    char h[3];
    for (size_t i = 0; i < n; i++) {
        snprintf(h, sizeof h, "%02x", d[i]);
        put(b, h, 2);
        if (line && (i + 1) % line == 0)
            puts_(b, "\r\n");
    }
}

static void put_object(buf *doc, const uint8_t *obj, size_t n)
{
    puts_(doc, "{\\object\\objemb\\objw855\\objh765{\\*\\objclass Package}{\\*\\objdata ");
    put_hex(doc, obj, n, 64);
    puts_(doc, "}}");
}

static vg_engine *engine(void)
{
    return vgt_engine("t.hsb", sigline);
}

static void test_package(void **state)
{
    (void)state;
    buf pk = package("clam.exe", payload, sizeof payload);
    buf ob = ole1("Package", pk.p, pk.n);
    buf doc = new_buf();
    puts_(&doc, "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\\pard Hello\\par ");
    put_object(&doc, ob.p, ob.n);
    puts_(&doc, "\\par}\r\n");
    vg_engine *e = engine();
    vgt_events ev;
    vgt_scan_mem(e, doc.p, doc.n, 0, &ev);
    assert_detects(&ev, SIG);
    assert_string_equal(ev.ev[vgt_find_detection(&ev, SIG)].chain, "mem//clam.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);

    /* "{\rt" with leading whitespace is RTF to Word, and so to us */
    doc.n = 0;
    puts_(&doc, "\r\n  {\\rtxyz ");
    put_object(&doc, ob.p, ob.n);
    vgt_scan_mem(e, doc.p, doc.n, 0, &ev);
    assert_detects(&ev, SIG);
    vg_engine_unref(e);
    vg_free(pk.p);
    vg_free(ob.p);
    vg_free(doc.p);
}

static void test_other_class_and_raw(void **state)
{
    (void)state;
    buf ob = ole1("Word.Document.8", payload, sizeof payload);
    buf doc = new_buf();
    puts_(&doc, "{\\rtf1 ");
    put_object(&doc, ob.p, ob.n);
    puts_(&doc, "}");
    vg_engine *e = engine();
    vgt_events ev;
    vgt_scan_mem(e, doc.p, doc.n, 0, &ev);
    assert_detects(&ev, SIG);
    assert_string_equal(ev.ev[vgt_find_detection(&ev, SIG)].chain, "mem//objdata:Word.Document.8");

    /* No OLE1 header; whitespace, junk and a group Word ignores between the
     * digits; an odd last digit. */
    doc.n = 0;
    puts_(&doc, "{\\rtf1 {\\object{\\*\\objdata\n");
    for (size_t i = 0; i < sizeof payload; i++) {
        char h[3];
        snprintf(h, sizeof h, "%02X", payload[i]);
        put(&doc, h, 1);
        if (i % 7 == 3)
            puts_(&doc, " \t\n");
        if (i % 50 == 10)
            puts_(&doc, "{\\*\\ignoreme 4142}");
        if (i % 90 == 11)
            puts_(&doc, "zz");
        put(&doc, h + 1, 1);
    }
    puts_(&doc, "7}}}");
    vgt_scan_mem(e, doc.p, doc.n, 0, &ev);
    assert_detects(&ev, SIG);
    assert_string_equal(ev.ev[vgt_find_detection(&ev, SIG)].chain, "mem//objdata1");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
    vg_free(ob.p);
    vg_free(doc.p);
}

static void test_bin(void **state)
{
    (void)state;
    buf doc = new_buf();
    char hdr[64];
    snprintf(hdr, sizeof hdr, "{\\rtf1 {\\pict\\wmetafile8\\bin%zu ", sizeof payload);
    puts_(&doc, hdr);
    put(&doc, payload, sizeof payload);
    puts_(&doc, "}}");
    vg_engine *e = engine();
    vgt_events ev;
    vgt_scan_mem(e, doc.p, doc.n, 0, &ev);
    assert_detects(&ev, SIG);
    assert_string_equal(ev.ev[vgt_find_detection(&ev, SIG)].chain, "mem//bin1");

    /* \bin inside \objdata: the raw bytes are part of the object */
    doc.n = 0;
    puts_(&doc, "{\\rtf1{\\object{\\*\\objdata ");
    put_hex(&doc, payload, 100, 0);
    snprintf(hdr, sizeof hdr, "\\bin%zu ", sizeof payload - 100);
    puts_(&doc, hdr);
    put(&doc, payload + 100, sizeof payload - 100);
    puts_(&doc, "}}}");
    vgt_scan_mem(e, doc.p, doc.n, 0, &ev);
    assert_detects(&ev, SIG);
    assert_string_equal(ev.ev[vgt_find_detection(&ev, SIG)].chain, "mem//objdata1");

    /* \bin claiming more than the document holds */
    doc.n = 0;
    puts_(&doc, "{\\rtf1 {\\pict\\bin4000000000 ");
    put(&doc, payload, sizeof payload);
    vgt_scan_mem(e, doc.p, doc.n, 0, &ev);
    assert_detects(&ev, SIG); /* the rest of the object is the run */
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    vg_engine_unref(e);
    vg_free(doc.p);
}

static void test_cut_short(void **state)
{
    (void)state;
    buf pk = package("clam.exe", payload, sizeof payload);
    buf ob = ole1("Package", pk.p, pk.n);
    buf doc = new_buf();
    puts_(&doc, "{\\rtf1 {\\object{\\*\\objdata ");
    put_hex(&doc, ob.p, ob.n, 80);
    size_t full = doc.n;
    vg_engine *e = engine();
    vgt_events ev;
    /* every byte of the object there, no closing braces: scanned, reported */
    vgt_scan_mem(e, doc.p, full, 0, &ev);
    assert_detects(&ev, SIG);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    /* cut inside the data: what was decoded is scanned, the cut reported */
    vgt_scan_mem(e, doc.p, full - 200, 0, &ev);
    assert_not_detects(&ev, SIG);
    assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);
    assert_true(ev.result.objects >= 2);
    for (size_t cut = 0; cut < full; cut += 13) {
        vgt_scan_mem(e, doc.p, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
    }
    vg_engine_unref(e);
    vg_free(pk.p);
    vg_free(ob.p);
    vg_free(doc.p);
}

static void test_clean(void **state)
{
    (void)state;
    static const char *docs[] = {
        "{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 Hello {\\b world}\\par 0123456789abcdef}",
        "{\\rtf1 {\\pict\\pngblip 89504e470d0a1a0a0000}}",
        "{\\rtf1 \\bin0 }",
        "{\\rtf1 {\\*\\objdata }}",
        "{\\rtf1 \\'e9\\'\\\\\\{\\}}}}}",
    };
    vg_engine *e = engine();
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        vgt_events ev;
        vgt_scan_mem(e, docs[i], strlen(docs[i]), 0, &ev);
        assert_clean(&ev);
        assert_int_equal(ev.result.objects, 1); /* nothing emitted */
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    }
    vg_engine_unref(e);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    buf doc = new_buf();
    puts_(&doc, "{\\rtf1 ");
    for (int i = 0; i < 100000; i++)
        puts_(&doc, "{");
    puts_(&doc, "{\\object{\\*\\objdata ");
    put_hex(&doc, payload, sizeof payload, 0);
    puts_(&doc, "}}");
    for (int i = 0; i < 100000; i++)
        puts_(&doc, "}");
    puts_(&doc, "}");
    vg_engine *e = engine();
    vgt_events ev;
    vgt_scan_mem(e, doc.p, doc.n, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_detects(&ev, SIG); /* parsed flat, still found */
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    /* only opening braces */
    memset(doc.p, '{', 200000);
    memcpy(doc.p, "{\\rtf1", 6);
    vgt_scan_mem(e, doc.p, 200000, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    vg_engine_unref(e);
    vg_free(doc.p);
}

static void test_hostile_headers(void **state)
{
    (void)state;
    /* OLE1 header claiming 4 GiB of native data, and a class name length
     * past everything: emitted as far as it goes, never allocated. */
    buf ob = ole1("Package", payload, sizeof payload);
    uint32_t huge = 0xfffffff0u;
    memcpy(ob.p + 8 + 4 + 8 + 8, &huge, 4);
    buf doc = new_buf();
    puts_(&doc, "{\\rtf1 ");
    put_object(&doc, ob.p, ob.n);
    memcpy(ob.p + 8, &huge, 4);
    put_object(&doc, ob.p, ob.n);
    puts_(&doc, "}");
    vg_engine *e = engine();
    vgt_events ev;
    vgt_scan_mem(e, doc.p, doc.n, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_true(ev.result.objects >= 3);
    vg_engine_unref(e);
    vg_free(ob.p);
    vg_free(doc.p);
}

static void test_limits(void **state)
{
    (void)state;
    buf doc = new_buf();
    puts_(&doc, "{\\rtf1 ");
    for (int i = 0; i < 5; i++) {
        puts_(&doc, "{\\object{\\*\\objdata ");
        put_hex(&doc, payload, sizeof payload, 0);
        puts_(&doc, "}}");
    }
    puts_(&doc, "}");
    vg_limits lim = vg_limits_default();
    lim.max_files = 2;
    vg_engine *e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_events ev;
    vgt_scan_mem(e, doc.p, doc.n, VG_SCAN_ALLMATCH, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    vg_engine_unref(e);

    /* depth: an RTF packaged inside an RTF, its object one level too deep */
    doc.n = 0;
    puts_(&doc, "{\\rtf1 {\\object{\\*\\objdata ");
    put_hex(&doc, payload, sizeof payload, 0);
    puts_(&doc, "}}}");
    buf pk = package("inner.rtf", doc.p, doc.n);
    buf ob = ole1("Package", pk.p, pk.n);
    doc.n = 0;
    puts_(&doc, "{\\rtf1 ");
    put_object(&doc, ob.p, ob.n);
    puts_(&doc, "}");
    e = engine();
    vgt_scan_mem(e, doc.p, doc.n, 0, &ev);
    assert_detects(&ev, SIG);
    assert_string_equal(ev.ev[vgt_find_detection(&ev, SIG)].chain, "mem//inner.rtf//objdata1");
    vg_engine_unref(e);
    lim = vg_limits_default();
    lim.max_depth = 1;
    e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_scan_mem(e, doc.p, doc.n, 0, &ev);
    assert_not_detects(&ev, SIG);
    assert_incomplete(&ev, VG_LIMIT_DEPTH);
    vg_engine_unref(e);
    vg_free(pk.p);
    vg_free(ob.p);
    vg_free(doc.p);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    buf pk = package("clam.exe", payload, sizeof payload);
    buf ob = ole1("Package", pk.p, pk.n);
    buf doc = new_buf();
    puts_(&doc, "{\\rtf1 ");
    put_object(&doc, ob.p, ob.n);
    puts_(&doc, "{\\pict\\bin4 abcd}}");
    vg_engine *e = engine();
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long n = 1; n < 60; n++) {
        vg_result r;
        vg_mem_fail_after(n);
        vg_error err = vg_scanner_scan_mem(s, doc.p, doc.n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
    vg_free(pk.p);
    vg_free(ob.p);
    vg_free(doc.p);
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
    assert_non_null(strstr(ev.ev[vgt_find_detection(&ev, "ClamAV-Test-File")].chain, "Clam.exe"));
    vg_engine_unref(e);
}

int main(void)
{
    vgt_payload(payload, sizeof payload, 4242, SIG, sigline, sizeof sigline);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_package),
        cmocka_unit_test(test_other_class_and_raw),
        cmocka_unit_test(test_bin),
        cmocka_unit_test(test_cut_short),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_clamav_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
