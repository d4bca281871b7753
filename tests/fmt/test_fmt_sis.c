/* Symbian SIS files: release 6 (zlib, UTF-16 names) and 3/5 (stored, 8-bit
 * names) made here, multi-language and conditional records, truncation,
 * pointers past the end, huge counts, a zlib bomb, Symbian 9 (SISX), and
 * ClamAV's clam.sis. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/mem.h"
#include "fmt_testbuf.h"

#define SIG_PAYLOAD "Test.SIS.Payload"
#define SIG_OTHER   "Test.SIS.Other"

#define UID2_R3 0x1000006Du
#define UID2_R6 0x10003A12u

static uint8_t payload[544];
static uint8_t other[300];
static char sigs[400];

static void make_payload(void)
{
    vgt_payload(payload, sizeof payload, 12345, SIG_PAYLOAD, sigs, sizeof sigs);
    for (size_t i = 0; i < sizeof other; i++)
        other[i] = (uint8_t)(payload[i] ^ 0x5a);
    size_t l = strlen(sigs);
    vgt_hsb_line(other, sizeof other, SIG_OTHER, sigs + l, sizeof sigs - l);
}

/* ---- SIS v1 writer ---- */

enum { R_SIMPLE = 0, R_MULTI = 1, R_OPTIONS = 2, R_IF = 3, R_ELSE = 5, R_ENDIF = 6 };

typedef struct rec {
    unsigned type;
    const char *dest;
    const uint8_t *data[2]; /* per language (multi-language: two) */
    size_t len[2];
    unsigned ftype;
} rec;

typedef struct sis_opts {
    int r6, compress, unicode;
    unsigned nlangs;
} sis_opts;

static size_t rec_size(const rec *r, const sis_opts *o)
{
    unsigned nl = r->type == R_MULTI ? o->nlangs : 1;
    switch (r->type) {
    case R_SIMPLE:
    case R_MULTI:
        return 4 + 24 + (o->r6 ? 12u : 8u) * nl + (o->r6 ? 8 : 0);
    case R_OPTIONS:
        return 4 + 4 + 1 * o->nlangs * 8 + 16;
    case R_IF:
        return 4 + 4 + 8;
    default:
        return 4;
    }
}

/* Appends s as a name at out + *d (UTF-16 when unicode); returns its length. */
static uint32_t put_name(uint8_t *out, size_t *d, const char *s, int unicode)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (unicode) {
            out[*d + 2 * i] = (uint8_t)s[i];
            out[*d + 2 * i + 1] = 0;
        } else {
            out[*d + i] = (uint8_t)s[i];
        }
    }
    uint32_t len = (uint32_t)(unicode ? 2 * n : n);
    *d += len;
    return len;
}

static size_t build(uint8_t *out, const rec *r, size_t n, const sis_opts *o)
{
    size_t rec_off = 0x64 + 2 * o->nlangs, d = rec_off;
    for (size_t i = 0; i < n; i++)
        d += rec_size(&r[i], o);
    memset(out, 0, d);
    le32(out + 0, 0x01000000u);
    le32(out + 4, o->r6 ? UID2_R6 : UID2_R3);
    le32(out + 8, 0x10000419u);
    le16(out + 0x12, o->nlangs);
    le16(out + 0x14, (unsigned)n);
    le32(out + 0x20, 200);
    le16(out + 0x24, (o->unicode ? 1u : 0u) | (o->compress ? 0u : 8u));
    le32(out + 0x30, 0x64);
    le32(out + 0x34, (uint32_t)rec_off);
    size_t at = rec_off;
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = out + at;
        le32(p, r[i].type);
        if (r[i].type == R_OPTIONS) {
            le32(p + 4, 1);
        } else if (r[i].type == R_IF) {
            le32(p + 4, 8);
        } else if (r[i].type == R_SIMPLE || r[i].type == R_MULTI) {
            unsigned nl = r[i].type == R_MULTI ? o->nlangs : 1;
            le32(p + 4, r[i].ftype);
            le32(p + 16, (uint32_t)d);
            le32(p + 12, put_name(out, &d, "c:\\src\\file", o->unicode));
            le32(p + 24, (uint32_t)d);
            le32(p + 20, put_name(out, &d, r[i].dest, o->unicode));
            for (unsigned k = 0; k < nl; k++) {
                const uint8_t *data = r[i].data[k < 2 ? k : 1];
                size_t len = r[i].len[k < 2 ? k : 1];
                uLongf cl = compressBound(len);
                if (k > 0 && data == r[i].data[k - 1]) {
                    /* the same file for another language: the same bytes */
                    memcpy(p + 28 + 4 * k, p + 24 + 4 * k, 4);
                    memcpy(p + 28 + 4 * (nl + k), p + 24 + 4 * (nl + k), 4);
                    if (o->r6)
                        le32(p + 28 + 4 * (2 * nl + k), (uint32_t)len);
                    continue;
                }
                if (len == 0) {
                    cl = 0;
                } else if (o->compress) {
                    compress(out + d, &cl, data, len);
                } else {
                    memcpy(out + d, data, len);
                    cl = len;
                }
                le32(p + 28 + 4 * k, (uint32_t)cl);
                le32(p + 28 + 4 * (nl + k), (uint32_t)d);
                if (o->r6)
                    le32(p + 28 + 4 * (2 * nl + k), (uint32_t)len);
                d += cl;
            }
        }
        at += rec_size(&r[i], o);
    }
    return d;
}

static const sis_opts R6 = {1, 1, 1, 1};

/* ---- cases ---- */

static void test_found_named(void **state)
{
    (void)state;
    static const sis_opts variants[] = {
        {1, 1, 1, 1}, /* release 6, zlib, UTF-16 names */
        {1, 0, 1, 1}, /* release 6, NoCompress */
        {0, 0, 0, 1}, /* release 5: stored, 8-bit names */
    };
    vg_engine *e = vgt_engine("t.hsb", sigs);
    uint8_t *buf = malloc(1 << 16);
    for (size_t v = 0; v < 3; v++) {
        rec r[] = {{R_SIMPLE, "!:\\sys\\bin\\clam.exe", {payload}, {sizeof payload}, 0}};
        size_t n = build(buf, r, 1, &variants[v]);
        vgt_events ev;
        vgt_scan_mem(e, buf, n, 0, &ev);
        assert_detects(&ev, SIG_PAYLOAD);
        assert_string_equal(vgt_detection_chain(&ev, SIG_PAYLOAD), "mem//!:/sys/bin/clam.exe");
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    }
    /* a clean one */
    rec c[] = {{R_SIMPLE, "!:\\readme.txt", {(const uint8_t *)"hello", NULL}, {5, 0}, 1}};
    size_t n = build(buf, c, 1, &R6);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_clean(&ev);
    assert_int_equal(ev.result.objects, 2);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    free(buf);
    vg_engine_unref(e);
}

static void test_records_walked(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigs);
    uint8_t *buf = malloc(1 << 16);
    sis_opts two = {1, 1, 1, 2};
    rec r[] = {
        {R_OPTIONS, NULL, {NULL}, {0}, 0},
        {R_IF, NULL, {NULL}, {0}, 0},
        {R_SIMPLE, "!:\\nothing", {NULL}, {0}, 4}, /* file type 4: no data */
        {R_ELSE, NULL, {NULL}, {0}, 0},
        {R_MULTI, "!:\\app.exe", {other, payload}, {sizeof other, sizeof payload}, 0},
        {R_ENDIF, NULL, {NULL}, {0}, 0},
    };
    size_t n = build(buf, r, 6, &two);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, VG_SCAN_ALLMATCH, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG_OTHER), "mem//!:/app.exe.lang1");
    assert_string_equal(vgt_detection_chain(&ev, SIG_PAYLOAD), "mem//!:/app.exe.lang2");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    assert_int_equal(ev.result.objects, 3);
    /* the same file for both languages is emitted once */
    r[4].data[1] = other;
    r[4].len[1] = sizeof other;
    n = build(buf, r, 6, &two);
    vgt_scan_mem(e, buf, n, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(ev.result.objects, 2);
    free(buf);
    vg_engine_unref(e);
}

static void test_truncated(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigs);
    uint8_t *buf = malloc(1 << 16);
    for (int compress = 0; compress <= 1; compress++) {
        sis_opts o = {1, compress, 1, 1};
        rec r[] = {{R_SIMPLE, "!:\\clam.exe", {payload}, {sizeof payload}, 0},
                   {R_SIMPLE, "!:\\b.exe", {other}, {sizeof other}, 0}};
        size_t n = build(buf, r, 2, &o);
        vgt_events ev;
        for (size_t cut = 0; cut < n; cut += 7) {
            vgt_scan_mem(e, buf, cut, 0, &ev);
            assert_int_equal(ev.err, VG_OK);
        }
        /* cut inside the second file: the first is found, the cut reported */
        vgt_scan_mem(e, buf, n - 10, VG_SCAN_ALLMATCH, &ev);
        assert_detects(&ev, SIG_PAYLOAD);
        assert_int_equal(vgt_count_errors(&ev, VG_ERR_TRUNCATED), 1);
        /* only the header */
        vgt_scan_mem(e, buf, 0x50, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);
    }
    free(buf);
    vg_engine_unref(e);
}

static void test_pointers_past_end(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigs);
    uint8_t *buf = malloc(1 << 16);
    rec r[] = {{R_SIMPLE, "!:\\clam.exe", {payload}, {sizeof payload}, 0}};
    size_t n = build(buf, r, 1, &R6);
    size_t rec0 = 0x66;
    vgt_events ev;

    /* name pointer past the end: a generic name, still scanned */
    le32(buf + rec0 + 24, 0xFFFFFFF0u);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG_PAYLOAD), "mem//c:/src/file");
    le32(buf + rec0 + 16, 0xFFFFFFF0u);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG_PAYLOAD), "mem//file1");

    /* data pointer and length past the end */
    n = build(buf, r, 1, &R6);
    uint32_t ptr = (uint32_t)(buf[rec0 + 32] | buf[rec0 + 33] << 8);
    le32(buf + rec0 + 32, 0xFFFFFFF0u);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_not_detects(&ev, SIG_PAYLOAD);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_TRUNCATED), 1);
    le32(buf + rec0 + 32, ptr);
    le32(buf + rec0 + 28, 0x7FFFFFFFu);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_detects(&ev, SIG_PAYLOAD); /* the zlib stream ends by itself */
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_TRUNCATED), 1);

    /* files pointer past the end; unknown record type; 1000 languages */
    n = build(buf, r, 1, &R6);
    le32(buf + 0x34, 0x7FFFFFF0u);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_TRUNCATED), 1);
    le32(buf + 0x34, 0x66);
    le32(buf + rec0, 77);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);
    le32(buf + rec0, 0);
    le16(buf + 0x12, 1000);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);
    free(buf);
    vg_engine_unref(e);
}

/* A stored file pointing at its own package, or two files sharing bytes:
 * each nesting level would multiply the work. Refused, reported once. */
static void test_self_reference(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigs);
    uint8_t *buf = malloc(1 << 16);
    sis_opts st = {1, 0, 1, 1};
    rec r[] = {{R_SIMPLE, "!:\\a", {other}, {sizeof other}, 0},
               {R_SIMPLE, "!:\\b", {payload}, {sizeof payload}, 0},
               {R_SIMPLE, "!:\\c", {payload}, {sizeof payload}, 0}};
    size_t n = build(buf, r, 3, &st);
    size_t rec0 = 0x66, rl = 4 + 24 + 12 + 8;
    le32(buf + rec0 + 28, (uint32_t)n); /* a: the whole package */
    le32(buf + rec0 + 32, 0);
    /* c: b's bytes shifted by one */
    uint32_t bptr = (uint32_t)(buf[rec0 + rl + 32] | buf[rec0 + rl + 33] << 8);
    le32(buf + rec0 + 2 * rl + 32, bptr + 1);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, VG_SCAN_ALLMATCH, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG_PAYLOAD), "mem//!:/b");
    assert_int_equal(ev.result.objects, 2);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);
    free(buf);
    vg_engine_unref(e);
}

/* 65535 records (the most a u16 count holds), all the same clean file:
 * max_files stops them. And a count far beyond the records present. */
static void test_many_files(void **state)
{
    (void)state;
    size_t nr = 65535;
    rec *r = calloc(nr, sizeof *r);
    for (size_t i = 0; i < nr; i++)
        r[i] = (rec){R_SIMPLE, "!:\\a.txt", {(const uint8_t *)"abc", NULL}, {3, 0}, 0};
    uint8_t *buf = malloc(16u << 20);
    size_t n = build(buf, r, nr, &R6);
    vg_limits lim = vg_limits_default();
    lim.max_files = 100;
    vg_engine *e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(ev.result.objects, 101);

    n = build(buf, r, 3, &R6);
    le16(buf + 0x14, 0xFFFF);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_int_equal(ev.result.objects, 4);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1); /* record 4: the names */
    vg_engine_unref(e);
    free(buf);
    free(r);
}

static void test_zlib_bomb(void **state)
{
    (void)state;
    size_t big = 64u << 20;
    uint8_t *zeros = calloc(1, big);
    rec r[] = {{R_SIMPLE, "!:\\zeros", {zeros}, {big}, 0}};
    uint8_t *buf = malloc(1u << 20);
    size_t n = build(buf, r, 1, &R6);
    free(zeros);
    vg_limits lim = vg_limits_default();
    lim.max_ratio = 4;
    lim.max_file_size = lim.max_scan_size = 1u << 30;
    vg_engine *e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_RATIO);
    vg_engine_unref(e);
    free(buf);
}

/* ---- Symbian 9 ---- */

/* A field: type (unless in an array), length, data, padding. */
static size_t field(uint8_t *o, int typed, uint32_t type, const uint8_t *data, size_t len)
{
    size_t h = 0;
    if (typed)
        le32(o, type), h = 4;
    le32(o + h, (uint32_t)len);
    memmove(o + h + 4, data, len);
    size_t n = h + 4 + len;
    while (n % 4)
        o[n++] = 0;
    return n;
}

static size_t build_sisx(uint8_t *out, const uint8_t *data, size_t len)
{
    uint8_t *a = malloc(1 << 16), *b = malloc(1 << 16);
    /* SISCompressed: algorithm 1, size, zlib */
    le32(a, 1), le32(a + 4, (uint32_t)len), le32(a + 8, 0);
    uLongf cl = 60000;
    compress(a + 12, &cl, data, len);
    size_t n = field(b, 1, 3, a, 12 + cl); /* SISCompressed */
    n = field(a + 4, 0, 32, b, n) + 4;     /* SISFileData in an array */
    le32(a, 32);                           /* of SISFileData */
    n = field(b, 1, 2, a, n);              /* SISArray */
    n = field(a + 4, 0, 31, b, n) + 4;     /* SISDataUnit in an array */
    le32(a, 31);
    n = field(b, 1, 2, a, n);  /* SISArray */
    n = field(a, 1, 30, b, n); /* SISData */
    static const uint8_t ck[4] = {1, 2, 3, 4};
    size_t m = field(b, 1, 34, ck, 2); /* SISControllerChecksum */
    m += field(b + m, 1, 3, ck, 4);    /* a (fake) controller */
    memcpy(b + m, a, n);
    m += n;
    le32(out, 0x10201A7Au), le32(out + 4, 0), le32(out + 8, 0x12345678u), le32(out + 12, 0);
    n = 16 + field(out + 16, 1, 12, b, m); /* SISContents */
    free(a);
    free(b);
    return n;
}

static void test_sisx(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigs);
    uint8_t *buf = malloc(1 << 16);
    size_t n = build_sisx(buf, payload, sizeof payload);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG_PAYLOAD), "mem//data0/file0");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    for (size_t cut = 0; cut < n; cut += 7) {
        vgt_scan_mem(e, buf, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
    }
    /* a length that overruns its container */
    le32(buf + 20, 0x7FFFFFF0u);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);
    free(buf);
    vg_engine_unref(e);
}

static const char *clam_sis = "/usr/share/clamav-testfiles/clam.sis";
static const char *clam_sig =
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n";

static void test_clamav_file(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *data = vgt_read_file(clam_sis, &len);
    if (data == NULL)
        skip();
    vg_engine *e = vgt_engine("clam.hsb", clam_sig);
    vgt_events ev;
    vgt_scan_path(e, clam_sis, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_non_null(strstr(vgt_detection_chain(&ev, "ClamAV-Test-File"), "clam.exe"));
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    for (size_t cut = 0; cut < len; cut += 7) {
        vgt_scan_mem(e, data, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
    }
    vg_free(data);
    vg_engine_unref(e);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    uint8_t *buf = malloc(1 << 16);
    rec r[] = {{R_SIMPLE, "!:\\a", {other}, {sizeof other}, 0},
               {R_SIMPLE, "!:\\b", {payload}, {sizeof payload}, 0}};
    size_t n = build(buf, r, 2, &R6);
    vg_engine *e = vgt_engine("t.hsb", sigs);
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long k = 1; k < 60; k++) {
        vg_result res;
        vg_mem_fail_after(k);
        vg_error err = vg_scanner_scan_mem(s, buf, n, "m", &res);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
    free(buf);
}

int main(void)
{
    make_payload();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found_named),    cmocka_unit_test(test_records_walked),
        cmocka_unit_test(test_truncated),      cmocka_unit_test(test_pointers_past_end),
        cmocka_unit_test(test_self_reference), cmocka_unit_test(test_many_files),
        cmocka_unit_test(test_zlib_bomb),      cmocka_unit_test(test_sisx),
        cmocka_unit_test(test_clamav_file),    cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
