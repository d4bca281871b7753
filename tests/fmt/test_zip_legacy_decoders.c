/* inflate64 and explode on their own: Deflate64 against zlib's inflate on
 * streams zlib writes, long Huffman codes, and every implode mode (4K/8K
 * dictionary, two/three trees) from the APPNOTE encoder in
 * zip_legacy_build.h. The handler in zips: test_fmt_zip_legacy.c. */
#include "zip_legacy_build.h"

/* zlib is loaded with dlopen: the library under test never links it. */
typedef int (*deflate_init_fn)(z_streamp, int, int, int, int, int, const char *, int);
typedef int (*deflate_fn)(z_streamp, int);
typedef int (*deflate_end_fn)(z_streamp);

static void test_inflate_vs_zlib(void **state)
{
    (void)state;
    void *lz = dlopen("libz.so.1", RTLD_NOW);
    if (lz == NULL)
        skip();
    deflate_init_fn init = (deflate_init_fn)dlsym(lz, "deflateInit2_");
    deflate_fn def = (deflate_fn)dlsym(lz, "deflate");
    deflate_end_fn end = (deflate_end_fn)dlsym(lz, "deflateEnd");
    assert_true(init && def && end);
    static const size_t sizes[] = {0, 1, 300, 70000, 400000};
    static const int levels[] = {0, 1, 6, 9};
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    /* Every kind of data x size x level x strategy. */
    for (unsigned c = 0; c < 3 * 5 * 4 * 5; c++) {
        unsigned kind = c / 100, si = c / 20 % 5, li = c / 5 % 4, st = c % 5;
        size_t n = sizes[si], cap = 2 * n + 1024; /* fixed codes expand random data */
        uint8_t *in = malloc(n + 1), *out = malloc(cap);
        if (kind == 0)
            fill_random(in, n);
        else if (kind == 1)
            fill_repetitive(in, n);
        else
            memset(in, 'z', n);
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        assert_int_equal(
            init(&zs, levels[li], Z_DEFLATED, -15, 8, strategies[st], ZLIB_VERSION, (int)sizeof zs),
            Z_OK);
        zs.next_in = in;
        zs.avail_in = (uInt)n;
        zs.next_out = out;
        zs.avail_out = (uInt)cap;
        assert_int_equal(def(&zs, Z_FINISH), Z_STREAM_END);
        size_t clen = zs.total_out;
        end(&zs);
        sinkbuf s = {0};
        uint64_t used = 0;
        assert_int_equal(run_inflate(out, clen, VGI_INFLATE_PLAIN, &s, &used), VG_OK);
        assert_int_equal(s.b.n, n);
        assert_true(n == 0 || memcmp(s.b.p, in, n) == 0);
        assert_int_equal(used, clen);
        free(s.b.p);
        free(out);
        free(in);
    }
    dlclose(lz);
}

/* What 7-Zip does not write: length code 285 with 16 extra bits, and the
 * distance codes 30 and 31; plain deflate must refuse the latter. */
static void test_inflate64_long_codes(void **state)
{
    (void)state;
    size_t n = 65536;
    uint8_t *d = malloc(n);
    fill_random(d, n);
    bitw w = {0};
    for (int part = 0; part < 2; part++) { /* two stored blocks: 65535 + 1 bytes */
        size_t len = part == 0 ? 65535 : 1;
        bw_bits(&w, 0, 3);
        if (w.n > 0)
            bw_bits(&w, 0, 8 - w.n);
        bw_bits(&w, (uint32_t)len, 16);
        bw_bits(&w, (uint32_t)~len & 0xFFFF, 16);
        for (size_t i = 0; i < len; i++)
            bw_bits(&w, d[part * 65535 + i], 8);
    }
    bw_bits(&w, 1, 1);
    bw_bits(&w, 1, 2);
    fixed_lit(&w, 285);     /* length 3 + 65535 = 65538 */
    bw_bits(&w, 65535, 16); /* ... */
    bw_code(&w, 31, 5);     /* distance 49153 + 16383 = 65536 */
    bw_bits(&w, 16383, 14); /* ... */
    fixed_lit(&w, 285);     /* length 3 + 7 = 10 */
    bw_bits(&w, 7, 16);     /* ... */
    bw_code(&w, 30, 5);     /* distance 32769 + 100 */
    bw_bits(&w, 100, 14);   /* ... */
    fixed_lit(&w, 256);
    buf st = bw_done(&w);

    sinkbuf s = {0};
    assert_int_equal(run_inflate(st.p, st.n, VGI_INFLATE_DEFLATE64, &s, NULL), VG_OK);
    assert_int_equal(s.b.n, n + 65538 + 10);
    assert_memory_equal(s.b.p, d, n);
    for (size_t i = 0; i < 65538; i++) /* distance 65536 repeats the window */
        assert_int_equal(s.b.p[n + i], d[i % n]);
    assert_memory_equal(s.b.p + n + 65538, s.b.p + n + 65538 - 32869, 10);
    free(s.b.p);
    memset(&s, 0, sizeof s);
    assert_int_equal(run_inflate(st.p, st.n, VGI_INFLATE_PLAIN, &s, NULL), VG_ERR_MALFORMED);
    free(s.b.p);
    free(st.p);
    free(d);
}

static void test_explode_modes(void **state)
{
    (void)state;
    static const unsigned modes[] = {0, VGI_EXPLODE_8K, VGI_EXPLODE_LITERALS,
                                     VGI_EXPLODE_8K | VGI_EXPLODE_LITERALS};
    size_t n = 40000;
    uint8_t *d = malloc(n);
    for (int kind = 0; kind < 3; kind++) {
        if (kind == 0)
            fill_random(d, n);
        else if (kind == 1)
            fill_repetitive(d, n);
        else { /* zeros first: a match that reaches before the start */
            memset(d, 0, 1000);
            fill_repetitive(d + 1000, n - 1000);
        }
        for (int m = 0; m < 4; m++) {
            buf st = implode(d, n, modes[m]);
            sinkbuf s = {0};
            assert_int_equal(run_explode(st.p, st.n, modes[m], n, &s), VG_OK);
            assert_int_equal(s.b.n, n);
            assert_memory_equal(s.b.p, d, n);
            free(s.b.p);
            /* Every cut is truncated, never a crash, never success. */
            if (kind == 1 && st.n > 200)
                for (size_t cut = 0; cut < st.n; cut += cut < 600 ? 1 : 97) {
                    sinkbuf t = {0};
                    assert_int_equal(run_explode(st.p, cut, modes[m], n, &t), VG_ERR_TRUNCATED);
                    free(t.b.p);
                }
            free(st.p);
        }
    }
    /* Trees: a wrong symbol count, an over-full code, a prefix conflict. */
    static const uint8_t bad[][8] = {
        {0x00, 0xF5},                         /* 16 codes of 6 bits: not 64 symbols */
        {0x03, 0xF4, 0xF4, 0xF4, 0xF4},       /* 64 codes of 5 bits: too many */
        {0x04, 0xF6, 0xF6, 0xF6, 0xE6, 0x00}, /* 63 of 7 bits, then 1 bit: "0" is taken */
    };
    for (int i = 0; i < 3; i++) {
        sinkbuf s = {0};
        assert_int_equal(run_explode(bad[i], sizeof bad[i], 0, 10, &s), VG_ERR_MALFORMED);
        free(s.b.p);
    }
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inflate_vs_zlib),
        cmocka_unit_test(test_inflate64_long_codes),
        cmocka_unit_test(test_explode_modes),
    };
    return cmocka_run_group_tests(tests, setup_all, NULL);
}
