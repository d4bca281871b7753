/* BinHex 4.0: both forks found under the header's file name, after mail
 * headers, run-length edge cases, CRC mismatches, cut streams, a
 * run-length bomb, and ClamAV's clam.exe.binhex. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define CLAM_SIG                                                                                   \
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"

static uint8_t payload[544], runs[544];
static char sigs[400];

static void make_payloads(void)
{
    vgt_payload(payload, sizeof payload, 777, "Test.BinHex.Payload", sigs, sizeof sigs);
    /* runs longer than one RLE count, literal 0x90s, a run of 0x90, a
     * 0x90 at the very end */
    size_t o = 0;
    memset(runs, 'A', 300);
    o = 300;
    runs[o++] = 0x90;
    runs[o++] = 'B';
    runs[o++] = 0x90;
    runs[o++] = 0x90;
    memset(runs + o, 0x90, 20);
    o += 20;
    for (; o < sizeof runs - 1; o++)
        runs[o] = (uint8_t)(o * 7);
    runs[o] = 0x90;
    size_t l = strlen(sigs);
    vgt_hsb_line(runs, sizeof runs, "Test.BinHex.Runs", sigs + l, sizeof sigs - l);
}

typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes;

static void put(bytes *b, uint8_t c)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    b->p[b->n++] = c;
}

static uint16_t crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t k = 0; k < n; k++) {
        crc ^= (uint16_t)(p[k] << 8);
        for (int i = 0; i < 8; i++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

static void put_be32(bytes *b, uint32_t v)
{
    for (int s = 24; s >= 0; s -= 8)
        put(b, (uint8_t)(v >> s));
}

/* The decoded byte stream: header, forks, CRCs (bad_crc flips the data
 * fork's CRC). */
static bytes stream(const char *name, const uint8_t *data, size_t dlen, const uint8_t *rsrc,
                    size_t rlen, int bad_crc)
{
    bytes b = {0};
    put(&b, (uint8_t)strlen(name));
    for (const char *p = name; *p; p++)
        put(&b, (uint8_t)*p);
    put(&b, 0);
    for (int i = 0; i < 10; i++)
        put(&b, (uint8_t) "APPLTEXT\0\0"[i]);
    put_be32(&b, (uint32_t)dlen);
    put_be32(&b, (uint32_t)rlen);
    uint16_t c = crc16(b.p, b.n);
    put(&b, (uint8_t)(c >> 8));
    put(&b, (uint8_t)c);
    for (size_t i = 0; i < dlen; i++)
        put(&b, data[i]);
    c = (uint16_t)(crc16(data, dlen) ^ (bad_crc ? 0x1234 : 0));
    put(&b, (uint8_t)(c >> 8));
    put(&b, (uint8_t)c);
    for (size_t i = 0; i < rlen; i++)
        put(&b, rsrc[i]);
    c = crc16(rsrc, rlen);
    put(&b, (uint8_t)(c >> 8));
    put(&b, (uint8_t)c);
    return b;
}

/* Run-length coding as BinHex does it: runs of 3+ become b 0x90 n. */
static bytes rle(const bytes *in)
{
    bytes o = {0};
    for (size_t i = 0; i < in->n;) {
        uint8_t c = in->p[i];
        size_t run = 1;
        while (i + run < in->n && in->p[i + run] == c && run < 255)
            run++;
        put(&o, c);
        if (c == 0x90)
            put(&o, 0);
        if (run >= 3) {
            put(&o, 0x90);
            put(&o, (uint8_t)run);
        } else if (run == 2) {
            put(&o, c);
            if (c == 0x90)
                put(&o, 0);
        }
        i += run;
    }
    return o;
}

static const char alphabet[] = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

/* The text form: marker line, ':', 64 characters a line, ':'. */
static bytes text(const char *before, const bytes *data)
{
    bytes t = {0};
    for (const char *p = before; *p; p++)
        put(&t, (uint8_t)*p);
    for (const char *p = "(This file must be converted with BinHex 4.0)\n\n:"; *p; p++)
        put(&t, (uint8_t)*p);
    size_t col = 1;
    for (size_t i = 0; i < data->n; i += 3) {
        uint32_t v = (uint32_t)data->p[i] << 16 |
                     (uint32_t)(i + 1 < data->n ? data->p[i + 1] : 0) << 8 |
                     (uint32_t)(i + 2 < data->n ? data->p[i + 2] : 0);
        size_t nc = i + 2 < data->n ? 4 : i + 1 < data->n ? 3 : 2;
        for (size_t k = 0; k < nc; k++) {
            put(&t, (uint8_t)alphabet[(v >> (18 - 6 * k)) & 63]);
            if (++col == 64) {
                put(&t, '\n');
                col = 0;
            }
        }
    }
    put(&t, ':');
    put(&t, '\n');
    return t;
}

static bytes hqx(const char *before, const char *name, const uint8_t *data, size_t dlen,
                 const uint8_t *rsrc, size_t rlen, int bad_crc)
{
    bytes s = stream(name, data, dlen, rsrc, rlen, bad_crc);
    bytes r = rle(&s);
    bytes t = text(before, &r);
    free(s.p);
    free(r.p);
    return t;
}

static void scan(const bytes *b, unsigned flags, vgt_events *ev)
{
    vg_engine *e = vgt_engine("t.hsb", sigs);
    vgt_scan_mem(e, b->p, b->n, flags, ev);
    vg_engine_unref(e);
}

static void test_found_both_forks(void **state)
{
    (void)state;
    bytes t = hqx("", "clam.exe", payload, sizeof payload, runs, sizeof runs, 0);
    vgt_events ev;
    scan(&t, VG_SCAN_ALLMATCH, &ev);
    int i = vgt_find_detection(&ev, "Test.BinHex.Payload");
    assert_true(i >= 0);
    assert_string_equal(ev.ev[i].chain, "mem//clam.exe");
    i = vgt_find_detection(&ev, "Test.BinHex.Runs");
    assert_true(i >= 0);
    assert_string_equal(ev.ev[i].chain, "mem//clam.exe.rsrc");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    assert_int_equal(ev.result.objects, 3);
    free(t.p);

    /* no resource fork: one member */
    t = hqx("", "x", runs, sizeof runs, NULL, 0, 0);
    scan(&t, 0, &ev);
    assert_detects(&ev, "Test.BinHex.Runs");
    assert_int_equal(ev.result.objects, 2);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    free(t.p);
}

static void test_after_mail_headers(void **state)
{
    (void)state;
    bytes t = hqx("From: a@example.com\nTo: b@example.com\nSubject: mac file\n\n", "Disk:clam.exe",
                  payload, sizeof payload, NULL, 0, 0);
    vgt_events ev;
    scan(&t, 0, &ev);
    int i = vgt_find_detection(&ev, "Test.BinHex.Payload");
    assert_true(i >= 0);
    assert_non_null(strstr(ev.ev[i].chain, "Disk:clam.exe"));
    free(t.p);
}

static void test_bad_crc(void **state)
{
    (void)state;
    bytes t = hqx("", "clam.exe", payload, sizeof payload, NULL, 0, 1);
    vgt_events ev;
    scan(&t, 0, &ev);
    assert_detects(&ev, "Test.BinHex.Payload");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    free(t.p);
}

static void test_truncated(void **state)
{
    (void)state;
    bytes s = stream("clam.exe", payload, sizeof payload, runs, sizeof runs, 0);
    /* cut right after the data fork (before its CRC) */
    size_t hdr = 1 + 8 + 1 + 10 + 8 + 2;
    bytes cut = {s.p, hdr + sizeof payload, s.cap};
    bytes r = rle(&cut);
    bytes t = text("", &r);
    t.n -= 2; /* no closing ':' */
    vgt_events ev;
    scan(&t, 0, &ev);
    assert_detects(&ev, "Test.BinHex.Payload");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    free(t.p);
    free(r.p);
    /* every cut of the whole text: no crash, an error unless complete */
    t = hqx("", "clam.exe", payload, sizeof payload, runs, sizeof runs, 0);
    vg_engine *e = vgt_engine("t.hsb", sigs);
    for (size_t n = 0; n < t.n - 2; n += 5) {
        vgt_scan_mem(e, t.p, n, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        if (n > 60)
            assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    }
    vg_engine_unref(e);
    free(t.p);
    free(s.p);
}

static void test_hostile(void **state)
{
    (void)state;
    /* run-length bomb: a 4 GiB data fork out of 'A' 0x90 0xff pairs */
    bytes s = {0};
    put(&s, 1);
    put(&s, 'b');
    for (int i = 0; i < 11; i++)
        put(&s, 0);
    put_be32(&s, 0xffffffffu);
    put_be32(&s, 0xffffffffu);
    put(&s, 0);
    put(&s, 0);
    put(&s, 'A');
    for (int i = 0; i < 200000; i++) {
        put(&s, 0x90);
        put(&s, 0xff);
    }
    bytes t = text("", &s);
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 1 << 20;
    vg_engine *e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_events ev;
    vgt_scan_mem(e, t.p, t.n, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    vg_engine_unref(e);
    free(t.p);
    free(s.p);

    /* bytes outside the alphabet, no data at all, a zero-length name */
    static const char *texts[] = {
        "(This file must be converted with BinHex 4.0)\n:!!!!\x01!!!:\n",
        "(This file must be converted with BinHex 4.0)\nno colon here\n",
        "(This file must be converted with BinHex 4.0)\n:!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!:\n",
    };
    e = vgt_engine("t.hsb", sigs);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        vgt_scan_mem(e, texts[i], strlen(texts[i]), 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        assert_int_equal(ev.result.objects, 1);
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    }
    vg_engine_unref(e);
}

static void test_not_binhex(void **state)
{
    (void)state;
    static const char *texts[] = {
        "This file must be converted with BinHex 4.0\n:!!!!:\n",
        "plain text\n",
    };
    vg_engine *e = vgt_engine("t.hsb", sigs);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        vgt_events ev;
        vgt_scan_mem(e, texts[i], strlen(texts[i]), 0, &ev);
        assert_int_equal(ev.result.objects, 1);
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    }
    vg_engine_unref(e);
}

static void test_limits(void **state)
{
    (void)state;
    bytes t = hqx("", "clam.exe", payload, sizeof payload, runs, sizeof runs, 0);
    vg_limits lim = vg_limits_default();
    lim.max_files = 1;
    vg_engine *e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_events ev;
    vgt_scan_mem(e, t.p, t.n, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, "Test.BinHex.Payload");
    assert_not_detects(&ev, "Test.BinHex.Runs");
    assert_incomplete(&ev, VG_LIMIT_FILES);
    vg_engine_unref(e);
    free(t.p);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    bytes t = hqx("", "clam.exe", payload, sizeof payload, runs, sizeof runs, 0);
    vg_engine *e = vgt_engine("t.hsb", sigs);
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long n = 1; n < 40; n++) {
        vg_result r;
        vg_mem_fail_after(n);
        vg_error err = vg_scanner_scan_mem(s, t.p, t.n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
    free(t.p);
}

static void test_clamav_binhex(void **state)
{
    (void)state;
    const char *path = "/usr/share/clamav-testfiles/clam.exe.binhex";
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        skip();
    fclose(f);
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    vgt_scan_path(e, path, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_non_null(strstr(ev.ev[vgt_find_detection(&ev, "ClamAV-Test-File")].chain, "clam.exe"));
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
}

int main(void)
{
    make_payloads();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found_both_forks), cmocka_unit_test(test_after_mail_headers),
        cmocka_unit_test(test_bad_crc),          cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_hostile),          cmocka_unit_test(test_not_binhex),
        cmocka_unit_test(test_limits),           cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_clamav_binhex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
