/* PDF handler against hostile input: long filter chains, a flate bomb,
 * deep nesting, a million objects, reference abuse, the limits, a file
 * larger than a window, and ClamAV's own clam.pdf.
 * The PDFs are written by pdf_build.h. */
#include "pdf_build.h"

/* ---- hostile input ---- */

static void test_long_filter_chain(void **state)
{
    (void)state;
    buf f = {0};
    tb_str(&f, "/Filter [");
    for (int i = 0; i < 100; i++)
        tb_str(&f, "/FlateDecode ");
    tb_str(&f, "]");
    buf b = {0};
    pdf_head(&b);
    pdf_stream(&b, 4, (const char *)f.p, payload, sizeof payload);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    /* not decoded: emitted as stored, and reported */
    expect_payload(e, &b, "mem//obj4", 1);
    vg_engine_unref(e);
    free(f.p);
    free(b.p);
}

/* 1 KiB of Flate of Flate expanding to 256 MiB of zeros. */
static void test_flate_bomb(void **state)
{
    (void)state;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit(&zs, 9), Z_OK);
    static uint8_t zeros[1 << 20];
    size_t cap = 2u << 20;
    uint8_t *inner = malloc(cap);
    zs.next_out = inner;
    zs.avail_out = (uInt)cap;
    for (int i = 0; i < 256; i++) {
        zs.next_in = zeros;
        zs.avail_in = sizeof zeros;
        assert_int_equal(deflate(&zs, i == 255 ? Z_FINISH : Z_NO_FLUSH),
                         i == 255 ? Z_STREAM_END : Z_OK);
    }
    size_t in_n = cap - zs.avail_out;
    deflateEnd(&zs);
    size_t zn;
    uint8_t *outer = deflate_buf(inner, in_n, &zn);
    print_message("bomb: %zu bytes -> %zu -> 256 MiB\n", zn, in_n);
    assert_true(zn <= 1024);
    buf b = {0};
    pdf_head(&b);
    pdf_stream(&b, 4, "/Filter [/FlateDecode /FlateDecode]", outer, zn);
    /* a second bomb whose output no stage keeps: white space into AHx */
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    time_t t0 = time(NULL);
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_true(vgt_find_limit(&ev, VG_LIMIT_RATIO) >= 0 ||
                vgt_find_limit(&ev, VG_LIMIT_FILESIZE) >= 0);
    assert_true(time(NULL) - t0 < 30);
    b.n = 0;
    pdf_head(&b);
    pdf_stream(&b, 4, "/Filter [/FlateDecode /FlateDecode /ASCIIHexDecode]", outer, zn);
    t0 = time(NULL);
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_true(vgt_find_limit(&ev, VG_LIMIT_RATIO) >= 0);
    assert_true(time(NULL) - t0 < 30);
    vg_engine_unref(e);
    free(inner);
    free(outer);
    free(b.p);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    buf b = {0};
    pdf_head(&b);
    tb_str(&b, "1 0 obj\n");
    for (int i = 0; i < 100000; i++)
        tb_str(&b, "<< /A [");
    tb_str(&b, "\nendobj\n");
    pdf_stream(&b, 4, "", payload, sizeof payload);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, "Test.PDF.Payload");
    assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);
    vg_engine_unref(e);
    free(b.p);
}

static void test_million_objects(void **state)
{
    (void)state;
    buf b = {0};
    pdf_head(&b);
    for (unsigned i = 1; i <= 1000010; i++)
        b_printf(&b, "%u 0 obj %u endobj\n", i, i);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    time_t t0 = time(NULL);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    print_message("10^6 objects (%zu bytes): %ld s\n", b.n, (long)(time(NULL) - t0));
    assert_true(time(NULL) - t0 < 60);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    vg_engine_unref(e);
    free(b.p);
}

/* Thousands of streams whose /Filter points to one 1-MiB object: the
 * parse budget stops re-reading it, in bounded time. */
static void test_reference_abuse(void **state)
{
    (void)state;
    buf b = {0};
    pdf_head(&b);
    tb_str(&b, "5 0 obj\n[");
    for (int i = 0; i < 500000; i++)
        tb_str(&b, "0 ");
    tb_str(&b, "]\nendobj\n");
    for (unsigned i = 6; i < 3006; i++)
        b_printf(&b, "%u 0 obj\n<< /Length 1 /Filter 5 0 R >>\nstream\nx\nendstream\nendobj\n", i);
    pdf_stream(&b, 4000, "", payload, sizeof payload);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    time_t t0 = time(NULL);
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    print_message("reference abuse: %ld s\n", (long)(time(NULL) - t0));
    assert_true(time(NULL) - t0 < 20);
    assert_true(chain_detects(&ev, "Test.PDF.Payload", "mem//obj4000"));
    vg_engine_unref(e);
    free(b.p);
}

static void test_limits(void **state)
{
    (void)state;
    buf b = {0};
    pdf_head(&b);
    for (unsigned i = 4; i < 9; i++)
        pdf_stream(&b, i, "", payload, sizeof payload);
    vg_limits lim = vg_limits_default();
    lim.max_files = 2;
    vg_engine *e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    vg_engine_unref(e);

    lim = vg_limits_default();
    lim.max_file_size = 4096;
    e = vgt_engine_limits("t.hsb", sigline, &lim);
    b.n = 0;
    pdf_head(&b);
    uint8_t big[8192];
    memset(big, 'A', sizeof big);
    pdf_stream(&b, 4, "", big, sizeof big);
    pdf_stream(&b, 5, "", payload, sizeof payload); /* still scanned after the limit */
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    assert_true(chain_detects(&ev, "Test.PDF.Payload", "mem//obj5"));
    vg_engine_unref(e);
    free(b.p);
}

/* A PDF of several MiB read through a file: streams larger than an fmap
 * window are decoded in pieces. */
static void test_large_file(void **state)
{
    (void)state;
    size_t big = 3u << 20;
    uint8_t *noise = malloc(big + sizeof payload);
    vgt_fill_random(noise, big, 99);
    memcpy(noise + big, payload, sizeof payload);
    char sigs[400];
    vgt_hsb_line(noise, big + sizeof payload, "Test.PDF.Big", sigs, sizeof sigs);
    size_t l = strlen(sigs);
    vgt_hsb_line(payload, sizeof payload, "Test.PDF.Payload", sigs + l, sizeof sigs - l);
    size_t zn;
    uint8_t *z = deflate_buf(noise, big + sizeof payload, &zn);
    buf b = {0};
    pdf_head(&b);
    pdf_stream(&b, 4, "", noise, big);
    pdf_stream(&b, 5, "/Filter /FlateDecode", z, zn);
    pdf_stream(&b, 6, "", payload, sizeof payload);
    const char *path = vgt_write_tmp("big.pdf", b.p, b.n);
    vg_engine *e = vgt_engine("t.hsb", sigs);
    vgt_events ev;
    vgt_scan_path(e, path, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    int found = 0;
    for (size_t i = 0; i < ev.n; i++)
        if (ev.ev[i].kind == VG_EVENT_DETECTION) {
            const char *c = strrchr(ev.ev[i].chain, '/');
            found |= strcmp(ev.ev[i].signature, "Test.PDF.Big") == 0 && strcmp(c, "/obj5") == 0;
            found |=
                (strcmp(ev.ev[i].signature, "Test.PDF.Payload") == 0 && strcmp(c, "/obj6") == 0)
                << 1;
        }
    assert_int_equal(found, 3);
    vg_engine_unref(e);
    remove(path);
    free(noise);
    free(z);
    free(b.p);
}

static void test_clamav_file(void **state)
{
    (void)state;
    const char *path = "/usr/share/clamav-testfiles/clam.pdf";
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        skip();
    fclose(f);
    vg_engine *e = vgt_engine(
        "clam.hsb",
        "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n");
    vgt_events ev;
    vgt_scan_path(e, path, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    const char *chain = ev.ev[vgt_find_detection(&ev, "ClamAV-Test-File")].chain;
    assert_non_null(strstr(chain, "//clam.exe"));
    vg_engine_unref(e);
}

int main(void)
{
    vgt_payload(payload, sizeof payload, 12345, "Test.PDF.Payload", sigline, sizeof sigline);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_filter_chain), cmocka_unit_test(test_flate_bomb),
        cmocka_unit_test(test_deep_nesting),      cmocka_unit_test(test_million_objects),
        cmocka_unit_test(test_reference_abuse),   cmocka_unit_test(test_limits),
        cmocka_unit_test(test_large_file),        cmocka_unit_test(test_clamav_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
