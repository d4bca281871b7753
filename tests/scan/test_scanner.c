/* The scan loop end to end through the public API: hash and body
 * detections, allow-lists, ignore lists, allmatch, streaming of objects
 * larger than the stream threshold, the compiled-matcher cache, limits,
 * and allocation failures. */
#include "testutil.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

static const char eicar[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

static void hexdigest(const EVP_MD *md, const void *data, size_t len, char *out)
{
    uint8_t d[64];
    unsigned n = 0;
    EVP_Digest(data, len, d, &n, md, NULL);
    for (unsigned i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_builtin_eicar(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine(NULL, NULL);
    vgt_events ev;
    vgt_scan_mem(e, eicar, strlen(eicar), 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_detects(&ev, "Eicar-Test-Signature");
    assert_int_equal(ev.result.verdict, VG_VERDICT_INFECTED);
    vgt_scan_mem(e, "hello", 5, 0, &ev);
    assert_clean(&ev);
    vg_engine_unref(e);
}

static void test_hash_kinds_and_sizes(void **state)
{
    (void)state;
    const char *data = "malicious payload for hashing";
    size_t len = strlen(data);
    char md5[65], sha1[65], sha256[65], sigs[1024];
    hexdigest(EVP_md5(), data, len, md5);
    hexdigest(EVP_sha1(), data, len, sha1);
    hexdigest(EVP_sha256(), data, len, sha256);
    snprintf(sigs, sizeof sigs, "%s:%zu:Test.MD5\n%s:%zu:Test.SHA1\n%s:*:Test.SHA256.Any\n", md5,
             len, sha1, len, sha256);
    vg_engine *e = vgt_engine("t.hsb", sigs);
    vgt_events ev;
    vgt_scan_mem(e, data, len, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, "Test.MD5");
    assert_detects(&ev, "Test.SHA1");
    assert_detects(&ev, "Test.SHA256.Any");
    vg_engine_unref(e);

    /* The right digest with the wrong size is not a detection. */
    snprintf(sigs, sizeof sigs, "%s:%zu:Test.WrongSize\n", md5, len + 1);
    e = vgt_engine("t.hdb", sigs);
    vgt_scan_mem(e, data, len, 0, &ev);
    assert_clean(&ev);
    vg_engine_unref(e);
}

static void test_allow_list_suppresses(void **state)
{
    (void)state;
    char sha256[65], sigs[512];
    hexdigest(EVP_sha256(), eicar, strlen(eicar), sha256);
    vg_engine *e = NULL;
    vg_diag d;
    assert_int_equal(vg_engine_new(NULL, &e), VG_OK);
    assert_int_equal(vg_engine_load_builtin(e), VG_OK);
    snprintf(sigs, sizeof sigs, "%s:%zu:Known.Good\n", sha256, strlen(eicar));
    assert_int_equal(vg_engine_load_mem(e, "ok.sfp", sigs, strlen(sigs), &d), VG_OK);
    assert_int_equal(vg_engine_compile(e, NULL, &d), VG_OK);
    vgt_events ev;
    vgt_scan_mem(e, eicar, strlen(eicar), 0, &ev);
    assert_clean(&ev);
    /* One byte more and the allow-list entry no longer applies. */
    char other[128];
    snprintf(other, sizeof other, "%s\n", eicar);
    vgt_scan_mem(e, other, strlen(other), 0, &ev);
    assert_detects(&ev, "Eicar-Test-Signature");
    vg_engine_unref(e);
}

static void test_ignore_list_drops_signature(void **state)
{
    (void)state;
    vg_engine *e = NULL;
    vg_diag d;
    assert_int_equal(vg_engine_new(NULL, &e), VG_OK);
    assert_int_equal(vg_engine_load_builtin(e), VG_OK);
    const char *ign = "Eicar-Test-Signature\n";
    assert_int_equal(vg_engine_load_mem(e, "local.ign2", ign, strlen(ign), &d), VG_OK);
    assert_int_equal(vg_engine_compile(e, NULL, &d), VG_OK);
    vgt_events ev;
    vgt_scan_mem(e, eicar, strlen(eicar), 0, &ev);
    assert_clean(&ev);
    vg_engine_stats st;
    vg_engine_stats_get(e, &st);
    assert_int_equal(st.ignored, 1);
    vg_engine_unref(e);
}

static void test_allmatch_and_first_match(void **state)
{
    (void)state;
    const char *sigs = "Sig.A:0:*:414141414242424243434343\n"
                       "Sig.B:0:*:5858585859595959\n";
    vg_engine *e = vgt_engine("t.ndb", sigs);
    const char *data = "....AAAABBBBCCCC.....XXXXYYYY....";
    vgt_events ev;
    vgt_scan_mem(e, data, strlen(data), 0, &ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 1);
    vgt_scan_mem(e, data, strlen(data), VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    assert_detects(&ev, "Sig.A");
    assert_detects(&ev, "Sig.B");
    int i = vgt_find_detection(&ev, "Sig.A");
    assert_int_equal(ev.ev[i].offset, 4);
    vg_engine_unref(e);
}

/* A file larger than the stream threshold is scanned in chunks: a
 * signature that straddles a chunk boundary and one near the end are found,
 * and the hash (computed over the chunks) is right too. */
static void test_large_object_streamed(void **state)
{
    (void)state;
    size_t len = (5u << 20) + 777;
    uint8_t *buf = vg_calloc(1, len);
    assert_non_null(buf);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 7 + (i >> 9));
    const char *straddle = "STRADDLING-THE-CHUNK-EDGE";
    memcpy(buf + (2u << 20) - 10, straddle, strlen(straddle));
    const char *tail = "NEAR-THE-VERY-END";
    memcpy(buf + len - 30, tail, strlen(tail));
    char sha[65], sigs[1024];
    hexdigest(EVP_sha256(), buf, len, sha);
    char hex1[128] = "", hex2[128] = "";
    for (size_t i = 0; straddle[i]; i++)
        sprintf(hex1 + 2 * i, "%02x", (unsigned char)straddle[i]);
    for (size_t i = 0; tail[i]; i++)
        sprintf(hex2 + 2 * i, "%02x", (unsigned char)tail[i]);
    snprintf(sigs, sizeof sigs, "Big.Straddle:0:*:%s\nBig.Tail:0:EOF-30:%s\n", hex1, hex2);
    vg_limits lim = vg_limits_default();
    lim.stream_threshold = 1u << 20;
    vg_engine *e = vgt_engine_limits("t.ndb", sigs, &lim);
    const char *path = vgt_write_tmp("big.bin", buf, len);
    vgt_events ev;
    vgt_scan_path(e, path, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_detects(&ev, "Big.Straddle");
    assert_detects(&ev, "Big.Tail");
    assert_int_equal(ev.ev[vgt_find_detection(&ev, "Big.Straddle")].offset, (2u << 20) - 10);
    vg_engine_unref(e);

    snprintf(sigs, sizeof sigs, "%s:%zu:Big.Hash\n", sha, len);
    e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_scan_path(e, path, 0, &ev);
    assert_detects(&ev, "Big.Hash");
    vg_engine_unref(e);
    unlink(path);
    vg_free(buf);
}

static void test_stream_from_pipe(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine(NULL, NULL);
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], eicar, strlen(eicar)), (ssize_t)strlen(eicar));
    close(p[1]);
    vg_scanner *s;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    vg_result r;
    assert_int_equal(vg_scanner_scan_fd(s, p[0], "stdin", &r), VG_OK);
    assert_int_equal(r.verdict, VG_VERDICT_INFECTED);
    close(p[0]);
    vg_scanner_free(s);
    vg_engine_unref(e);
}

static void test_filesize_limit_scans_prefix(void **state)
{
    (void)state;
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 4096;
    vg_engine *e = vgt_engine_limits(NULL, NULL, &lim);
    uint8_t *buf = vg_calloc(1, 10000);
    memcpy(buf + 100, eicar, strlen(eicar));
    vgt_events ev;
    vgt_scan_mem(e, buf, 10000, VG_SCAN_ALLMATCH, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    vg_engine_unref(e);

    /* EICAR at offset 0 inside the prefix is still found. */
    memcpy(buf, eicar, strlen(eicar));
    e = vgt_engine_limits(NULL, NULL, &lim);
    vgt_scan_mem(e, buf, 10000, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, "Eicar-Test-Signature");
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    vg_engine_unref(e);
    vg_free(buf);
}

static void test_cache_second_start(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/cache-%d", VG_TEST_TMP, (int)getpid());
    mkdir(VG_TEST_TMP, 0700);
    assert_int_equal(mkdir(dir, 0700), 0);
    const char *sigs = "C.One:0:*:6361636865646174612d6f6e65\nC.Two:0:*:6361636865{2-4}74776f\n";
    vg_compile_opts opts = {.cache_dir = dir};
    vg_engine_stats st;
    for (int round = 0; round < 3; round++) {
        vg_engine *e = NULL;
        vg_diag d;
        assert_int_equal(vg_engine_new(NULL, &e), VG_OK);
        assert_int_equal(vg_engine_load_mem(e, "c.ndb", sigs, strlen(sigs), &d), VG_OK);
        assert_int_equal(vg_engine_compile(e, &opts, &d), VG_OK);
        vg_engine_stats_get(e, &st);
        /* round 0 compiles, round 1 loads, round 2 finds a corrupted file
         * (the engine image and the matcher cache) and builds again
         * rather than trusting either */
        assert_int_equal(st.cache_hit, round == 1);
        vgt_events ev;
        vgt_scan_mem(e, "xx cachedata-one xx", 19, 0, &ev);
        assert_detects(&ev, "C.One");
        vg_engine_unref(e);
        if (round == 1) {
            char cmd[1024];
            snprintf(cmd, sizeof cmd,
                     "for f in %s/*; do printf 'garbage' | dd of=$f bs=1 seek=100 "
                     "conv=notrunc 2>/dev/null; done",
                     dir);
            assert_int_equal(system(cmd), 0);
        }
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* A malformed line fails compile with its location, and nothing scans:
 * there is no engine with the file's good lines but not its bad one. */
/* Every distinct set of sources leaves an image; only the newest stay. */
static void test_cache_is_pruned(void **state)
{
    (void)state;
    char dir[512], cmd[700];
    snprintf(dir, sizeof dir, "%s/prune-%d", VG_TEST_TMP, (int)getpid());
    mkdir(VG_TEST_TMP, 0700);
    assert_int_equal(mkdir(dir, 0700), 0);
    vg_compile_opts opts = {.cache_dir = dir};
    for (int i = 0; i < 6; i++) {
        char sig[128];
        snprintf(sig, sizeof sig, "P.%d:0:*:70727566652d746573742d%02x\n", i, i);
        vg_engine *e = NULL;
        assert_int_equal(vg_engine_new(NULL, &e), VG_OK);
        assert_int_equal(vg_engine_load_mem(e, "p.ndb", sig, strlen(sig), NULL), VG_OK);
        assert_int_equal(vg_engine_compile(e, &opts, NULL), VG_OK);
        vg_engine_unref(e);
    }
    snprintf(cmd, sizeof cmd, "test $(ls %s | grep -c '^engine-') -eq 3", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "test $(ls %s | grep -c '^hs-') -eq 6", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_malformed_line_fails_compile(void **state)
{
    (void)state;
    vg_engine *e = NULL;
    vg_diag d;
    assert_int_equal(vg_engine_new(NULL, &e), VG_OK);
    const char *bad = "Good.Sig:0:*:41424344454647\nBad.Sig:0:*:41zz\n";
    assert_int_equal(vg_engine_load_mem(e, "bad.ndb", bad, strlen(bad), &d), VG_OK);
    assert_int_equal(vg_engine_compile(e, NULL, &d), VG_ERR_MALFORMED);
    assert_string_equal(d.source, "bad.ndb");
    assert_int_equal(d.line, 2);
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_ERR_INVALID_ARG);
    assert_null(s);
    vg_engine_unref(e);

    /* Unknown file types and missing paths are refused when named. */
    assert_int_equal(vg_engine_new(NULL, &e), VG_OK);
    assert_int_equal(vg_engine_load_mem(e, "sigs.txt", "x", 1, &d), VG_ERR_UNSUPPORTED);
    assert_int_equal(vg_engine_load(e, "/nonexistent/main.hdb", &d), VG_ERR_NOT_FOUND);
    vg_engine_unref(e);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    const char *sigs = "F.One:0:*:414243444546{2}4748\n";
    for (unsigned long n = 1; n < 400; n++) {
        vg_engine *e = NULL;
        vg_diag d;
        vg_mem_fail_after(n);
        vg_error err = vg_engine_new(NULL, &e);
        if (err == VG_OK)
            err = vg_engine_load_mem(e, "f.ndb", sigs, strlen(sigs), &d);
        if (err == VG_OK)
            err = vg_engine_load_builtin(e);
        if (err == VG_OK)
            err = vg_engine_compile(e, NULL, &d);
        vg_scanner *s = NULL;
        if (err == VG_OK)
            err = vg_scanner_new(e, &s);
        vg_result r;
        if (err == VG_OK)
            err = vg_scanner_scan_mem(s, eicar, strlen(eicar), "m", &r);
        vg_mem_fail_after(0);
        vg_scanner_free(s);
        vg_engine_unref(e);
        /* Every failure is reported as such; none crashes or leaks (ASan). */
        assert_true(err == VG_OK || err == VG_ERR_NOMEM || err == VG_ERR_MATCHER);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_eicar),
        cmocka_unit_test(test_hash_kinds_and_sizes),
        cmocka_unit_test(test_allow_list_suppresses),
        cmocka_unit_test(test_ignore_list_drops_signature),
        cmocka_unit_test(test_allmatch_and_first_match),
        cmocka_unit_test(test_large_object_streamed),
        cmocka_unit_test(test_stream_from_pipe),
        cmocka_unit_test(test_filesize_limit_scans_prefix),
        cmocka_unit_test(test_cache_second_start),
        cmocka_unit_test(test_cache_is_pruned),
        cmocka_unit_test(test_malformed_line_fails_compile),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
