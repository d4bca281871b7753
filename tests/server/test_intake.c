/* The intake decision (src/vigil-server/intake.c) on inputs generated here:
 * a marked document - plain, and as one member of a zip among source files -
 * is refused with its rule and evidence offsets, leaves a tombstone in the
 * audit log and nothing else (no row, no blob, no byte of it under the data
 * directory, no name in the tombstone); a news article about classified
 * files is stored; a wrong hash, a wrong size and an oversize body are
 * refused before anything is judged or kept; a check cut short by a limit
 * refuses the sample. Runs against the real store in a scratch directory. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "intake.h"
#include "store.h"

/* A document the detector certainly flags: banner first and last, portion
 * marks at the start of each paragraph. The unique phrase must appear
 * nowhere under the data directory afterwards. */
#define UNIQUE_PHRASE "Operation QUIETHARBOR relay schedule"
static const char marked_doc[] =
    "TOP SECRET//SI//NOFORN\n"
    "\n"
    "(TS//SI//NF) " UNIQUE_PHRASE " for the northern sites is attached.\n"
    "\n"
    "(TS//SI//NF) Collection resumes after the maintenance window.\n"
    "\n"
    "(U) Questions go to the desk officer.\n"
    "\n"
    "TOP SECRET//SI//NOFORN\n";

static const char news_doc[] =
    "Officials confirm review of classified files found at former aide's home\n"
    "\n"
    "WASHINGTON - Investigators said on Tuesday that boxes recovered last month "
    "held documents marked top secret, including some that discussed intelligence "
    "sources. The former aide's lawyer said the papers were company confidential "
    "drafts, not secret government records, and that his client kept the recipe "
    "for a top secret barbecue sauce in the same box. A spokesperson declined to "
    "say whether any of the classified material had been shared.\n";

typedef struct fixture {
    char dir[512];
    vs_store *st;
    vs_marker *m;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s/intake-XXXXXX", VG_TEST_TMP);
    mkdir(VG_TEST_TMP, 0700);
    if (mkdtemp(f->dir) == NULL)
        return -1;
    char err[256];
    if (vs_store_open(f->dir, NULL, &f->st, err, sizeof err) != VG_OK) {
        print_error("store: %s\n", err);
        return -1;
    }
    if (vs_marker_new(1 << 20, &f->m, err, sizeof err) != VG_OK) {
        print_error("marker: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        rm_tree(p);
    }
    closedir(d);
    rmdir(path);
}

static int teardown(void **state)
{
    fixture *f = *state;
    vs_marker_free(f->m);
    vs_store_close(f->st);
    rm_tree(f->dir);
    free(f);
    return 0;
}

/* 1 if needle occurs in any file under path (the database included). */
static int tree_contains(const char *path, const char *needle)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        FILE *fp = fopen(path, "rb");
        if (fp == NULL)
            return 0;
        fseek(fp, 0, SEEK_END);
        long n = ftell(fp);
        rewind(fp);
        char *b = malloc((size_t)n + 1);
        size_t got = fread(b, 1, (size_t)n, fp);
        fclose(fp);
        int hit = memmem(b, got, needle, strlen(needle)) != NULL;
        free(b);
        return hit;
    }
    struct dirent *e;
    int hit = 0;
    while (!hit && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        hit = tree_contains(p, needle);
    }
    closedir(d);
    return hit;
}

/* ---- inputs ---- */

typedef struct zbuf {
    uint8_t *p;
    size_t n, cap;
} zbuf;

static la_ssize_t zbuf_write(struct archive *a, void *ud, const void *data, size_t n)
{
    (void)a;
    zbuf *b = ud;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return (la_ssize_t)n;
}

typedef struct zmember {
    const char *name;
    const void *data;
    size_t len;
} zmember;

static uint8_t *make_zip(const zmember *m, size_t nm, size_t *len)
{
    struct archive *a = archive_write_new();
    zbuf b = {0};
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    archive_write_set_bytes_in_last_block(a, 1);
    assert_int_equal(archive_write_open(a, &b, NULL, zbuf_write, NULL), ARCHIVE_OK);
    for (size_t i = 0; i < nm; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)m[i].len);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, m[i].data, m[i].len), (la_ssize_t)m[i].len);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    *len = b.n;
    return b.p;
}

static vs_sample meta_for(const void *body, size_t len)
{
    vs_sample m;
    int64_t size;
    char err[128], hex[65];
    vs_sha256_hex(body, len, hex);
    assert_int_equal(vs_intake_parse_meta(hex, NULL, "Test.Intake", "b1", "c1", NULL, &m, &size,
                                          err, sizeof err),
                     0);
    snprintf(m.submitter, sizeof m.submitter, "tester");
    return m;
}

static json_t *last_audit(fixture *f)
{
    json_t *all = NULL;
    assert_int_equal(vs_store_audit_list(f->st, 0, 0, &all), VG_OK);
    size_t n = json_array_size(all);
    json_t *e = n ? json_incref(json_array_get(all, n - 1)) : NULL;
    json_decref(all);
    return e;
}

static size_t audit_count(fixture *f)
{
    json_t *all = NULL;
    assert_int_equal(vs_store_audit_list(f->st, 0, 0, &all), VG_OK);
    size_t n = json_array_size(all);
    json_decref(all);
    return n;
}

static int has_offset(const json_t *ev, uint64_t off)
{
    size_t i;
    json_t *v;
    json_array_foreach(ev, i, v) if ((uint64_t)json_integer_value(v) == off) return 1;
    return 0;
}

/* The tombstone of a refusal: kind, sha256, size, rule, evidence - and no
 * trace of the document's words or of any file name. */
static void assert_tombstone(fixture *f, const vs_intake_result *res, const char *forbidden_name)
{
    json_t *e = last_audit(f);
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "kind")), "tombstone");
    assert_string_equal(json_string_value(json_object_get(e, "sha256")), res->sha256);
    assert_int_equal(json_integer_value(json_object_get(e, "size")), res->size);
    assert_string_equal(json_string_value(json_object_get(e, "rule")), res->mark.rule);
    assert_true(json_array_size(json_object_get(e, "evidence")) >= 1);
    char *text = json_dumps(e, JSON_COMPACT);
    assert_null(strstr(text, "QUIETHARBOR"));
    assert_null(strstr(text, "Collection resumes"));
    if (forbidden_name)
        assert_null(strstr(text, forbidden_name));
    free(text);
    json_decref(e);
}

static void assert_not_stored(fixture *f, const char *sha)
{
    vs_sample s;
    assert_int_equal(vs_store_get_sample(f->st, sha, &s), VG_ERR_NOT_FOUND);
    assert_false(tree_contains(f->dir, UNIQUE_PHRASE));
}

/* ---- tests ---- */

static void test_marked_text_refused(void **state)
{
    fixture *f = *state;
    size_t len = sizeof marked_doc - 1;
    vs_sample m = meta_for(marked_doc, len);
    vs_intake_result res;
    vs_intake_run(f->st, f->m, &m, (int64_t)len, 1 << 20, (const uint8_t *)marked_doc, len, NULL,
                  &res);
    assert_int_equal(res.outcome, VS_INTAKE_CLASSIFIED);
    assert_int_equal(res.mark.status, VS_MARK_CLASSIFIED);
    assert_true(res.mark.rule[0] != '\0');
    assert_int_equal(res.mark.depth, 0);
    assert_true(res.mark.n_evidence >= 1);
    /* The evidence points at the markings: the first banner starts at 0,
     * the last one at the start of the final line. */
    json_t *ev = json_array();
    for (unsigned i = 0; i < res.mark.n_evidence; i++) {
        assert_true(res.mark.evidence[i] < len);
        json_array_append_new(ev, json_integer((json_int_t)res.mark.evidence[i]));
    }
    uint64_t first_portion = (uint64_t)(strstr(marked_doc, "(TS//") - marked_doc);
    assert_true(has_offset(ev, 0) || has_offset(ev, first_portion));
    json_decref(ev);
    assert_tombstone(f, &res, NULL);
    assert_not_stored(f, res.sha256);
}

static void test_marked_member_of_zip_refused(void **state)
{
    fixture *f = *state;
    static const char src1[] = "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n";
    static const char src2[] = "def add(a, b):\n    return a + b\n";
    static const char src3[] = "CC=cc\nall:\n\t$(CC) -o main main.c\n";
    zmember mem[] = {
        {"src/main.c", src1, sizeof src1 - 1},
        {"tools/add.py", src2, sizeof src2 - 1},
        {"docs/relay_schedule_secret.txt", marked_doc, sizeof marked_doc - 1},
        {"Makefile", src3, sizeof src3 - 1},
    };
    size_t len;
    uint8_t *zip = make_zip(mem, 4, &len);
    vs_sample m = meta_for(zip, len);
    vs_intake_result res;
    vs_intake_run(f->st, f->m, &m, -1, 1 << 20, zip, len, NULL, &res);
    assert_int_equal(res.outcome, VS_INTAKE_CLASSIFIED);
    assert_true(res.mark.depth >= 1); /* found inside, not on the zip's bytes */
    assert_tombstone(f, &res, "relay_schedule_secret");
    assert_not_stored(f, res.sha256);
    free(zip);
}

static void test_news_accepted(void **state)
{
    fixture *f = *state;
    size_t len = sizeof news_doc - 1;
    vs_sample m = meta_for(news_doc, len);
    vs_intake_result res;
    vs_intake_run(f->st, f->m, &m, (int64_t)len, 1 << 20, (const uint8_t *)news_doc, len, NULL,
                  &res);
    assert_int_equal(res.mark.status, VS_MARK_CLEAN);
    assert_int_equal(res.outcome, VS_INTAKE_STORED);
    vs_sample got;
    assert_int_equal(vs_store_get_sample(f->st, res.sha256, &got), VG_OK);
    assert_int_equal(got.size, len);
    assert_string_equal(got.detection, "Test.Intake");
    assert_string_equal(got.submitter, "tester");
    /* A second upload is a duplicate, still stored once. */
    vs_intake_run(f->st, f->m, &m, -1, 1 << 20, (const uint8_t *)news_doc, len, NULL, &res);
    assert_int_equal(res.outcome, VS_INTAKE_DUPLICATE);
    /* At rest it is sealed: the plaintext is nowhere under the data dir. */
    assert_false(tree_contains(f->dir, "barbecue sauce"));
}

static void test_hash_mismatch(void **state)
{
    fixture *f = *state;
    size_t len = sizeof news_doc - 1;
    vs_sample m = meta_for(news_doc, len);
    m.sha256[0] = m.sha256[0] == '0' ? '1' : '0';
    size_t before = audit_count(f);
    vs_intake_result res;
    vs_intake_run(f->st, f->m, &m, -1, 1 << 20, (const uint8_t *)news_doc, len, NULL, &res);
    assert_int_equal(res.outcome, VS_INTAKE_HASH_MISMATCH);
    vs_sample s;
    assert_int_equal(vs_store_get_sample(f->st, res.sha256, &s), VG_ERR_NOT_FOUND);
    assert_int_equal(vs_store_get_sample(f->st, m.sha256, &s), VG_ERR_NOT_FOUND);
    assert_int_equal(audit_count(f), before);
}

static void test_oversize_and_bad_size(void **state)
{
    fixture *f = *state;
    size_t len = sizeof news_doc - 1;
    vs_sample m = meta_for(news_doc, len);
    vs_intake_result res;
    vs_intake_run(f->st, f->m, &m, -1, len - 1, (const uint8_t *)news_doc, len, NULL, &res);
    assert_int_equal(res.outcome, VS_INTAKE_TOO_LARGE);
    vs_intake_run(f->st, f->m, &m, (int64_t)len + 1, 1 << 20, (const uint8_t *)news_doc, len, NULL,
                  &res);
    assert_int_equal(res.outcome, VS_INTAKE_BAD_SIZE);
    vs_sample s;
    assert_int_equal(vs_store_get_sample(f->st, m.sha256, &s), VG_ERR_NOT_FOUND);
}

/* Zips nested deeper than the engine's depth limit: the check cannot reach
 * the innermost member, so the sample is refused, with the limit named. */
static void test_limit_refuses(void **state)
{
    fixture *f = *state;
    size_t len = 5;
    uint8_t *cur = (uint8_t *)strdup("inner");
    for (int i = 0; i < 20; i++) {
        zmember z = {"nested.zip", cur, len};
        size_t nl;
        uint8_t *next = make_zip(&z, 1, &nl);
        free(cur);
        cur = next;
        len = nl;
    }
    vs_sample m = meta_for(cur, len);
    vs_intake_result res;
    vs_intake_run(f->st, f->m, &m, -1, 1 << 20, cur, len, NULL, &res);
    assert_int_equal(res.outcome, VS_INTAKE_UNSCANNABLE);
    assert_string_equal(res.mark.rule, "limit:depth");
    vs_sample s;
    assert_int_equal(vs_store_get_sample(f->st, res.sha256, &s), VG_ERR_NOT_FOUND);
    json_t *e = last_audit(f);
    assert_string_equal(json_string_value(json_object_get(e, "kind")), "refused");
    assert_string_equal(json_string_value(json_object_get(e, "rule")), "limit:depth");
    json_decref(e);
    free(cur);
}

static void test_parse_meta(void **state)
{
    (void)state;
    vs_sample m;
    int64_t size;
    char err[128];
    const char *h = "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789";
    assert_int_equal(
        vs_intake_parse_meta(h, "42", "Sig", NULL, NULL, "hashes", &m, &size, err, sizeof err), 0);
    assert_string_equal(m.sha256,
                        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    assert_int_equal(size, 42);
    assert_string_equal(m.consent, "hashes");
    assert_int_equal(
        vs_intake_parse_meta(NULL, NULL, "Sig", NULL, NULL, NULL, &m, &size, err, sizeof err), -1);
    assert_non_null(strstr(err, "X-Vigil-SHA256"));
    assert_int_equal(
        vs_intake_parse_meta("abc", NULL, "Sig", NULL, NULL, NULL, &m, &size, err, sizeof err), -1);
    assert_int_equal(
        vs_intake_parse_meta(h, NULL, NULL, NULL, NULL, NULL, &m, &size, err, sizeof err), -1);
    assert_non_null(strstr(err, "X-Vigil-Detection"));
    assert_int_equal(
        vs_intake_parse_meta(h, "-1", "Sig", NULL, NULL, NULL, &m, &size, err, sizeof err), -1);
    assert_int_equal(
        vs_intake_parse_meta(h, NULL, "Sig\x01", NULL, NULL, NULL, &m, &size, err, sizeof err), -1);
    assert_int_equal(
        vs_intake_parse_meta(h, NULL, "Sig", NULL, NULL, "everything", &m, &size, err, sizeof err),
        -1);
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(
        vs_intake_parse_meta(h, NULL, longname, NULL, NULL, NULL, &m, &size, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_meta),
        cmocka_unit_test_setup_teardown(test_marked_text_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_marked_member_of_zip_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_news_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversize_and_bad_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_refuses, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
