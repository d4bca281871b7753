/* fmt_zip_legacy: Deflate64 and imploded members found in zips (the
 * decoders alone: test_zip_legacy_decoders.c).
 *
 * Inputs are made here: Deflate64 zips by 7-Zip (skipped when 7z is absent),
 * plain deflate streams by zlib (loaded with dlopen, so the library never
 * links it), and imploded streams by the encoder in zip_legacy_build.h that follows the
 * APPNOTE literally, tree construction included, so that  the decoder's
 * grouped representation of the trees is checked against the spec's own
 * algorithm in every mode (4K/8K, two/three trees). Zips around them are
 * written byte by byte. ClamAV's clam.d64.zip and clam.impl.zip, made by
 * real PKZIP-compatible writers, are scanned when clamav-testfiles is
 * installed. */
#include "zip_legacy_build.h"

/* ---- tests ---- */

/* First, while the process is small: 200 MB of zeros stop at max_file_size
 * and peak memory stays far below what inflating it whole would take. */
static void test_bomb(void **state)
{
    (void)state;
    if (!have_7z())
        skip();
    size_t len;
    uint8_t *z = sh_zip("head -c 200M /dev/zero | 7z a -tzip -mm=Deflate64 -mx=1 -sizeros.bin "
                        "out.zip",
                        &len);
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 1u << 20;
    vg_engine *e = vgt_engine_limits("t.hsb", sigs, &lim);
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    vgt_events ev;
    vgt_scan_mem(e, z, len, 0, &ev);
    getrusage(RUSAGE_SELF, &after);
    assert_int_equal(ev.err, VG_OK);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    assert_true(after.ru_maxrss - before.ru_maxrss < 32 * 1024); /* KiB */

    /* The decoder itself stops at the sink's word, early in its input. */
    uint32_t data = 30u + z[26] + (z[27] << 8) + z[28] + (z[29] << 8);
    sinkbuf s = {.limit = 1u << 20};
    uint64_t used = 0;
    assert_int_equal(run_inflate(z + data, len - data, VGI_INFLATE_DEFLATE64, &s, &used),
                     VG_ERR_LIMIT);
    assert_true(s.b.n <= 1u << 20);
    assert_true(used < (len - data) / 10);
    free(s.b.p);
    vg_engine_unref(e);
    vg_free(z);
}

static void test_7z_deflate64(void **state)
{
    (void)state;
    if (!have_7z())
        skip();
    /* Repeats from up to 60 KiB back: only Deflate64 distances reach them. */
    size_t n = 200000;
    uint8_t *p = malloc(n);
    fill_repetitive(p, n);
    char sig[256], cmd[512];
    vgt_hsb_line(p, n, SIG_NAME, sig, sizeof sig);
    const char *path = vgt_write_tmp("zl-payload.exe", p, n);
    snprintf(cmd, sizeof cmd, "cp '%s' payload.exe && 7z a -tzip -mm=Deflate64 out.zip payload.exe",
             path);
    size_t len;
    uint8_t *z = sh_zip(cmd, &len);
    unlink(path);
    assert_int_equal(z[8], 9); /* method 9 in the local header */
    /* 7-Zip used what plain deflate lacks: our plain mode refuses it. */
    uint32_t data = 30u + z[26] + (z[27] << 8) + z[28] + (z[29] << 8);
    sinkbuf s = {0};
    assert_int_equal(run_inflate(z + data, len - data, VGI_INFLATE_PLAIN, &s, NULL),
                     VG_ERR_MALFORMED);
    free(s.b.p);
    vg_engine *e = vgt_engine("t.hsb", sig);
    vgt_events ev;
    vgt_scan_mem(e, z, len, 0, &ev);
    assert_detects(&ev, SIG_NAME);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//payload.exe");
    assert_int_equal(our_errors(&ev, "member"), 0);

    /* A wrong CRC in the directory is an error; the data is scanned anyway. */
    assert_true(len > 22 && memcmp(z + len - 22, "PK\5\6", 4) == 0);
    uint8_t *cd = z + (z[len - 6] | z[len - 5] << 8 | z[len - 4] << 16);
    assert_memory_equal(cd, "PK\1\2", 4);
    cd[16] ^= 0x55;
    vgt_scan_mem(e, z, len, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, SIG_NAME);
    assert_int_equal(our_errors(&ev, "CRC-32"), 1);
    vg_engine_unref(e);
    vg_free(z);
    free(p);
}

static void test_clamav_files(void **state)
{
    (void)state;
    if (access(CLAM_DIR "/clam.d64.zip", R_OK) != 0 || access(CLAM_DIR "/clam.impl.zip", R_OK) != 0)
        skip();
    vg_engine *e = vgt_engine("t.hsb", CLAM_SIG);
    vgt_events ev;
    vgt_scan_path(e, CLAM_DIR "/clam.d64.zip", 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_non_null(strstr(vgt_detection_chain(&ev, "ClamAV-Test-File"), "clam.d64.zip//clam.exe"));
    assert_int_equal(our_errors(&ev, "member"), 0);
    vgt_scan_path(e, CLAM_DIR "/clam.impl.zip", 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_non_null(
        strstr(vgt_detection_chain(&ev, "ClamAV-Test-File"), "clam.impl.zip//CLAM.EXE"));
    assert_int_equal(our_errors(&ev, "member"), 0);
    vg_engine_unref(e);
}

/* Hand-made zips: imploded (every mode) and Deflate64 members, names, CRC,
 * encryption, no directory, data descriptors, a directory listing nothing. */
static void test_handler(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigs);
    buf imp = implode(payload, PAYLOAD_LEN, VGI_EXPLODE_8K | VGI_EXPLODE_LITERALS);
    buf d64 = literal_stream(payload, PAYLOAD_LEN);
    zent m[2] = {
        {"A\x9a"
         "B.EXE",
         6, VGI_EXPLODE_8K | VGI_EXPLODE_LITERALS, imp.p, imp.n, payload, PAYLOAD_LEN, 0},
        {"d/b.bin", 9, 0, d64.p, d64.n, payload, PAYLOAD_LEN, 0},
    };
    vgt_events ev;
    buf z = make_zip(m, 2, 1);
    vgt_scan_mem(e, z.p, z.n, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//A\\x9aB.EXE");
    assert_int_equal(our_errors(&ev, "member"), 0);
    free(z.p);

    m[0].flags |= 1; /* encrypted: reported, skipped, the next one scanned */
    z = make_zip(m, 2, 1);
    vgt_scan_mem(e, z.p, z.n, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(our_errors(&ev, "encrypted member A\\x9a"), 1);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//d/b.bin");
    free(z.p);
    m[0].flags &= ~1u;

    for (int desc = 0; desc < 2; desc++) { /* no directory: the local headers */
        m[0].descriptor = m[1].descriptor = desc;
        z = make_zip(m, 2, 0);
        vgt_scan_mem(e, z.p, z.n, VG_SCAN_ALLMATCH, &ev);
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
        assert_int_equal(our_errors(&ev, "walking the local headers"), 1);
        assert_int_equal(our_errors(&ev, "member"), 0);
        free(z.p);
    }
    m[0].descriptor = m[1].descriptor = 0;

    /* A directory broken at its second entry: the rest from the local headers. */
    z = make_zip(m, 2, 1);
    uint8_t *cd2 = z.p + (z.p[z.n - 6] | z.p[z.n - 5] << 8) + 46 + strlen(m[0].name);
    assert_memory_equal(cd2, "PK\1\2", 4);
    cd2[2] = 9;
    vgt_scan_mem(e, z.p, z.n, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    assert_int_equal(our_errors(&ev, "directory is broken"), 1);
    free(z.p);

    /* The directory says deflate, the local header implode: libarchive goes
     * by the local header, and so do we. */
    z = make_zip(m, 1, 1);
    z.p[(z.p[z.n - 6] | z.p[z.n - 5] << 8) + 10] = 8;
    vgt_scan_mem(e, z.p, z.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//A\\x9aB.EXE");
    assert_int_equal(our_errors(&ev, "method 8 in the directory, 6 in the local"), 1);
    free(z.p);

    /* A directory listing nothing in front of a member. */
    z = make_zip(m + 1, 1, 0);
    static const uint8_t empty_end[22] = {'P', 'K', 5, 6};
    tb_put(&z, empty_end, sizeof empty_end);
    vgt_scan_mem(e, z.p, z.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//d/b.bin");
    free(z.p);

    /* No legacy member: not a word from us. */
    zent plain = {"p.txt", 0, 0, payload, PAYLOAD_LEN, payload, PAYLOAD_LEN, 0};
    z = make_zip(&plain, 1, 1);
    vgt_scan_mem(e, z.p, z.n, 0, &ev);
    assert_int_equal(our_errors(&ev, "member"), 0);
    assert_int_equal(our_errors(&ev, "directory"), 0);
    free(z.p);
    free(imp.p);
    free(d64.p);
    vg_engine_unref(e);
}

/* Every truncation and many bit flips of small zips: events, no crash. */
static void test_hostile(void **state)
{
    (void)state;
    char sig[256];
    vgt_hsb_line(payload, 600, SIG_NAME, sig, sizeof sig);
    vg_engine *e = vgt_engine("t.hsb", sig);
    buf imp = implode(payload, 600, VGI_EXPLODE_LITERALS);
    buf d64 = literal_stream(payload, 600);
    zent m[2] = {{"i.exe", 6, VGI_EXPLODE_LITERALS, imp.p, imp.n, payload, 600, 0},
                 {"d.exe", 9, 0, d64.p, d64.n, payload, 600, 0}};
    vgt_events ev;
    for (int which = 0; which < 2; which++) {
        buf z = make_zip(m + which, 1, 1);
        uint8_t *cut = malloc(z.n);
        for (size_t len = 0; len < z.n; len++) {
            memcpy(cut, z.p, len);
            vgt_scan_mem(e, cut, len, VG_SCAN_ALLMATCH, &ev);
            assert_int_equal(ev.err, VG_OK);
            if (len >= 4)
                assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) > 0);
        }
        for (int i = 0; i < 1500; i++) {
            memcpy(cut, z.p, z.n);
            for (int k = 1 + (int)(rnd() % 3); k > 0; k--)
                cut[rnd() % z.n] ^= (uint8_t)(1u << (rnd() % 8));
            vgt_scan_mem(e, cut, z.n, VG_SCAN_ALLMATCH, &ev);
            assert_int_equal(ev.err, VG_OK);
            /* A flip is noticed, or changed nothing that matters. Without its
             * magic at 0 the file is no zip for either handler. */
            if (memcmp(cut, "PK\3\4", 4) == 0)
                assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) > 0 ||
                            vgt_find_detection(&ev, SIG_NAME) >= 0);
        }
        free(cut);
        free(z.p);
    }
    /* The decoders alone on flipped streams, with no zip around them. */
    for (int i = 0; i < 3000; i++) {
        buf *src = i % 2 ? &imp : &d64;
        uint8_t *f = malloc(src->n);
        memcpy(f, src->p, src->n);
        f[rnd() % src->n] ^= (uint8_t)(1u << (rnd() % 8));
        sinkbuf s = {0};
        vg_error err = i % 2 ? run_explode(f, src->n, VGI_EXPLODE_LITERALS, 600, &s)
                             : run_inflate(f, src->n, VGI_INFLATE_DEFLATE64, &s, NULL);
        assert_true(err == VG_OK || err == VG_ERR_MALFORMED || err == VG_ERR_TRUNCATED);
        free(s.b.p);
        free(f);
    }
    free(imp.p);
    free(d64.p);
    vg_engine_unref(e);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigs);
    buf imp = implode(payload, PAYLOAD_LEN, 0);
    buf d64 = literal_stream(payload, PAYLOAD_LEN);
    zent m[2] = {{"i.exe", 6, 0, imp.p, imp.n, payload, PAYLOAD_LEN, 0},
                 {"d.exe", 9, 0, d64.p, d64.n, payload, PAYLOAD_LEN, 0}};
    buf z = make_zip(m, 2, 1);
    for (unsigned long n = 1; n <= 200; n++) {
        vg_scanner *s = NULL;
        assert_int_equal(vg_scanner_new(e, &s), VG_OK);
        vg_mem_fail_after(n);
        vg_result r;
        (void)vg_scanner_scan_mem(s, z.p, z.n, "mem", &r); /* any outcome but a crash or leak */
        vg_mem_fail_after(0);
        vg_scanner_free(s);
    }
    sinkbuf sb = {0};
    vg_fmap *map = NULL;
    assert_int_equal(vg_fmap_open_mem(d64.p, d64.n, &map), VG_OK);
    vg_mem_fail_after(1);
    assert_int_equal(vgi_inflate64(map, 0, d64.n, 1, collect, &sb, NULL), VG_ERR_NOMEM);
    assert_int_equal(vgi_explode(map, 0, d64.n, 0, 10, collect, &sb), VG_ERR_NOMEM);
    vg_mem_fail_after(0);
    vg_fmap_close(map);
    vgt_events ev;
    vgt_scan_mem(e, z.p, z.n, VG_SCAN_ALLMATCH, &ev); /* and the engine is unharmed */
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    free(z.p);
    free(imp.p);
    free(d64.p);
    vg_engine_unref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bomb), /* first: it measures peak memory */
        cmocka_unit_test(test_7z_deflate64),   cmocka_unit_test(test_clamav_files),
        cmocka_unit_test(test_handler),        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup_all, NULL);
}
