/* SZDD and KWAJ (COMPRESS.EXE) members: generated with a literal-only LZSS
 * encoder (flag byte 0xFF + 8 literals) and KWAJ's stored and XOR methods;
 * named from the header or the object's name, cut short, LZSS bombs and
 * unknown methods, limits, and ClamAV's clam.exe.szdd. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "fmt_testbuf.h"

#define CLAM_SZDD "/usr/share/clamav-testfiles/clam.exe.szdd"
#define CLAM_SIG                                                                                   \
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"

static uint8_t payload[544];
static char sigline[200];

/* LZSS with literals only: every flag bit 1. */
static size_t lzss_literals(uint8_t *out, const uint8_t *data, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i += 8) {
        out[o++] = 0xff;
        for (size_t k = i; k < i + 8 && k < len; k++)
            out[o++] = data[k];
    }
    return o;
}

static size_t make_szdd(uint8_t *out, const uint8_t *data, size_t len, char missing,
                        uint32_t declared)
{
    static const uint8_t magic[8] = {'S', 'Z', 'D', 'D', 0x88, 0xf0, 0x27, 0x33};
    memcpy(out, magic, 8);
    out[8] = 'A';
    out[9] = (uint8_t)missing;
    le32(out + 10, declared);
    return 14 + lzss_literals(out + 14, data, len);
}

/* KWAJ with method 0 (stored) or 1 (XOR 0xFF); name/ext NULL = not stored. */
static size_t make_kwaj(uint8_t *out, int method, const char *name, const char *ext,
                        const uint8_t *data, size_t len)
{
    static const uint8_t magic[8] = {'K', 'W', 'A', 'J', 0x88, 0xf0, 0x27, 0xd1};
    memcpy(out, magic, 8);
    uint16_t flags = 0x01; /* length */
    if (name)
        flags |= 0x08;
    if (ext)
        flags |= 0x10;
    size_t o = 14;
    le32(out + o, (uint32_t)len);
    o += 4;
    if (name) {
        memcpy(out + o, name, strlen(name) + 1);
        o += strlen(name) + 1;
    }
    if (ext) {
        memcpy(out + o, ext, strlen(ext) + 1);
        o += strlen(ext) + 1;
    }
    out[8] = (uint8_t)method;
    out[9] = 0;
    out[10] = (uint8_t)o;
    out[11] = (uint8_t)(o >> 8);
    out[12] = (uint8_t)flags;
    out[13] = 0;
    for (size_t i = 0; i < len; i++)
        out[o + i] = method == 1 ? (uint8_t)(data[i] ^ 0xff) : data[i];
    return o + len;
}

static void test_szdd_found(void **state)
{
    (void)state;
    uint8_t buf[1024];
    size_t n = make_szdd(buf, payload, sizeof payload, 'E', sizeof payload);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_detects(&ev, "Test.SZDD.Payload");
    assert_string_equal(vgt_detection_chain(&ev, "Test.SZDD.Payload"), "mem//<decompressed>");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);

    /* SETUP.EX_ keeps the extension's last letter in the header */
    vgt_scan_path(e, vgt_write_tmp("CLAM.EX_", buf, n), 0, &ev);
    assert_detects(&ev, "Test.SZDD.Payload");
    const char *c = vgt_detection_chain(&ev, "Test.SZDD.Payload");
    assert_true(strlen(c) > 8);
    assert_string_equal(c + strlen(c) - 8, "CLAM.EXE");
    vg_engine_unref(e);
}

static void test_kwaj_found(void **state)
{
    (void)state;
    uint8_t buf[1024];
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    for (int method = 0; method <= 1; method++) {
        size_t n = make_kwaj(buf, method, "CLAM", "EXE", payload, sizeof payload);
        vgt_scan_mem(e, buf, n, 0, &ev);
        assert_detects(&ev, "Test.SZDD.Payload");
        assert_string_equal(vgt_detection_chain(&ev, "Test.SZDD.Payload"), "mem//CLAM.EXE");
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    }
    size_t n = make_kwaj(buf, 1, NULL, NULL, payload, sizeof payload);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.SZDD.Payload"), "mem//data");
    vg_engine_unref(e);
}

static void test_clean(void **state)
{
    (void)state;
    uint8_t other[300], buf[1024];
    memset(other, 'x', sizeof other);
    size_t n = make_szdd(buf, other, sizeof other, 'T', sizeof other);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_clean(&ev);
    assert_int_equal(ev.result.objects, 2); /* the file and its member */
    /* "SZDD" without the rest of the magic is not SZDD */
    vgt_scan_mem(e, "SZDD plain text", 15, 0, &ev);
    assert_int_equal(ev.result.objects, 1);
    vg_engine_unref(e);
}

static void test_truncated(void **state)
{
    (void)state;
    uint8_t buf[1024];
    size_t n = make_szdd(buf, payload, sizeof payload, 'E', sizeof payload);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    for (size_t cut = 0; cut < n; cut += 5) {
        vgt_scan_mem(e, buf, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        assert_not_detects(&ev, "Test.SZDD.Payload");
        if (cut >= 8) /* the magic is there: the cut is reported */
            assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);
    }
    /* KWAJ cut in the data: what is there is still a member */
    n = make_kwaj(buf, 0, "CLAM", "EXE", payload, sizeof payload);
    for (size_t cut = 8; cut < n; cut += 9) {
        vgt_scan_mem(e, buf, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        assert_not_detects(&ev, "Test.SZDD.Payload");
    }
    vg_engine_unref(e);
}

/* LZSS references only: 2 input bytes make 18 output bytes, forever. */
static void test_hostile(void **state)
{
    (void)state;
    size_t n = 14 + 9 * 40000;
    uint8_t *buf = vg_malloc(n);
    static const uint8_t magic[8] = {'S', 'Z', 'D', 'D', 0x88, 0xf0, 0x27, 0x33};
    memcpy(buf, magic, 8);
    buf[8] = 'A';
    buf[9] = 'E';
    le32(buf + 10, 0xffffffffu);
    size_t o = 14;
    while (o + 17 <= n) {
        buf[o++] = 0x00; /* 8 references */
        for (int k = 0; k < 8; k++) {
            buf[o++] = 0xf0; /* position 0xff0, the window's spaces */
            buf[o++] = 0xff; /* length 15 + 3 */
        }
    }
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 1u << 20;
    vg_engine *e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_events ev;
    vgt_scan_mem(e, buf, o, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);

    /* KWAJ: an unknown method and a data offset past the end */
    uint8_t k[1024];
    size_t kn = make_kwaj(k, 9, "A", NULL, payload, 100);
    vgt_scan_mem(e, k, kn, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);
    kn = make_kwaj(k, 0, "A", NULL, payload, 100);
    k[10] = 0xff;
    k[11] = 0xff;
    vgt_scan_mem(e, k, kn, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);
    vg_engine_unref(e);
    vg_free(buf);
}

static void test_limits(void **state)
{
    (void)state;
    uint8_t buf[1024];
    size_t n = make_szdd(buf, payload, sizeof payload, 'E', sizeof payload);
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 500;
    vg_engine *e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_not_detects(&ev, "Test.SZDD.Payload");
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    vg_engine_unref(e);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    uint8_t buf[1024];
    size_t n = make_szdd(buf, payload, sizeof payload, 'E', sizeof payload);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long k = 1; k < 40; k++) {
        vg_result r;
        vg_mem_fail_after(k);
        vg_error err = vg_scanner_scan_mem(s, buf, n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
}

static void test_clamav_file(void **state)
{
    (void)state;
    FILE *f = fopen(CLAM_SZDD, "rb");
    if (f == NULL)
        skip();
    fclose(f);
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    vgt_scan_path(e, CLAM_SZDD, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
}

int main(void)
{
    vgt_payload(payload, sizeof payload, 4242, "Test.SZDD.Payload", sigline, sizeof sigline);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_szdd_found),     cmocka_unit_test(test_kwaj_found),
        cmocka_unit_test(test_clean),          cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_hostile),        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_alloc_failures), cmocka_unit_test(test_clamav_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
