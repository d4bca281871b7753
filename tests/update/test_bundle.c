/* Signature bundles: build -> sign -> open -> verify -> extract round trip;
 * one flipped byte anywhere (header, manifest, a file, the signature) is
 * refused with a clear error; a wrong key, a missing signature and every
 * truncation are refused; hand-made hostile manifests (huge counts, sizes
 * past the end, '../' and '/' names, NUL in a name, names equal but for
 * case, repeated triggers, counts that disagree) are VG_ERR_MALFORMED with
 * a message naming what is wrong; extract writes exactly the files, only
 * into an empty directory; key files round-trip and bad ones are refused. */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vigil/bundle.h>

#include "core/mem.h"

static const char NDB[] = "# body signatures\n"
                          "Win.Trojan.Test-1:1:*:4d5a90000300000004000000ffff0000b8\n"
                          "Doc.Grab.Marking:0:*:544f50205345435245542f2f\n"
                          "Win.Trojan.Test-2:0:*:e8000000005d81ed05000000\n";
static const char HDB[] = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Hash\n";

typedef struct fx {
    uint8_t pk[32], sk[64];
    uint8_t *bundle; /* signed */
    size_t len;
    char dir[512];
} fx;

static uint8_t *build(const vg_bundle_build_opts *o, size_t *len)
{
    vg_bundle_src src[2] = {{"daily.ndb", NDB, sizeof NDB - 1}, {"daily.hdb", HDB, sizeof HDB - 1}};
    uint8_t *p = NULL;
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vg_bundle_build(o, src, 2, &p, len, &d);
    if (err != VG_OK)
        fail_msg("build: %s: %s", vg_strerror(err), d.message);
    return p;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(vg_bundle_keygen(f->pk, f->sk), VG_OK);
    vg_bundle_build_opts o = {.version = 7, .created = 1735787045};
    size_t n;
    uint8_t *u = build(&o, &n);
    char err[256];
    assert_int_equal(vg_bundle_sign(u, n, f->sk, &f->bundle, &f->len, err, sizeof err), VG_OK);
    assert_int_equal(f->len, n + 64);
    assert_memory_equal(f->bundle, u, n);
    vg_bundle_buf_free(u);
    mkdir(VG_TEST_TMP, 0700);
    snprintf(f->dir, sizeof f->dir, "%s/bundle.XXXXXX", VG_TEST_TMP);
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *de;
    char p[1024];
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_dir(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int teardown(void **state)
{
    fx *f = *state;
    vg_bundle_buf_free(f->bundle);
    rm_dir(f->dir);
    free(f);
    return 0;
}

static vg_bundle *open_ok(const uint8_t *p, size_t n)
{
    vg_bundle *b = NULL;
    char err[512];
    vg_error e = vg_bundle_open_mem(p, n, &b, err, sizeof err);
    if (e != VG_OK)
        fail_msg("open: %s: %s", vg_strerror(e), err);
    return b;
}

/* Opening fails with code and a message containing want. */
static void open_fails(const uint8_t *p, size_t n, vg_error code, const char *want)
{
    vg_bundle *b = (vg_bundle *)1;
    char err[512] = "";
    vg_error e = vg_bundle_open_mem(p, n, &b, err, sizeof err);
    if (e != code || b != NULL || strstr(err, want) == NULL)
        fail_msg("expected %s with \"%s\", got %s: \"%s\"", vg_strerror(code), want, vg_strerror(e),
                 err);
}

static void round_trip(void **state)
{
    fx *f = *state;
    vg_bundle *b = open_ok(f->bundle, f->len);
    assert_int_equal(vg_bundle_verify_sig(b, f->pk), VG_OK);
    assert_true(vg_bundle_is_signed(b));
    assert_int_equal(vg_bundle_version(b), 7);
    assert_int_equal(vg_bundle_created(b), 1735787045);

    uint8_t md[32], want[32];
    vg_bundle_digest(b, md);
    SHA256(f->bundle, f->len, want);
    assert_memory_equal(md, want, 32);

    assert_int_equal(vg_bundle_file_count(b), 2);
    vg_bundle_file fl;
    assert_int_equal(vg_bundle_file_get(b, 0, &fl), VG_OK);
    assert_string_equal(fl.name, "daily.ndb");
    assert_int_equal(fl.size, sizeof NDB - 1);
    assert_memory_equal(fl.data, NDB, sizeof NDB - 1);
    assert_int_equal(fl.signatures, 3);
    assert_int_equal(fl.upload_triggers, 2);
    SHA256((const uint8_t *)NDB, sizeof NDB - 1, want);
    assert_memory_equal(fl.sha256, want, 32);
    assert_int_equal(vg_bundle_file_get(b, 1, &fl), VG_OK);
    assert_string_equal(fl.name, "daily.hdb");
    assert_int_equal(fl.signatures, 1);
    assert_int_equal(fl.upload_triggers, 0);
    assert_int_equal(vg_bundle_file_get(b, 2, &fl), VG_ERR_INVALID_ARG);

    /* The PE rules may trigger; the marking grab and the hash only detect. */
    assert_int_equal(vg_bundle_may_upload(b, "Win.Trojan.Test-1"), 1);
    assert_int_equal(vg_bundle_may_upload(b, "Win.Trojan.Test-2"), 1);
    assert_int_equal(vg_bundle_may_upload(b, "Doc.Grab.Marking"), 0);
    assert_int_equal(vg_bundle_may_upload(b, "Eicar-Hash"), 0);
    assert_int_equal(vg_bundle_may_upload(b, "Nope"), 0);
    assert_int_equal(vg_bundle_trigger_count(b), 2);
    assert_string_equal(vg_bundle_trigger(b, 0), "Win.Trojan.Test-1");

    const char *m = vg_bundle_manifest_json(b);
    assert_non_null(strstr(m, "\"version\":7"));
    assert_non_null(strstr(m, "\"upload_triggers\":[\"Win.Trojan.Test-1\",\"Win.Trojan.Test-2\"]"));
    vg_bundle_free(b);
}

static void build_is_deterministic_and_hash_triggers(void **state)
{
    (void)state;
    vg_bundle_build_opts o = {.version = 3, .created = 100};
    size_t n1, n2, n3;
    uint8_t *a = build(&o, &n1), *b2 = build(&o, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b2, n1);
    o.hash_triggers = 1;
    uint8_t *c = build(&o, &n3);
    vg_bundle *b = open_ok(c, n3);
    assert_int_equal(vg_bundle_may_upload(b, "Eicar-Hash"), 1);
    assert_false(vg_bundle_is_signed(b));
    vg_bundle_free(b);
    vg_bundle_buf_free(a);
    vg_bundle_buf_free(b2);
    vg_bundle_buf_free(c);
}

static void wrong_key_and_unsigned(void **state)
{
    fx *f = *state;
    uint8_t pk2[32], sk2[64];
    assert_int_equal(vg_bundle_keygen(pk2, sk2), VG_OK);
    vg_bundle *b = open_ok(f->bundle, f->len);
    assert_int_equal(vg_bundle_verify_sig(b, pk2), VG_ERR_CRYPTO);
    vg_bundle_free(b);

    /* The same bytes without the signature: a valid unsigned bundle, which
     * no key verifies. */
    b = open_ok(f->bundle, f->len - 64);
    assert_false(vg_bundle_is_signed(b));
    assert_int_equal(vg_bundle_verify_sig(b, f->pk), VG_ERR_CRYPTO);
    vg_bundle_free(b);

    /* Re-signing replaces the signature: only the new key verifies. */
    uint8_t *re;
    size_t rn;
    char err[256];
    assert_int_equal(vg_bundle_sign(f->bundle, f->len, sk2, &re, &rn, err, sizeof err), VG_OK);
    assert_int_equal(rn, f->len);
    b = open_ok(re, rn);
    assert_int_equal(vg_bundle_verify_sig(b, pk2), VG_OK);
    assert_int_equal(vg_bundle_verify_sig(b, f->pk), VG_ERR_CRYPTO);
    vg_bundle_free(b);
    vg_bundle_buf_free(re);
}

static size_t find(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, s, k) == 0)
            return i;
    fail_msg("'%s' not in the bundle", s);
    return 0;
}

static void flipped_byte_anywhere(void **state)
{
    fx *f = *state;
    uint8_t *p = malloc(f->len);
    assert_non_null(p);
    size_t refused_open = 0, refused_sig = 0;
    for (size_t i = 0; i < f->len; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            memcpy(p, f->bundle, f->len);
            p[i] ^= (uint8_t)(1u << bit);
            vg_bundle *b = NULL;
            char err[512] = "";
            vg_error e = vg_bundle_open_mem(p, f->len, &b, err, sizeof err);
            if (e != VG_OK) {
                assert_null(b);
                assert_true(err[0] != '\0');
                refused_open++;
                continue;
            }
            /* It parsed: then the signature must not verify. */
            if (vg_bundle_verify_sig(b, f->pk) != VG_ERR_CRYPTO)
                fail_msg("flipping bit %d of byte %zu went unnoticed", bit, i);
            refused_sig++;
            vg_bundle_free(b);
        }
    }
    assert_true(refused_open > 0 && refused_sig > 0);

    /* The messages say where. */
    memcpy(p, f->bundle, f->len);
    size_t at = find(p, f->len, "Win.Trojan.Test-2:0:*:e8");
    p[at + 22] ^= 1;
    open_fails(p, f->len, VG_ERR_MALFORMED, "digest mismatch for file daily.ndb");
    memcpy(p, f->bundle, f->len);
    p[find(p, f->len, "Eicar-Hash\n")] ^= 0x20;
    open_fails(p, f->len, VG_ERR_MALFORMED, "digest mismatch for file daily.hdb");
    memcpy(p, f->bundle, f->len);
    p[0] ^= 1;
    open_fails(p, f->len, VG_ERR_MALFORMED, "malformed at offset 0: not a vigil bundle");
    memcpy(p, f->bundle, f->len);
    p[find(p, f->len, "\"version\"") + 1] ^= 0x20; /* "Version": now missing */
    open_fails(p, f->len, VG_ERR_MALFORMED, "malformed at offset 16: manifest: version: missing");
    memcpy(p, f->bundle, f->len);
    p[f->len - 1] ^= 0x80; /* the signature itself */
    vg_bundle *b = open_ok(p, f->len);
    assert_int_equal(vg_bundle_verify_sig(b, f->pk), VG_ERR_CRYPTO);
    vg_bundle_free(b);
    free(p);
}

static void truncated(void **state)
{
    fx *f = *state;
    for (size_t n = 0; n < f->len; n++) {
        vg_bundle *b = NULL;
        char err[512] = "";
        vg_error e = vg_bundle_open_mem(f->bundle, n, &b, err, sizeof err);
        if (e == VG_OK) {
            /* Only the cut that drops exactly the signature parses. */
            assert_int_equal(n, f->len - 64);
            assert_int_equal(vg_bundle_verify_sig(b, f->pk), VG_ERR_CRYPTO);
            vg_bundle_free(b);
            continue;
        }
        assert_int_equal(e, VG_ERR_MALFORMED);
        assert_non_null(strstr(err, "malformed at offset"));
    }
    open_fails(f->bundle, 10, VG_ERR_MALFORMED, "truncated");
    open_fails(f->bundle, f->len - 65, VG_ERR_MALFORMED, "truncated: file daily.hdb of 47 bytes");
    open_fails(f->bundle, f->len - 1, VG_ERR_MALFORMED, "63 bytes after the files");
}

/* A bundle around a hand-written manifest and contents. */
static uint8_t *craft(const char *manifest, const void *contents, size_t clen, size_t *n)
{
    size_t m = strlen(manifest);
    *n = 16 + m + clen;
    uint8_t *p = malloc(*n);
    assert_non_null(p);
    memcpy(p, "\x89VGB\r\n\x1a\n\0\0\0\1", 12);
    p[12] = (uint8_t)(m >> 24);
    p[13] = (uint8_t)(m >> 16);
    p[14] = (uint8_t)(m >> 8);
    p[15] = (uint8_t)m;
    memcpy(p + 16, manifest, m);
    if (clen)
        memcpy(p + 16 + m, contents, clen);
    return p;
}

static void hostile_case(const char *manifest, const void *c, size_t clen, const char *want)
{
    size_t n;
    uint8_t *p = craft(manifest, c, clen, &n);
    open_fails(p, n, VG_ERR_MALFORMED, want);
    free(p);
}

#define SHA_A "e4bb3bbfe1e4a0d6bf6ad8f0ea4d0e0af42ffe4a0a8f2a8bba2f2f0f7b4d4a51" /* not "a" */

static void hostile_manifests(void **state)
{
    (void)state;
    char sha[65];
    uint8_t md[32];
    SHA256((const uint8_t *)"x", 1, md);
    for (int i = 0; i < 32; i++)
        sprintf(sha + 2 * i, "%02x", md[i]);
    char m[4096];

    /* A good one first, so the cases below fail for their one reason. */
    snprintf(m, sizeof m,
             "{\"version\":1,\"created\":0,\"files\":[{\"name\":\"a.ndb\",\"size\":1,"
             "\"sha256\":\"%s\",\"signatures\":1,\"upload_triggers\":1}],"
             "\"upload_triggers\":[\"S\"]}",
             sha);
    size_t n;
    uint8_t *p = craft(m, "x", 1, &n);
    vg_bundle *b = open_ok(p, n);
    assert_int_equal(vg_bundle_may_upload(b, "S"), 1);
    vg_bundle_free(b);
    free(p);

#define FILE1(name, size, sigs, trig)                                                              \
    "{\"version\":1,\"created\":0,\"files\":[{\"name\":\"" name "\",\"size\":" size                \
    ",\"sha256\":\"@SHA@\",\"signatures\":" sigs ",\"upload_triggers\":" trig "}],"                \
    "\"upload_triggers\":[\"S\"]}"
    static const struct {
        const char *fmt, *want;
    } cases[] = {
        {FILE1("../a.ndb", "1", "1", "1"), "path separator"},
        {FILE1("..ndb", "1", "1", "1"), "starts with '.'"},
        {FILE1("a..ndb", "1", "1", "1"), "contains \"..\""},
        {FILE1("/etc/a.ndb", "1", "1", "1"), "path separator"},
        {FILE1("a\\u0000b.ndb", "1", "1", "1"), "NUL"},
        {FILE1("a.exe", "1", "1", "1"), "no known signature extension"},
        {FILE1("a b.ndb", "1", "1", "1"), "outside [A-Za-z0-9._+-]"},
        {FILE1("a.ndb", "4611686018427387904", "1", "1"), "size (a.ndb): out of range"},
        {FILE1("a.ndb", "2", "1", "1"), "truncated: file a.ndb of 2 bytes at offset"},
        {FILE1("a.ndb", "-1", "1", "1"), "size (a.ndb): out of range"},
        {FILE1("a.ndb", "1", "99999999999", "1"), "signatures (a.ndb): out of range"},
        {FILE1("a.ndb", "1", "1", "2"), "more than signatures"},
        {FILE1("a.ndb", "1", "1", "0"), "1 upload trigger names, but the files count 0"},
        {FILE1("a.ndb", "\"1\"", "1", "1"), "not an integer"},
    };
#undef FILE1
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *at = strstr(cases[i].fmt, "@SHA@");
        assert_non_null(at);
        snprintf(m, sizeof m, "%.*s%s%s", (int)(at - cases[i].fmt), cases[i].fmt, sha, at + 5);
        hostile_case(m, "x", 1, cases[i].want);
    }

    snprintf(m, sizeof m,
             "{\"version\":1,\"created\":0,\"files\":[{\"name\":\"a.ndb\",\"size\":1,"
             "\"sha256\":\"%s\",\"signatures\":1,\"upload_triggers\":1},"
             "{\"name\":\"A.NDB\",\"size\":1,\"sha256\":\"%s\",\"signatures\":1,"
             "\"upload_triggers\":1}],\"upload_triggers\":[\"S\",\"T\"]}",
             sha, sha);
    hostile_case(m, "xx", 2, "file name A.NDB appears twice");
    snprintf(m, sizeof m,
             "{\"version\":1,\"created\":0,\"files\":[{\"name\":\"a.ndb\",\"size\":1,"
             "\"sha256\":\"%s\",\"signatures\":2,\"upload_triggers\":2}],"
             "\"upload_triggers\":[\"S\",\"S\"]}",
             sha);
    hostile_case(m, "x", 1, "upload trigger S listed twice");
    hostile_case("{\"version\":0,\"created\":0,\"files\":[],\"upload_triggers\":[]}", NULL, 0,
                 "version: out of range");
    hostile_case("{\"version\":\"1\",\"created\":0,\"files\":[],\"upload_triggers\":[]}", NULL, 0,
                 "version: not an integer");
    hostile_case("{\"version\":1,\"version\":2,\"created\":0,\"files\":[],\"upload_triggers\":[]}",
                 NULL, 0, "not JSON");
    hostile_case("[1,2]", NULL, 0, "not a JSON object");
    hostile_case("{\"version\":1,", NULL, 0, "malformed at offset");
    hostile_case("{\"version\":1,\"created\":0,\"files\":{},\"upload_triggers\":[]}", NULL, 0,
                 "files is missing or not an array");
    hostile_case("{\"version\":1,\"created\":0,\"files\":[],\"upload_triggers\":[]}", "z", 1,
                 "1 bytes after the files");
    snprintf(m, sizeof m,
             "{\"version\":1,\"created\":0,\"files\":[{\"name\":\"a.ndb\",\"size\":1,"
             "\"sha256\":\"%s\",\"signatures\":1,\"upload_triggers\":0}],"
             "\"upload_triggers\":[]}",
             SHA_A);
    hostile_case(m, "x", 1, "digest mismatch for file a.ndb");

    /* More files than the limit: refused before anything is read per file. */
    size_t cap = 64 + 16 * 5000;
    char *big = malloc(cap);
    assert_non_null(big);
    size_t k = (size_t)snprintf(big, cap, "{\"version\":1,\"created\":0,\"files\":[");
    for (int i = 0; i < 5000; i++)
        k += (size_t)snprintf(big + k, cap - k, "%s{}", i ? "," : "");
    snprintf(big + k, cap - k, "],\"upload_triggers\":[]}");
    hostile_case(big, NULL, 0, "5000 files, more than the limit of 4096");
    free(big);

    /* Header fields. */
    p = craft("{}", NULL, 0, &n);
    p[12] = p[13] = p[14] = p[15] = 0xff;
    open_fails(p, n, VG_ERR_MALFORMED, "malformed at offset 12: manifest length 4294967295");
    p[12] = 0;
    p[13] = 0x10; /* 1 MiB: within the limit, past the end */
    open_fails(p, n, VG_ERR_MALFORMED, "runs past the end");
    p[11] = 2;
    open_fails(p, n, VG_ERR_MALFORMED, "malformed at offset 8: unsupported format version 2");
    free(p);
}

static void fails_nth_allocation(void **state)
{
    fx *f = *state;
    for (unsigned long i = 1; i < 40; i++) {
        vg_bundle *b = NULL;
        vg_mem_fail_after(i);
        vg_error e = vg_bundle_open_mem(f->bundle, f->len, &b, NULL, 0);
        vg_mem_fail_after(0);
        assert_true(e == VG_OK || e == VG_ERR_NOMEM);
        assert_true((e == VG_OK) == (b != NULL));
        vg_bundle_free(b);
    }
}

static size_t list_dir(const char *dir, char names[][64], size_t max)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && n < max)
            snprintf(names[n++], 64, "%.63s", de->d_name);
    closedir(d);
    return n;
}

static void read_file(const char *path, char *buf, size_t cap, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    *n = fread(buf, 1, cap, fp);
    fclose(fp);
}

static void extract_writes_exactly_the_files(void **state)
{
    fx *f = *state;
    vg_bundle *b = open_ok(f->bundle, f->len);
    char out[600], path[700], buf[4096], names[8][64];
    size_t n;
    snprintf(out, sizeof out, "%s/db", f->dir);
    assert_int_equal(vg_bundle_extract(b, out), VG_ERR_NOT_FOUND);
    assert_int_equal(mkdir(out, 0700), 0);
    assert_int_equal(vg_bundle_extract(b, out), VG_OK);
    assert_int_equal(list_dir(out, names, 8), 2);
    snprintf(path, sizeof path, "%s/daily.ndb", out);
    read_file(path, buf, sizeof buf, &n);
    assert_int_equal(n, sizeof NDB - 1);
    assert_memory_equal(buf, NDB, n);
    snprintf(path, sizeof path, "%s/daily.hdb", out);
    read_file(path, buf, sizeof buf, &n);
    assert_int_equal(n, sizeof HDB - 1);
    assert_memory_equal(buf, HDB, n);

    /* Not empty any more: refused, and nothing is changed. */
    assert_int_equal(vg_bundle_extract(b, out), VG_ERR_EXISTS);
    assert_int_equal(list_dir(out, names, 8), 2);

    /* A directory holding only a planted symlink is not empty either. */
    char out2[600];
    snprintf(out2, sizeof out2, "%s/db2", f->dir);
    assert_int_equal(mkdir(out2, 0700), 0);
    snprintf(path, sizeof path, "%s/daily.ndb", out2);
    assert_int_equal(symlink("/tmp/vigil-should-not-exist", path), 0);
    assert_int_equal(vg_bundle_extract(b, out2), VG_ERR_EXISTS);
    assert_int_equal(access("/tmp/vigil-should-not-exist", F_OK), -1);
    vg_bundle_free(b);
}

static void keys_round_trip(void **state)
{
    fx *f = *state;
    char prefix[600], path[700], err[512];
    snprintf(prefix, sizeof prefix, "%s/vendor", f->dir);
    assert_int_equal(vg_bundle_key_write(prefix, f->pk, f->sk, err, sizeof err), VG_OK);
    assert_int_equal(vg_bundle_key_write(prefix, f->pk, f->sk, err, sizeof err), VG_ERR_EXISTS);
    snprintf(path, sizeof path, "%s.sec", prefix);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    uint8_t sk[64], pk[32];
    assert_int_equal(vg_bundle_key_read_secret(path, sk, err, sizeof err), VG_OK);
    assert_memory_equal(sk, f->sk, 64);
    snprintf(path, sizeof path, "%s.pub", prefix);
    assert_int_equal(vg_bundle_key_read_public(path, pk, err, sizeof err), VG_OK);
    assert_memory_equal(pk, f->pk, 32);
    /* A secret key file is not a public key file, and vice versa. */
    assert_int_equal(vg_bundle_key_read_secret(path, sk, err, sizeof err), VG_ERR_MALFORMED);
    assert_non_null(strstr(err, "128 hex digits"));

    /* A secret key spliced from two keys is refused. */
    uint8_t pk2[32], sk2[64];
    assert_int_equal(vg_bundle_keygen(pk2, sk2), VG_OK);
    FILE *fp;
    snprintf(path, sizeof path, "%s/spliced.sec", f->dir);
    assert_non_null(fp = fopen(path, "w"));
    for (int i = 0; i < 32; i++)
        fprintf(fp, "%02x", f->sk[i]);
    for (int i = 0; i < 32; i++)
        fprintf(fp, "%02x", pk2[i]);
    fputc('\n', fp);
    fclose(fp);
    assert_int_equal(vg_bundle_key_read_secret(path, sk, err, sizeof err), VG_ERR_MALFORMED);
    assert_non_null(strstr(err, "does not match"));
    snprintf(path, sizeof path, "%s/bad.pub", f->dir);
    assert_non_null(fp = fopen(path, "w"));
    fputs("zz\n", fp);
    fclose(fp);
    assert_int_equal(vg_bundle_key_read_public(path, pk, err, sizeof err), VG_ERR_MALFORMED);
}

static void build_refuses_bad_inputs(void **state)
{
    (void)state;
    vg_bundle_build_opts o = {.version = 1};
    uint8_t *p = NULL;
    size_t n;
    vg_diag d;
    static const char bad[] = "Good:1:*:4d5a9000\n# c\nBad:1:*:4d5a9g\n";
    vg_bundle_src s1[] = {{"x.ndb", bad, sizeof bad - 1}};
    assert_int_equal(vg_bundle_build(&o, s1, 1, &p, &n, &d), VG_ERR_MALFORMED);
    assert_null(p);
    assert_string_equal(d.source, "x.ndb");
    assert_int_equal(d.line, 3);
    assert_true(d.col > 0);

    vg_bundle_src s2[] = {{"x.txt", "a", 1}};
    assert_int_equal(vg_bundle_build(&o, s2, 1, &p, &n, &d), VG_ERR_INVALID_ARG);
    vg_bundle_src s3[] = {{"x.ndb", "", 0}, {"X.ndb", "", 0}};
    assert_int_equal(vg_bundle_build(&o, s3, 2, &p, &n, &d), VG_ERR_INVALID_ARG);
    vg_bundle_src s4[] = {{"../x.ndb", "", 0}};
    assert_int_equal(vg_bundle_build(&o, s4, 1, &p, &n, &d), VG_ERR_INVALID_ARG);
    o.version = 0;
    assert_int_equal(vg_bundle_build(&o, s3, 1, &p, &n, &d), VG_ERR_INVALID_ARG);

    /* One refused instance of a name makes the name detect-only everywhere. */
    o.version = 2;
    static const char a[] = "Shared.Name:1:*:4d5a90000300\n";
    static const char b[] = "Shared.Name:2:*:41424344\n";
    vg_bundle_src s5[] = {{"a.ndb", a, sizeof a - 1}, {"b.ndb", b, sizeof b - 1}};
    assert_int_equal(vg_bundle_build(&o, s5, 2, &p, &n, &d), VG_OK);
    vg_bundle *bb = open_ok(p, n);
    assert_int_equal(vg_bundle_may_upload(bb, "Shared.Name"), 0);
    vg_bundle_file fl;
    assert_int_equal(vg_bundle_file_get(bb, 0, &fl), VG_OK);
    assert_int_equal(fl.upload_triggers, 0);
    vg_bundle_free(bb);
    vg_bundle_buf_free(p);
}

static int count_item(const vg_lint_item *it, void *ud)
{
    assert_string_equal(it->name, "Doc.Grab.Marking");
    assert_string_equal(it->rule, "marking-text");
    (*(int *)ud)++;
    return 0;
}

/* A vendor that lists a refused rule as a trigger anyway (its own build
 * tool, not sigtool) is caught by the client's lint. */
static void client_lint_catches_a_lying_manifest(void **state)
{
    fx *f = *state;
    vg_bundle *b = open_ok(f->bundle, f->len);
    size_t n = 99;
    int calls = 0;
    vg_diag d;
    assert_int_equal(vg_bundle_lint_check(b, count_item, &calls, &n, &d), VG_OK);
    assert_int_equal(n, 0);
    vg_bundle_free(b);

    char sha[65], m[1024];
    uint8_t md[32];
    SHA256((const uint8_t *)NDB, sizeof NDB - 1, md);
    for (int i = 0; i < 32; i++)
        sprintf(sha + 2 * i, "%02x", md[i]);
    snprintf(m, sizeof m,
             "{\"version\":9,\"created\":0,\"files\":[{\"name\":\"daily.ndb\",\"size\":%zu,"
             "\"sha256\":\"%s\",\"signatures\":3,\"upload_triggers\":3}],"
             "\"upload_triggers\":[\"Doc.Grab.Marking\",\"Win.Trojan.Test-1\","
             "\"Win.Trojan.Test-2\"]}",
             sizeof NDB - 1, sha);
    size_t len;
    uint8_t *p = craft(m, NDB, sizeof NDB - 1, &len);
    b = open_ok(p, len);
    assert_int_equal(vg_bundle_may_upload(b, "Doc.Grab.Marking"), 1); /* the manifest says so */
    assert_int_equal(vg_bundle_lint_check(b, count_item, &calls, &n, &d), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(calls, 1);
    vg_bundle_free(b);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(build_is_deterministic_and_hash_triggers, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_key_and_unsigned, setup, teardown),
        cmocka_unit_test_setup_teardown(flipped_byte_anywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(truncated, setup, teardown),
        cmocka_unit_test(hostile_manifests),
        cmocka_unit_test_setup_teardown(fails_nth_allocation, setup, teardown),
        cmocka_unit_test_setup_teardown(extract_writes_exactly_the_files, setup, teardown),
        cmocka_unit_test_setup_teardown(keys_round_trip, setup, teardown),
        cmocka_unit_test(build_refuses_bad_inputs),
        cmocka_unit_test_setup_teardown(client_lint_catches_a_lying_manifest, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
