/* fmt_archive through libarchive: every format and filter it writes, names,
 * nesting, truncation, encryption, bombs and limits. Inputs are built in
 * memory (archive_build.h). */
#include "archive_build.h"

/* ---- formats ---- */

static void test_formats(void **state)
{
    (void)state;
    static const char *formats[] = {"zip", "7zip", "ustar", "pax",     "gnutar", "v7tar", "newc",
                                    "odc", "bin",  "pwb",   "iso9660", "ar",     "xar",   "warc"};
    int skipped = 0;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        size_t len;
        uint8_t *a = build_one(formats[i], NULL, "payload.bin", payload, sizeof payload, &len);
        if (a == NULL) {
            print_message("libarchive cannot write %s: not covered\n", formats[i]);
            skipped++;
            continue;
        }
        print_message("%-8s %6zu bytes\n", formats[i], len);
        assert_true(probe_mem(a, len));
        if (strcmp(formats[i], "warc") == 0)
            expect_body(a, len, 0, "mem//payload.bin"); /* libarchive 3.6 adds the CRLFs */
        else
            expect_payload(a, len, "mem//payload.bin");
        free(a);
    }
    if (skipped == (int)(sizeof formats / sizeof formats[0]))
        skip();
}

/* uuencode is fmt_uu.c's (tests/fmt/test_fmt_uu.c), not libarchive's. */
static const char *filters[] = {"gzip", "bzip2", "xz", "lzma", "zstd", "lz4", "compress", "lzip"};

static void test_tar_filters(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        size_t len;
        uint8_t *a = build_one("ustar", filters[i], "payload.bin", payload, sizeof payload, &len);
        if (a == NULL) {
            print_message("libarchive cannot write tar+%s: not covered\n", filters[i]);
            continue;
        }
        assert_true(probe_mem(a, len));
        expect_payload(a, len, "mem//payload.bin");
        free(a);
    }
}

/* A bare compressed stream is one member, named after its parent. */
static void test_raw_filters(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        size_t len;
        uint8_t *a = build_one("raw", filters[i], "payload.bin", payload, sizeof payload, &len);
        if (a == NULL) {
            print_message("libarchive cannot write raw %s: not covered\n", filters[i]);
            continue;
        }
        assert_true(probe_mem(a, len));
        expect_payload(a, len, "mem//mem.out");
        free(a);
        /* A valid empty stream is no error (libarchive's "empty" format).
         * libarchive 3.6's lz4 writer crashes on an empty stream. */
        if (strcmp(filters[i], "lz4") == 0)
            continue;
        vgt_events ev;
        vg_engine *e = engine_with(NULL);
        a = build_one("raw", filters[i], "empty", "", 0, &len);
        vgt_scan_mem(e, a, len, 0, &ev);
        vgt_dump_events(&ev);
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
        assert_clean(&ev);
        vg_engine_unref(e);
        free(a);
    }
}

/* Scans data as a file named file and expects the payload in the member
 * named like the file, its suffix replaced by becomes. */
static void expect_path_chain(const uint8_t *data, size_t len, const char *file, const char *suffix,
                              const char *becomes)
{
    vg_engine *e = engine_with(NULL);
    vgt_events ev;
    char want[2048];
    const char *path = vgt_write_tmp(file, data, len);
    const char *base = strrchr(path, '/') + 1;
    size_t keep = strlen(base) - strlen(suffix);
    assert_string_equal(base + keep, suffix);
    snprintf(want, sizeof want, "%s//%.*s%s", path, (int)keep, base, becomes);
    vgt_scan_path(e, path, 0, &ev);
    unlink(path);
    assert_detects(&ev, SIG_NAME);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), want);
    vg_engine_unref(e);
}

static void test_raw_names(void **state)
{
    (void)state;
    size_t len;
    uint8_t *gz = build_one("raw", "gzip", "x", payload, sizeof payload, &len);
    assert_non_null(gz);
    expect_path_chain(gz, len, "notes.txt.gz", ".gz", "");
    expect_path_chain(gz, len, "bundle.tgz", ".tgz", ".tar");
    expect_path_chain(gz, len, "NOTES.Z", ".Z", "");
    expect_path_chain(gz, len, "nosuffix", "", ".out");
    free(gz);
    uint8_t *tgz = build_one("ustar", "gzip", "dir/payload.bin", payload, sizeof payload, &len);
    vg_engine *e = engine_with(NULL);
    vgt_events ev;
    const char *path = vgt_write_tmp("real.tgz", tgz, len);
    vgt_scan_path(e, path, 0, &ev);
    unlink(path);
    const char *chain = vgt_detection_chain(&ev, SIG_NAME), *tail = "real.tgz//dir/payload.bin";
    assert_true(strlen(chain) > strlen(tail));
    assert_string_equal(chain + strlen(chain) - strlen(tail), tail);
    vg_engine_unref(e);
    free(tgz);
}

/* Objects larger than the fmap window are read through the handler's own
 * buffer (and seeked: 7z keeps its directory at the end), and members beyond
 * the stream threshold are spooled to a file and read back the same way. */
static void test_file_backed(void **state)
{
    (void)state;
    size_t big_len = 3u << 20, zlen, slen;
    uint8_t *big = malloc(big_len);
    vgt_fill_random(big, big_len, 11);
    member inner[] = {{"big2.bin", big, big_len, 0}, {"payload.bin", payload, sizeof payload, 0}};
    uint8_t *zip = build("zip", NULL, inner, 2, &zlen);
    member outer[] = {{"big.bin", big, big_len, 0}, {"inner.zip", zip, zlen, 0}};
    uint8_t *sz = build("7zip", NULL, outer, 2, &slen);
    vg_limits lim = vg_limits_default();
    lim.stream_threshold = 4096; /* the smallest: fmap windows of 1 MiB */
    vg_engine *e = engine_with(&lim);
    vgt_events ev;
    const char *path = vgt_write_tmp("big.7z", sz, slen);
    vgt_scan_path(e, path, 0, &ev);
    unlink(path);
    vgt_dump_events(&ev);
    const char *chain = vgt_detection_chain(&ev, SIG_NAME),
               *tail = "big.7z//inner.zip//payload.bin";
    assert_true(strlen(chain) > strlen(tail));
    assert_string_equal(chain + strlen(chain) - strlen(tail), tail);
    vg_engine_unref(e);
    free(big);
    free(zip);
    free(sz);
}

/* A stream that inflates to what reads as an empty tar (a zero block) is
 * scanned as a stream, or the bytes behind the zeros would go unseen. */
static void test_hidden_stream(void **state)
{
    (void)state;
    uint8_t data[1024 + PAYLOAD_LEN] = {0};
    memcpy(data + 1024, payload, PAYLOAD_LEN);
    static const char *const flt[] = {"gzip", "bzip2", "xz"};
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        uint8_t *a = build_one("raw", flt[i], "x", data, sizeof data, &len);
        expect_body(a, len, 1024, "mem//mem.out");
        free(a);
    }
}

/* zip in tar.gz in 7z: each level names itself in the chain. */
static void test_nested(void **state)
{
    (void)state;
    size_t zlen, tlen, slen;
    uint8_t *zip = build_one("zip", NULL, "payload.bin", payload, sizeof payload, &zlen);
    uint8_t *tgz = build_one("ustar", "gzip", "inner.zip", zip, zlen, &tlen);
    uint8_t *sz = build_one("7zip", NULL, "a.tar.gz", tgz, tlen, &slen);
    assert_non_null(sz);
    expect_payload(sz, slen, "mem//a.tar.gz//inner.zip//payload.bin");
    free(zip);
    free(tgz);
    free(sz);
}

static void test_clean(void **state)
{
    (void)state;
    uint8_t other[4096];
    vgt_fill_random(other, sizeof other, 77);
    member m[] = {{"a.bin", other, sizeof other, 0}, {"b.txt", "hello\n", 6, 0}};
    size_t len;
    uint8_t *a = build("zip", NULL, m, 2, &len);
    vg_engine *e = engine_with(NULL);
    vgt_events ev;
    vgt_scan_mem(e, a, len, 0, &ev);
    assert_clean(&ev);
    assert_int_equal(ev.n, 0);
    assert_true(ev.result.objects >= 3);
    free(a);
    vg_engine_unref(e);
}

/* Not a container: libarchive recognises nothing, and nothing is said. */
static void test_not_archive(void **state)
{
    (void)state;
    static const struct {
        const char *data;
        size_t len;
    } inputs[] = {
#define TEXT(s) {s, sizeof(s) - 1}
        TEXT("begin here, nothing uuencoded follows\n"),
        TEXT("MZ\x90\0 an executable stub, nothing behind it"),
        TEXT("\x5d\0\0 not lzma at all, whatever the first bytes say"),
        TEXT("\xc7\x71 not binary cpio either, not even close to it"),
#undef TEXT
    };
    vg_engine *e = engine_with(NULL);
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        vgt_events ev;
        vgt_scan_mem(e, inputs[i].data, inputs[i].len, 0, &ev);
        vgt_dump_events(&ev);
        assert_clean(&ev);
        assert_int_equal(ev.n, 0);
    }
    uint8_t noise[8192];
    vgt_fill_random(noise, sizeof noise, 3);
    assert_false(probe_mem(noise, sizeof noise));
    vg_engine_unref(e);
}

static void test_truncated(void **state)
{
    (void)state;
    /* libarchive drops a truncated stream's last output block (64 KiB of a
     * tar.gz): the member after the payload keeps the cut beyond it. */
    static uint8_t big[256 << 10];
    vgt_fill_random(big, sizeof big, 9);
    member m[] = {{"payload.bin", payload, sizeof payload, 0}, {"big.bin", big, sizeof big, 0}};
    static const char *const kinds[][2] = {{"zip", NULL}, {"ustar", "gzip"}, {"7zip", NULL}};
    vg_engine *e = engine_with(NULL);
    for (size_t k = 0; k < 3; k++) {
        size_t len;
        uint8_t *a = build(kinds[k][0], kinds[k][1], m, 2, &len);
        vgt_events ev;
        vgt_scan_mem(e, a, len / 2, VG_SCAN_ALLMATCH, &ev);
        print_message("%s+%s cut at %zu of %zu\n", kinds[k][0], kinds[k][1] ? kinds[k][1] : "",
                      len / 2, len);
        vgt_dump_events(&ev);
        assert_int_equal(ev.err, VG_OK);
        assert_true(vgt_count_errors(&ev, VG_ERR_MALFORMED) >= 1);
        /* 7z keeps its directory at the end: nothing to salvage. */
        if (strcmp(kinds[k][0], "7zip") != 0)
            assert_detects(&ev, SIG_NAME);
        free(a);
    }
    vg_engine_unref(e);
}

static void test_encrypted(void **state)
{
    (void)state;
    member m[] = {{"payload.bin", payload, sizeof payload, 0}};
    size_t len;
    uint8_t *a = build_opts("zip", NULL, "zip:encryption=zipcrypt", m, 1, &len);
    if (a == NULL)
        skip();
    vg_engine *e = engine_with(NULL);
    vgt_events ev;
    vgt_scan_mem(e, a, len, 0, &ev);
    assert_not_detects(&ev, SIG_NAME);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_UNSUPPORTED), 1);
    for (size_t i = 0; i < ev.n; i++)
        if (ev.ev[i].kind == VG_EVENT_ERROR)
            assert_non_null(strstr(ev.ev[i].message, "encrypted member payload.bin"));
    free(a);
    vg_engine_unref(e);
}

/* 1 GiB of zeros (about 1 MiB deflated, written in streamed 1 MiB chunks)
 * followed by the payload. */
static void test_zip_bomb(void **state)
{
    (void)state;
    member m[] = {{"zeros.bin", NULL, 0, (uint64_t)1 << 30},
                  {"payload.bin", payload, sizeof payload, 0}};
    size_t len;
    uint8_t *a = build("zip", NULL, m, 2, &len);
    assert_non_null(a);
    print_message("bomb: %zu bytes\n", len);

    /* Default limits: the first member stops at max_file_size (100 MiB,
     * below 1000 x 1 MiB), and the payload behind it is still reached. */
    vg_engine *e = engine_with(NULL);
    vgt_events ev;
    vgt_scan_mem(e, a, len, 0, &ev);
    vgt_dump_events(&ev);
    assert_true(vgt_find_limit(&ev, VG_LIMIT_FILESIZE) >= 0 ||
                vgt_find_limit(&ev, VG_LIMIT_RATIO) >= 0);
    assert_detects(&ev, SIG_NAME);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//payload.bin");
    vg_engine_unref(e);

    /* A ratio of 20 stops the container: the payload is never inflated. */
    vg_limits lim = vg_limits_default();
    lim.max_ratio = 20;
    e = engine_with(&lim);
    vgt_scan_mem(e, a, len, 0, &ev);
    vgt_dump_events(&ev);
    assert_incomplete(&ev, VG_LIMIT_RATIO);
    assert_not_detects(&ev, SIG_NAME);
    assert_int_equal(ev.result.verdict, VG_VERDICT_INCOMPLETE);
    vg_engine_unref(e);
    free(a);
}

/* The same bomb inside a tar.gz: skipping the rest of the zeros means
 * inflating them, which is bounded by max_ratio and not by libarchive. */
static void test_tgz_bomb(void **state)
{
    (void)state;
    member m[] = {{"zeros.bin", NULL, 0, (uint64_t)256 << 20},
                  {"payload.bin", payload, sizeof payload, 0}};
    size_t len;
    uint8_t *a = build("ustar", "gzip", m, 2, &len);
    assert_non_null(a);
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 1u << 20;
    lim.max_ratio = 100;
    vg_engine *e = engine_with(&lim);
    vgt_events ev;
    vgt_scan_mem(e, a, len, 0, &ev);
    vgt_dump_events(&ev);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    assert_incomplete(&ev, VG_LIMIT_RATIO);
    assert_not_detects(&ev, SIG_NAME);
    vg_engine_unref(e);

    /* With room to skip, the member behind the zeros is scanned. */
    lim.max_ratio = 1000000;
    e = engine_with(&lim);
    vgt_scan_mem(e, a, len, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    assert_detects(&ev, SIG_NAME);
    vg_engine_unref(e);
    free(a);
}

static void test_max_files(void **state)
{
    (void)state;
    member m[50];
    char names[50][16];
    for (int i = 0; i < 50; i++) {
        snprintf(names[i], sizeof names[i], "f%02d.txt", i);
        m[i] = (member){names[i], names[i], strlen(names[i]), 0};
    }
    m[49] = (member){"payload.bin", payload, sizeof payload, 0};
    size_t len;
    uint8_t *a = build("zip", NULL, m, 50, &len);
    vg_limits lim = vg_limits_default();
    lim.max_files = 10;
    vg_engine *e = engine_with(&lim);
    vgt_events ev;
    vgt_scan_mem(e, a, len, 0, &ev);
    vgt_dump_events(&ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_not_detects(&ev, SIG_NAME);
    assert_int_equal(ev.result.verdict, VG_VERDICT_INCOMPLETE);
    assert_true(ev.result.objects <= 11);
    vg_engine_unref(e);
    free(a);
}

/* 20 gzip layers: libarchive would peel them all in one pass; each must be
 * one level of nesting so that max_depth sees them. */
static void test_depth(void **state)
{
    (void)state;
    size_t len = sizeof payload;
    uint8_t *cur = malloc(len);
    memcpy(cur, payload, len);
    for (int i = 0; i < 20; i++) {
        size_t n;
        uint8_t *next = build_one("raw", "gzip", "x", cur, len, &n);
        free(cur);
        cur = next;
        len = n;
    }
    vg_limits lim = vg_limits_default();
    lim.max_depth = 5;
    vg_engine *e = engine_with(&lim);
    vgt_events ev;
    vgt_scan_mem(e, cur, len, 0, &ev);
    vgt_dump_events(&ev);
    assert_incomplete(&ev, VG_LIMIT_DEPTH);
    assert_not_detects(&ev, SIG_NAME);
    vg_engine_unref(e);

    lim.max_depth = 25;
    e = engine_with(&lim);
    vgt_scan_mem(e, cur, len, 0, &ev);
    assert_detects(&ev, SIG_NAME);
    assert_int_equal(vgt_find_limit(&ev, VG_LIMIT_DEPTH), -1);
    vg_engine_unref(e);
    free(cur);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    member m[] = {{"a.txt", "hello\n", 6, 0}, {"payload.bin", payload, sizeof payload, 0}};
    size_t len;
    uint8_t *a = build("zip", "gzip", m, 2, &len); /* gzip filter + zip format */
    vg_engine *e = engine_with(NULL);
    for (unsigned long n = 1; n <= 200; n++) {
        vg_scanner *s = NULL;
        assert_int_equal(vg_scanner_new(e, &s), VG_OK);
        vg_mem_fail_after(n);
        vg_result r;
        (void)vg_scanner_scan_mem(s, a, len, "mem", &r); /* any outcome but a crash or leak */
        vg_mem_fail_after(0);
        vg_scanner_free(s);
    }
    vgt_events ev;
    vgt_scan_mem(e, a, len, 0, &ev); /* and the engine is unharmed */
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//payload.bin");
    vg_engine_unref(e);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),     cmocka_unit_test(test_tar_filters),
        cmocka_unit_test(test_raw_filters), cmocka_unit_test(test_raw_names),
        cmocka_unit_test(test_nested),      cmocka_unit_test(test_hidden_stream),
        cmocka_unit_test(test_file_backed), cmocka_unit_test(test_clean),
        cmocka_unit_test(test_not_archive), cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_encrypted),   cmocka_unit_test(test_zip_bomb),
        cmocka_unit_test(test_tgz_bomb),    cmocka_unit_test(test_max_files),
        cmocka_unit_test(test_depth),       cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup_all, NULL);
}
