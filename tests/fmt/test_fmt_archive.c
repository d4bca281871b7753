/* fmt_archive: every input is built here with libarchive's write API, in
 * memory, around one marker payload whose SHA-256 is the only signature. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "core/hash.h"
#include "core/mem.h"
#include "fmt/fmt.h"

#define PAYLOAD_LEN 544
#define SIG_NAME    "Vigil.Test.ArchivePayload"

static uint8_t payload[PAYLOAD_LEN];
static char sigs[256];

/* ---- building inputs ---- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static la_ssize_t buf_write(struct archive *a, void *ud, const void *data, size_t n)
{
    buf *b = ud;
    (void)a;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (p == NULL)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return (la_ssize_t)n;
}

typedef struct member {
    const char *name;
    const void *data;
    size_t len;
    uint64_t zeros; /* when data == NULL: this many zero bytes, streamed */
} member;

/* Archive of format/filter (libarchive names, filter may be NULL) holding
 * members; NULL when this libarchive cannot write that combination.
 * options: archive_write_set_options() string, or NULL. */
static uint8_t *build_opts(const char *format, const char *filter, const char *options,
                           const member *m, size_t nm, size_t *len)
{
    struct archive *a = archive_write_new();
    buf b = {0};
    assert_non_null(a);
    if (archive_write_set_format_by_name(a, format) != ARCHIVE_OK ||
        (filter && archive_write_add_filter_by_name(a, filter) != ARCHIVE_OK) ||
        (options && archive_write_set_options(a, options) != ARCHIVE_OK) ||
        (options && strstr(options, "encryption") &&
         archive_write_set_passphrase(a, "secret") != ARCHIVE_OK)) {
        archive_write_free(a);
        return NULL;
    }
    archive_write_set_bytes_in_last_block(a, 1);
    assert_int_equal(archive_write_open(a, &b, NULL, buf_write, NULL), ARCHIVE_OK);
    static uint8_t zeros[1 << 20];
    for (size_t i = 0; i < nm; i++) {
        struct archive_entry *e = archive_entry_new();
        uint64_t size = m[i].data ? m[i].len : m[i].zeros;
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)size);
        archive_entry_set_mtime(e, 1700000000, 0);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (m[i].data) {
            assert_int_equal(archive_write_data(a, m[i].data, m[i].len), (la_ssize_t)m[i].len);
        } else {
            for (uint64_t done = 0; done < size;) {
                size_t n = size - done < sizeof zeros ? (size_t)(size - done) : sizeof zeros;
                assert_int_equal(archive_write_data(a, zeros, n), (la_ssize_t)n);
                done += n;
            }
        }
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    *len = b.n;
    return b.p;
}

static uint8_t *build(const char *format, const char *filter, const member *m, size_t nm,
                      size_t *len)
{
    return build_opts(format, filter, NULL, m, nm, len);
}

static uint8_t *build_one(const char *format, const char *filter, const char *name,
                          const void *data, size_t n, size_t *len)
{
    member m = {name, data, n, 0};
    return build(format, filter, &m, 1, len);
}

static void fill_random(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed ? seed : 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

/* ---- fixtures ---- */

static int setup_all(void **state)
{
    (void)state;
    fill_random(payload, sizeof payload, 0x5eed544u);
    vgi_hasher *h = NULL;
    uint8_t d[VGI_HASH_KINDS][VGI_HASH_MAX];
    if (vgi_hasher_new(&h) != VG_OK || vgi_hasher_start(h, 1u << VGI_HASH_SHA256) != VG_OK ||
        vgi_hasher_update(h, payload, sizeof payload) != VG_OK || vgi_hasher_finish(h, d) != VG_OK)
        return -1;
    vgi_hasher_free(h);
    char *o = sigs;
    for (int i = 0; i < 32; i++)
        o += sprintf(o, "%02x", d[VGI_HASH_SHA256][i]);
    sprintf(o, ":%d:%s\n", PAYLOAD_LEN, SIG_NAME);
    return 0;
}

static vg_engine *engine_with(const vg_limits *lim)
{
    return vgt_engine_limits("t.hsb", sigs, lim);
}

static const char *detection_chain(const vgt_events *ev)
{
    int i = vgt_find_detection(ev, SIG_NAME);
    return i < 0 ? "(none)" : ev->ev[i].chain;
}

static void dump_events(const vgt_events *ev)
{
    for (size_t i = 0; i < ev->n; i++)
        print_message("  event %d %s limit=%d err=%d: %s\n", (int)ev->ev[i].kind, ev->ev[i].chain,
                      (int)ev->ev[i].limit, (int)ev->ev[i].error, ev->ev[i].message);
}

static int count_errors(const vgt_events *ev, vg_error code)
{
    int n = 0;
    for (size_t i = 0; i < ev->n; i++)
        n += ev->ev[i].kind == VG_EVENT_ERROR && ev->ev[i].error == code;
    return n;
}

/* Scans data and expects the payload found at chain. */
static void expect_payload(const uint8_t *data, size_t len, const char *chain)
{
    vg_engine *e = engine_with(NULL);
    vgt_events ev;
    vgt_scan_mem(e, data, len, 0, &ev);
    dump_events(&ev);
    assert_int_equal(ev.err, VG_OK);
    assert_detects(&ev, SIG_NAME);
    if (chain)
        assert_string_equal(detection_chain(&ev), chain);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
}

/* The same with a body signature on the payload's first 32 bytes at offset
 * `at` of the member named by chain (for members that are not exactly the
 * payload); the container may match as well (ALLMATCH). */
static void expect_body(const uint8_t *data, size_t len, unsigned at, const char *chain)
{
    char sig[128];
    int n = snprintf(sig, sizeof sig, "Vigil.Test.Body:0:%u:", at);
    for (int i = 0; i < 32; i++)
        n += snprintf(sig + n, sizeof sig - (size_t)n, "%02x", payload[i]);
    snprintf(sig + n, sizeof sig - (size_t)n, "\n");
    vg_engine *e = vgt_engine("t.ndb", sig);
    vgt_events ev;
    vgt_scan_mem(e, data, len, VG_SCAN_ALLMATCH, &ev);
    dump_events(&ev);
    int found = 0;
    for (size_t i = 0; i < ev.n; i++)
        found |= ev.ev[i].kind == VG_EVENT_DETECTION && strcmp(ev.ev[i].chain, chain) == 0;
    assert_true(found);
    vg_engine_unref(e);
}

static int probe_mem(const void *data, size_t len)
{
    vg_fmap *m = NULL;
    assert_int_equal(vg_fmap_open_mem(data, len, &m), VG_OK);
    int r = vgi_format_archive.probe(m);
    vg_fmap_close(m);
    return r;
}

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
        dump_events(&ev);
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
    assert_string_equal(detection_chain(&ev), want);
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
    const char *chain = detection_chain(&ev), *tail = "real.tgz//dir/payload.bin";
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
    fill_random(big, big_len, 11);
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
    dump_events(&ev);
    const char *chain = detection_chain(&ev), *tail = "big.7z//inner.zip//payload.bin";
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
    fill_random(other, sizeof other, 77);
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
        dump_events(&ev);
        assert_clean(&ev);
        assert_int_equal(ev.n, 0);
    }
    uint8_t noise[8192];
    fill_random(noise, sizeof noise, 3);
    assert_false(probe_mem(noise, sizeof noise));
    vg_engine_unref(e);
}

static void test_truncated(void **state)
{
    (void)state;
    /* libarchive drops a truncated stream's last output block (64 KiB of a
     * tar.gz): the member after the payload keeps the cut beyond it. */
    static uint8_t big[256 << 10];
    fill_random(big, sizeof big, 9);
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
        dump_events(&ev);
        assert_int_equal(ev.err, VG_OK);
        assert_true(count_errors(&ev, VG_ERR_MALFORMED) >= 1);
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
    assert_int_equal(count_errors(&ev, VG_ERR_UNSUPPORTED), 1);
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
    dump_events(&ev);
    assert_true(vgt_find_limit(&ev, VG_LIMIT_FILESIZE) >= 0 ||
                vgt_find_limit(&ev, VG_LIMIT_RATIO) >= 0);
    assert_detects(&ev, SIG_NAME);
    assert_string_equal(detection_chain(&ev), "mem//payload.bin");
    vg_engine_unref(e);

    /* A ratio of 20 stops the container: the payload is never inflated. */
    vg_limits lim = vg_limits_default();
    lim.max_ratio = 20;
    e = engine_with(&lim);
    vgt_scan_mem(e, a, len, 0, &ev);
    dump_events(&ev);
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
    dump_events(&ev);
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
    dump_events(&ev);
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
    dump_events(&ev);
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

/* ---- formats libarchive reads but cannot write: built byte by byte ---- */

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

static uint16_t crc16_arc(const uint8_t *p, size_t n) /* LHA's CRC-16 */
{
    uint16_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (uint16_t)((c >> 1) ^ 0xA001u) : (uint16_t)(c >> 1);
    }
    return c;
}

static uint8_t *le(uint8_t *o, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        *o++ = (uint8_t)(v >> (8 * i));
    return o;
}

/* RAR 4, one stored member. Each block: CRC16 (low half of the CRC32 of the
 * rest), type, flags, size. */
static size_t rar_block(uint8_t *o, uint8_t type, uint16_t flags, const uint8_t *body, size_t n)
{
    uint8_t *h = o + 2;
    h[0] = type;
    le(h + 1, flags, 2);
    le(h + 3, (uint32_t)(7 + n), 2);
    if (n > 0)
        memcpy(h + 5, body, n);
    le(o, crc32_of(h, 5 + n) & 0xFFFF, 2);
    return 7 + n;
}

static size_t make_rar(uint8_t *o, const uint8_t *data, size_t len)
{
    static const char name[] = "payload.bin";
    uint8_t fh[64], *p = fh, *start = o;
    p = le(p, (uint32_t)len, 4);          /* packed size */
    p = le(p, (uint32_t)len, 4);          /* unpacked size */
    *p++ = 0;                             /* host OS */
    p = le(p, crc32_of(data, len), 4);    /* file CRC */
    p = le(p, 0x5A000000u, 4);            /* DOS time */
    *p++ = 20;                            /* version to extract */
    *p++ = 0x30;                          /* method: store */
    p = le(p, (uint32_t)strlen(name), 2); /* name size */
    p = le(p, 0x20, 4);                   /* attributes */
    memcpy(p, name, strlen(name));
    p += strlen(name);
    memcpy(o, "Rar!\x1A\x07\x00", 7);
    o += 7;
    o += rar_block(o, 0x73, 0, (const uint8_t *)"\0\0\0\0\0\0", 6); /* archive header */
    o += rar_block(o, 0x74, 0x8000, fh, (size_t)(p - fh));          /* file header */
    memcpy(o, data, len);
    o += len;
    o += rar_block(o, 0x7B, 0x4000, NULL, 0); /* end of archive */
    return (size_t)(o - start);
}

/* CAB, one folder stored without compression, no checksum. */
static size_t make_cab(uint8_t *o, const uint8_t *data, size_t len)
{
    static const char name[] = "payload.bin";
    size_t files = 36 + 8, cfdata = files + 16 + sizeof name, total = cfdata + 8 + len;
    uint8_t *p = o;
    memcpy(p, "MSCF", 4);
    p = le(p + 4, 0, 4);
    p = le(p, (uint32_t)total, 4);
    p = le(p, 0, 4);
    p = le(p, (uint32_t)files, 4);
    p = le(p, 0, 4);
    *p++ = 3; /* version 1.3 */
    *p++ = 1;
    p = le(p, 1, 2);                /* folders */
    p = le(p, 1, 2);                /* files */
    p = le(p, 0, 6);                /* flags, set id, cabinet index */
    p = le(p, (uint32_t)cfdata, 4); /* CFFOLDER: first CFDATA */
    p = le(p, 1, 2);
    p = le(p, 0, 2);             /* no compression */
    p = le(p, (uint32_t)len, 4); /* CFFILE */
    p = le(p, 0, 4);
    p = le(p, 0, 2);
    p = le(p, 0x5A21, 2);
    p = le(p, 0, 2);
    p = le(p, 0x20, 2);
    memcpy(p, name, sizeof name);
    p += sizeof name;
    p = le(p, 0, 4); /* CFDATA: no checksum */
    p = le(p, (uint32_t)len, 2);
    p = le(p, (uint32_t)len, 2);
    memcpy(p, data, len);
    return total;
}

/* LHA level 0, -lh0- (stored). */
static size_t make_lha(uint8_t *o, const uint8_t *data, size_t len)
{
    static const char name[] = "payload.bin";
    uint8_t *h = o + 2, *p = h;
    memcpy(p, "-lh0-", 5);
    p = le(p + 5, (uint32_t)len, 4);
    p = le(p, (uint32_t)len, 4);
    p = le(p, 0x5A210000u, 4);
    *p++ = 0x20; /* attribute */
    *p++ = 0;    /* level */
    *p++ = (uint8_t)strlen(name);
    memcpy(p, name, strlen(name));
    p = le(p + strlen(name), crc16_arc(data, len), 2);
    size_t hl = (size_t)(p - h);
    unsigned sum = 0;
    for (size_t i = 0; i < hl; i++)
        sum += h[i];
    o[0] = (uint8_t)hl;
    o[1] = (uint8_t)sum;
    memcpy(p, data, len);
    p[len] = 0; /* end of archive */
    return 2 + hl + len + 1;
}

static void test_readonly_formats(void **state)
{
    (void)state;
    static uint8_t img[0x30000 + 4096];
    size_t (*const makers[])(uint8_t *, const uint8_t *, size_t) = {make_rar, make_cab, make_lha};
    for (size_t i = 0; i < 3; i++) {
        memset(img, 0, sizeof img);
        size_t n = makers[i](img, payload, sizeof payload);
        assert_true(probe_mem(img, n));
        expect_payload(img, n, "mem//payload.bin");
    }
    /* Behind an MZ stub, where libarchive 3.6 looks for each. */
    static const struct {
        int maker;
        size_t at;
        int found;
    } sfx[] = {
        {0, 0x10000, 1},              /* rar: 16-aligned in [64 KiB, 128 KiB) */
        {0, 0x10008, 0},              /* ... not elsewhere */
        {0, 0x30000, 0}, {1, 512, 1}, /* cab: in the first 128 KiB */
        {1, 0x30000, 0}, {2, 512, 1}, /* lha: in the first 20 KiB */
    };
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        memset(img, 0, sizeof img);
        memcpy(img, "MZ\x90", 3);
        size_t n = sfx[i].at + makers[sfx[i].maker](img + sfx[i].at, payload, sizeof payload);
        assert_int_equal(probe_mem(img, n), sfx[i].found);
        if (sfx[i].found)
            expect_payload(img, n, "mem//payload.bin");
    }
}

/* A member whose CRC does not match is reported, and scanned all the same:
 * a wrong checksum must not be a way to hide a member. */
static void test_bad_crc(void **state)
{
    (void)state;
    member m[] = {{"payload.bin", payload, sizeof payload, 0}};
    size_t len;
    uint8_t *a = build_opts("zip", NULL, "zip:compression=store", m, 1, &len);
    assert_non_null(a);
    uint8_t crc[4];
    le(crc, crc32_of(payload, sizeof payload), 4);
    int patched = 0;
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(a + i, crc, 4) == 0) {
            a[i] ^= 0xFF; /* local header, data descriptor, central directory */
            patched++;
        }
    assert_true(patched >= 2);
    vg_engine *e = engine_with(NULL);
    vgt_events ev;
    vgt_scan_mem(e, a, len, VG_SCAN_ALLMATCH, &ev);
    dump_events(&ev);
    assert_string_equal(detection_chain(&ev), "mem//payload.bin");
    assert_true(count_errors(&ev, VG_ERR_MALFORMED) >= 1);
    vg_engine_unref(e);
    free(a);
}

/* Self-extracting archives: an MZ stub, then the archive. */
static void test_sfx(void **state)
{
    (void)state;
    size_t zlen, slen;
    uint8_t *zip = build_one("zip", NULL, "payload.bin", payload, sizeof payload, &zlen);
    uint8_t *sz = build_one("7zip", NULL, "payload.bin", payload, sizeof payload, &slen);
    size_t stub = 0x28000;
    uint8_t *exe = calloc(1, stub + zlen + slen);
    memcpy(exe, "MZ\x90", 3);
    assert_false(probe_mem(exe, stub)); /* a bare stub is not an archive */

    memcpy(exe + 4096, zip, zlen); /* zip: found by its end record */
    assert_true(probe_mem(exe, 4096 + zlen));
    expect_payload(exe, 4096 + zlen, "mem//payload.bin");

    memset(exe + 4096, 0, zlen);
    memcpy(exe + stub, sz, slen); /* 7z: behind a 7-Zip-sized stub */
    assert_true(probe_mem(exe, stub + slen));
    expect_payload(exe, stub + slen, "mem//payload.bin");
    free(exe);
    free(zip);
    free(sz);
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
    assert_string_equal(detection_chain(&ev), "mem//payload.bin");
    vg_engine_unref(e);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_tar_filters),
        cmocka_unit_test(test_raw_filters),
        cmocka_unit_test(test_raw_names),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_hidden_stream),
        cmocka_unit_test(test_file_backed),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_not_archive),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_zip_bomb),
        cmocka_unit_test(test_tgz_bomb),
        cmocka_unit_test(test_max_files),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_sfx),
        cmocka_unit_test(test_readonly_formats),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup_all, NULL);
}
