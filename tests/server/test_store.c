/* The server's store, samples side: put/get/list/lookup, duplicates,
 * audited reads, altered and truncated blobs, deletion (row, blob and the
 * key's bytes in the database files), the rescan walk, file permissions.
 * Every case runs on SQLite and, with VIGIL_TEST_PG set, on PostgreSQL. */
#include "store_fixture.h"

#include <fcntl.h>

#define BIG (3u * VS_BLOB_CHUNK + 1234u) /* several chunks and a short one */

static void test_put_get_list_lookup(void **state)
{
    sfx *f = *state;
    vs_sample m[5];
    uint8_t *p[5];
    const char *det[5] = {"Eicar", "Trojan.A", "Eicar", "Worm.B", "Eicar"};
    const char *cli[5] = {"host1", "host2", "host1", "host1", "host3"};
    for (int i = 0; i < 5; i++) {
        p[i] = sfx_sample(100 + (size_t)i, 10 + (uint32_t)i, &m[i], det[i], cli[i], 1000 + i);
        sfx_put(f, &m[i], p[i], 100 + (size_t)i, 0);
    }
    vs_sample g;
    assert_int_equal(vs_store_get_sample(f->st, m[1].sha256, &g), VG_OK);
    assert_string_equal(g.sha256, m[1].sha256);
    assert_int_equal(g.size, 101);
    assert_string_equal(g.detection, "Trojan.A");
    assert_string_equal(g.bundle, "b-1");
    assert_string_equal(g.client, "host2");
    assert_string_equal(g.consent, "safe");
    assert_string_equal(g.submitter, "sub");
    assert_int_equal(g.received, 1001);
    char nosuch[65];
    memset(nosuch, 'a', 64);
    nosuch[64] = '\0';
    assert_int_equal(vs_store_get_sample(f->st, nosuch, &g), VG_ERR_NOT_FOUND);

    json_t *l = NULL;
    vs_filter all = {0};
    assert_int_equal(vs_store_list(f->st, &all, &l), VG_OK);
    assert_int_equal(json_array_size(l), 5);
    for (int i = 0; i < 5; i++) /* newest first */
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(l, (size_t)i), "sha256")),
            m[4 - i].sha256);
    json_t *o = json_array_get(l, 0);
    assert_int_equal(json_integer_value(json_object_get(o, "size")), 104);
    assert_int_equal(json_integer_value(json_object_get(o, "received")), 1004);
    assert_string_equal(json_string_value(json_object_get(o, "client")), "host3");
    json_decref(l);

    vs_filter fd = {.detection = "Eicar"};
    assert_int_equal(vs_store_list(f->st, &fd, &l), VG_OK);
    assert_int_equal(json_array_size(l), 3);
    json_decref(l);
    vs_filter fc = {.detection = "Eicar", .client = "host1"};
    assert_int_equal(vs_store_list(f->st, &fc, &l), VG_OK);
    assert_int_equal(json_array_size(l), 2);
    json_decref(l);
    vs_filter ft = {.since = 1001, .until = 1003};
    assert_int_equal(vs_store_list(f->st, &ft, &l), VG_OK);
    assert_int_equal(json_array_size(l), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "sha256")),
                        m[2].sha256);
    json_decref(l);
    vs_filter pg = {.limit = 2, .offset = 2};
    assert_int_equal(vs_store_list(f->st, &pg, &l), VG_OK);
    assert_int_equal(json_array_size(l), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "sha256")),
                        m[2].sha256);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 1), "sha256")),
                        m[1].sha256);
    json_decref(l);
    vs_filter past = {.offset = 5};
    assert_int_equal(vs_store_list(f->st, &past, &l), VG_OK);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);

    const char *q[3] = {m[3].sha256, nosuch, m[0].sha256};
    int known[3];
    char dets[3][128];
    assert_int_equal(vs_store_lookup(f->st, q, 3, known, dets), VG_OK);
    assert_int_equal(known[0], 1);
    assert_string_equal(dets[0], "Worm.B");
    assert_int_equal(known[1], 0);
    assert_string_equal(dets[1], "");
    assert_int_equal(known[2], 1);
    assert_string_equal(dets[2], "Eicar");
    for (int i = 0; i < 5; i++)
        free(p[i]);
}

static void test_duplicate(void **state)
{
    sfx *f = *state;
    vs_sample m;
    uint8_t *p = sfx_sample(5000, 7, &m, "Eicar", "h", 50);
    sfx_put(f, &m, p, 5000, 0);
    vs_sample again = m;
    snprintf(again.detection, sizeof again.detection, "Other");
    snprintf(again.submitter, sizeof again.submitter, "second");
    sfx_put(f, &again, p, 5000, 1);
    json_t *l = NULL;
    vs_filter all = {0};
    assert_int_equal(vs_store_list(f->st, &all, &l), VG_OK);
    assert_int_equal(json_array_size(l), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "detection")),
                        "Eicar"); /* the first stays as it was */
    json_decref(l);
    json_t *a = sfx_audit(f);
    assert_int_equal(json_array_size(a), 2);
    json_t *e1 = json_array_get(a, 0), *e2 = json_array_get(a, 1);
    assert_string_equal(json_string_value(json_object_get(e1, "kind")), "intake");
    assert_null(json_object_get(e1, "duplicate"));
    assert_string_equal(json_string_value(json_object_get(e1, "actor")), "sub");
    assert_string_equal(json_string_value(json_object_get(e2, "kind")), "intake");
    assert_true(json_is_true(json_object_get(e2, "duplicate")));
    assert_string_equal(json_string_value(json_object_get(e2, "actor")), "second");
    assert_string_equal(json_string_value(json_object_get(e2, "sha256")), m.sha256);
    json_decref(a);
    /* Still readable with the first key: the duplicate did not replace the blob. */
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(vs_store_read_content(f->st, m.sha256, "ann", &out, &len), VG_OK);
    assert_int_equal(len, 5000);
    assert_memory_equal(out, p, 5000);
    vs_store_content_free(out);
    free(p);
}

static void read_back(sfx *f, size_t n, uint32_t seed)
{
    vs_sample m;
    uint8_t *p = sfx_sample(n, seed, &m, "Eicar", "h", 60);
    sfx_put(f, &m, p, n, 0);
    uint8_t *out = NULL;
    size_t len = 99;
    assert_int_equal(vs_store_read_content(f->st, m.sha256, "analyst-ann", &out, &len), VG_OK);
    assert_int_equal(len, n);
    if (n > 0)
        assert_memory_equal(out, p, n);
    vs_store_content_free(out);
    /* The blob on disk is not the plaintext. */
    char path[4096];
    assert_int_equal(vs_blob_path(f->dir, m.sha256, path, sizeof path), 0);
    size_t blen = 0;
    uint8_t *blob = vgt_read_file(path, &blen);
    assert_non_null(blob);
    assert_true(blen > n);
    if (n >= 64)
        assert_null(memmem(blob, blen, p + n / 2 - 32, 32));
    vg_free(blob);
    json_t *a = sfx_audit(f);
    json_t *last = json_array_get(a, json_array_size(a) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "kind")), "read");
    assert_string_equal(json_string_value(json_object_get(last, "actor")), "analyst-ann");
    assert_string_equal(json_string_value(json_object_get(last, "sha256")), m.sha256);
    assert_int_equal(json_integer_value(json_object_get(last, "size")), (json_int_t)n);
    json_decref(a);
    free(p);
}

static void test_read_content(void **state)
{
    sfx *f = *state;
    read_back(f, 0, 1);
    read_back(f, 1, 2);
    read_back(f, VS_BLOB_CHUNK, 3); /* exactly one chunk */
    read_back(f, 2 * VS_BLOB_CHUNK, 4);
    read_back(f, BIG, 5);
    assert_true(sfx_chain_ok(f));
    uint8_t *out = (uint8_t *)1;
    size_t len;
    char nosuch[65];
    memset(nosuch, 'b', 64);
    nosuch[64] = '\0';
    assert_int_equal(vs_store_read_content(f->st, nosuch, "ann", &out, &len), VG_ERR_NOT_FOUND);
    assert_null(out);
}

static void damage(const char *path, off_t at, int truncate_instead)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    if (truncate_instead) {
        assert_int_equal(ftruncate(fd, at), 0);
    } else {
        uint8_t b;
        assert_int_equal(pread(fd, &b, 1, at), 1);
        b ^= 0x01;
        assert_int_equal(pwrite(fd, &b, 1, at), 1);
    }
    close(fd);
}

static void test_altered_blob(void **state)
{
    sfx *f = *state;
    const off_t chunk = VS_BLOB_CHUNK + 17, head = 32;
    struct {
        off_t at;
        int trunc;
    } cases[] = {
        {head + 100, 0},                   /* a content byte */
        {10, 0},                           /* the stream header */
        {head + 3 * chunk + 5, 0},         /* the final chunk */
        {head + 2 * chunk, 1},             /* cut at a chunk boundary */
        {head + 3 * chunk + 100, 1},       /* cut inside the last chunk */
        {head + 3 * chunk + 1234 + 17, 2}, /* extra byte after FINAL (see below) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vs_sample m;
        uint8_t *p = sfx_sample(BIG, 100 + (uint32_t)i, &m, "Eicar", "h", 70);
        sfx_put(f, &m, p, BIG, 0);
        char path[4096];
        assert_int_equal(vs_blob_path(f->dir, m.sha256, path, sizeof path), 0);
        if (cases[i].trunc == 2) {
            int fd = open(path, O_WRONLY | O_APPEND);
            assert_true(fd >= 0);
            assert_int_equal(write(fd, "x", 1), 1);
            close(fd);
        } else {
            damage(path, cases[i].at, cases[i].trunc);
        }
        uint8_t *out = (uint8_t *)1;
        size_t len = 1;
        assert_int_equal(vs_store_read_content(f->st, m.sha256, "ann", &out, &len), VG_ERR_CRYPTO);
        assert_null(out);
        assert_int_equal(len, 0);
        free(p);
    }
    /* A blob renamed to another sample's name fails too (its name is bound in). */
    vs_sample a, b;
    uint8_t *pa = sfx_sample(300, 201, &a, "E", "h", 80);
    uint8_t *pb = sfx_sample(300, 202, &b, "E", "h", 80);
    sfx_put(f, &a, pa, 300, 0);
    sfx_put(f, &b, pb, 300, 0);
    char path_a[4096], path_b[4096];
    vs_blob_path(f->dir, a.sha256, path_a, sizeof path_a);
    vs_blob_path(f->dir, b.sha256, path_b, sizeof path_b);
    assert_int_equal(rename(path_a, path_b), 0);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(vs_store_read_content(f->st, b.sha256, "ann", &out, &len), VG_ERR_CRYPTO);
    free(pa);
    free(pb);
}

/* Whether the 32 bytes occur in any of the SQLite files. */
static int key_in_db_files(sfx *f, const uint8_t *key)
{
    const char *suffix[] = {"", "-wal", "-shm", "-journal"};
    int hits = 0;
    for (size_t i = 0; i < 4; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/vigil.db%s", f->dir, suffix[i]);
        size_t len = 0;
        uint8_t *buf = vgt_read_file(path, &len);
        if (buf != NULL && memmem(buf, len, key, 32) != NULL)
            hits++;
        vg_free(buf);
    }
    return hits;
}

static void test_delete(void **state)
{
    sfx *f = *state;
    vs_sample m, keep;
    uint8_t *p = sfx_sample(BIG, 300, &m, "Eicar", "h", 90);
    uint8_t *pk = sfx_sample(1000, 301, &keep, "Eicar", "h", 91);
    sfx_put(f, &m, p, BIG, 0);
    sfx_put(f, &keep, pk, 1000, 0);
    uint8_t key[32];
    assert_int_equal(vsi_store_test_key(f->st, m.sha256, key), VG_OK);
    if (f->pg == NULL) /* the check below can fail: the key is there now */
        assert_true(key_in_db_files(f, key) > 0);
    char path[4096];
    assert_int_equal(vs_blob_path(f->dir, m.sha256, path, sizeof path), 0);
    assert_int_equal(access(path, F_OK), 0);

    json_t *detail = json_pack("{s:s}", "reason", "test");
    assert_int_equal(vs_store_delete_sample(f->st, m.sha256, "delete", "admin-al", detail), VG_OK);
    json_decref(detail);
    vs_sample g;
    assert_int_equal(vs_store_get_sample(f->st, m.sha256, &g), VG_ERR_NOT_FOUND);
    assert_int_equal(access(path, F_OK), -1);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(vs_store_read_content(f->st, m.sha256, "ann", &out, &len), VG_ERR_NOT_FOUND);
    assert_null(out);
    assert_int_equal(vs_store_delete_sample(f->st, m.sha256, "delete", "admin-al", NULL),
                     VG_ERR_NOT_FOUND);
    const char *q[1] = {m.sha256};
    int known = 1;
    assert_int_equal(vs_store_lookup(f->st, q, 1, &known, NULL), VG_OK);
    assert_int_equal(known, 0);
    if (f->pg == NULL)
        assert_int_equal(key_in_db_files(f, key), 0);
    /* The other sample is untouched. */
    assert_int_equal(vs_store_read_content(f->st, keep.sha256, "ann", &out, &len), VG_OK);
    assert_memory_equal(out, pk, 1000);
    vs_store_content_free(out);

    json_t *a = sfx_audit(f);
    json_t *d = NULL;
    for (size_t i = 0; i < json_array_size(a); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(a, i), "kind")), "delete") == 0)
            d = json_array_get(a, i);
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(d, "actor")), "admin-al");
    assert_string_equal(json_string_value(json_object_get(d, "sha256")), m.sha256);
    assert_int_equal(json_integer_value(json_object_get(d, "size")), BIG);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "detail"), "reason")),
                        "test");
    json_decref(a);
    assert_true(sfx_chain_ok(f));
    /* Stored again after deletion: a new key, readable. */
    sfx_put(f, &m, p, BIG, 0);
    assert_int_equal(vs_store_read_content(f->st, m.sha256, "ann", &out, &len), VG_OK);
    assert_int_equal(len, BIG);
    vs_store_content_free(out);
    free(p);
    free(pk);
}

typedef struct walk {
    int n;
    size_t bytes;
    int stop_after;
} walk;

static int walk_fn(const vs_sample *meta, const uint8_t *content, size_t len, void *ud)
{
    walk *w = ud;
    assert_int_equal(meta->size, len);
    if (len > 0)
        assert_non_null(content);
    w->n++;
    w->bytes += len;
    return w->stop_after != 0 && w->n >= w->stop_after;
}

static void test_each_sample(void **state)
{
    sfx *f = *state;
    size_t total = 0;
    for (int i = 0; i < 4; i++) {
        vs_sample m;
        uint8_t *p = sfx_sample(1000 * (size_t)(i + 1), 400 + (uint32_t)i, &m, "E", "h", 100 + i);
        sfx_put(f, &m, p, 1000 * (size_t)(i + 1), 0);
        total += 1000 * (size_t)(i + 1);
        free(p);
    }
    walk w = {0, 0, 0};
    assert_int_equal(vs_store_each_sample(f->st, walk_fn, &w), VG_OK);
    assert_int_equal(w.n, 4);
    assert_int_equal(w.bytes, total);
    json_t *a = sfx_audit(f);
    int rescans = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *e = json_array_get(a, i);
        if (strcmp(json_string_value(json_object_get(e, "kind")), "rescan") == 0) {
            rescans++;
            assert_string_equal(json_string_value(json_object_get(e, "actor")), "purge");
        }
    }
    assert_int_equal(rescans, 4);
    json_decref(a);
    walk w2 = {0, 0, 2};
    assert_int_equal(vs_store_each_sample(f->st, walk_fn, &w2), VG_OK);
    assert_int_equal(w2.n, 2);
}

static void test_permissions(void **state)
{
    sfx *f = *state;
    vs_sample m;
    uint8_t *p = sfx_sample(10, 500, &m, "E", "h", 1);
    sfx_put(f, &m, p, 10, 0);
    free(p);
    char path[4096];
    struct stat sb;
    vs_blob_path(f->dir, m.sha256, path, sizeof path);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    *strrchr(path, '/') = '\0';
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/tmp", f->dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    if (f->pg == NULL) {
        snprintf(path, sizeof path, "%s/vigil.db", f->dir);
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
    }
    assert_string_equal(vs_store_backend(f->st), f->pg ? "postgresql" : "sqlite");
}

#define TESTS(X)                                                                                   \
    X(test_put_get_list_lookup), X(test_duplicate), X(test_read_content), X(test_altered_blob),    \
        X(test_delete), X(test_each_sample), X(test_permissions)

int main(void)
{
    const struct CMUnitTest sq[] = {TESTS(SFX_SQLITE)};
    const struct CMUnitTest pg[] = {TESTS(SFX_PG)};
    return sfx_run("store_samples", sq, pg, sizeof sq / sizeof sq[0]);
}
