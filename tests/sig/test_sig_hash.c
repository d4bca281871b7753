/* Hash signature files (.hdb .hsb .fp .sfp): what each line adds to the
 * database, and where each malformed line is reported. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "sig/sig_formats.h"

#define TEST_SHA256 "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495"
#define EICAR_MD5   "44d88612fea8a8f36de82e1278abb02f"
#define EICAR_SHA1  "3395856ce81f2b7382dee72602f798b642f14140"

static vgi_sigdb *new_db(void)
{
    vgi_sigdb *db = NULL;
    assert_int_equal(vgi_sigdb_new(&db), VG_OK);
    return db;
}

static vg_error parse(vgi_sigfmt_parse_fn fn, vgi_sigdb *db, const char *src, const char *text,
                      vg_diag *d)
{
    vg_diag_clear(d);
    return fn(db, src, text, strlen(text), d);
}

/* Parses text that must load; returns the database. */
static vgi_sigdb *load(vgi_sigfmt_parse_fn fn, const char *text)
{
    vgi_sigdb *db = new_db();
    vg_diag d;
    vg_error err = parse(fn, db, "t.hdb", text, &d);
    if (err != VG_OK) {
        char buf[1024];
        vg_diag_format(&d, buf, sizeof buf);
        print_error("%s\n", buf);
    }
    assert_int_equal(err, VG_OK);
    return db;
}

/* Must-reject: the file is named and the error sits at line:col. */
static void reject_len(vgi_sigfmt_parse_fn fn, const char *text, size_t len, unsigned line,
                       unsigned col)
{
    vgi_sigdb *db = new_db();
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = fn(db, "bad.hdb", text, len, &d);
    if (err != VG_ERR_MALFORMED || d.line != line || d.col != col)
        print_error("%.80s: err %d at %u:%u (want %u:%u): %s\n", text, err, d.line, d.col, line,
                    col, d.message);
    assert_int_equal(err, VG_ERR_MALFORMED);
    assert_string_equal(d.source, "bad.hdb");
    assert_int_equal(d.line, line);
    assert_int_equal(d.col, col);
    assert_true(d.message[0] != '\0');
    vgi_sigdb_free(db);
}

static void reject(const char *text, unsigned line, unsigned col)
{
    reject_len(vgi_sig_parse_hdb, text, strlen(text), line, col);
}

static void expect_entry(vgi_sigdb *db, vgi_hash_kind kind, int allow, size_t i, const char *hex,
                         uint64_t size, const char *name)
{
    assert_true(i < vgi_sigdb_hash_count(db, kind, allow));
    const vgi_hash_entry *e = &vgi_sigdb_hashes(db, kind, allow)[i];
    uint8_t want[VGI_HASH_MAX];
    assert_int_equal(strlen(hex), 2 * vgi_hash_len(kind));
    assert_int_equal(vgi_hex_decode(hex, vgi_hash_len(kind), want), 0);
    assert_memory_equal(e->digest, want, vgi_hash_len(kind));
    assert_int_equal(e->size, size);
    assert_string_equal(vgi_sigdb_name(db, e->name), name);
}

static size_t total(vgi_sigdb *db, int allow)
{
    size_t n = 0;
    for (int k = 0; k < VGI_HASH_KINDS; k++)
        n += vgi_sigdb_hash_count(db, (vgi_hash_kind)k, allow);
    return n;
}

static void test_clamav_test_file_line(void **state)
{
    (void)state;
    static const char line[] = TEST_SHA256 ":544:ClamAV-Test-File\n";
    vgi_sigfmt_parse_fn fns[] = {vgi_sig_parse_hdb, vgi_sig_parse_hsb};
    for (size_t i = 0; i < 2; i++) {
        vgi_sigdb *db = load(fns[i], line);
        assert_int_equal(vgi_sigdb_hash_count(db, VGI_HASH_SHA256, 0), 1);
        assert_int_equal(total(db, 0), 1);
        assert_int_equal(total(db, 1), 0);
        expect_entry(db, VGI_HASH_SHA256, 0, 0, TEST_SHA256, 544, "ClamAV-Test-File");
        vgi_sigdb_free(db);
    }
}

static void test_kinds_by_length(void **state)
{
    (void)state;
    vgi_sigdb *db =
        load(vgi_sig_parse_hdb, EICAR_MD5 ":68:Eicar-Md5\n" EICAR_SHA1
                                          ":68:Eicar-Sha1\n" TEST_SHA256 ":544:Test-Sha256\n"
                                          "44D88612FEA8A8F36DE82E1278ABB02F:68:Upper\n");
    assert_int_equal(vgi_sigdb_hash_count(db, VGI_HASH_MD5, 0), 2);
    assert_int_equal(vgi_sigdb_hash_count(db, VGI_HASH_SHA1, 0), 1);
    assert_int_equal(vgi_sigdb_hash_count(db, VGI_HASH_SHA256, 0), 1);
    expect_entry(db, VGI_HASH_MD5, 0, 0, EICAR_MD5, 68, "Eicar-Md5");
    expect_entry(db, VGI_HASH_MD5, 0, 1, EICAR_MD5, 68, "Upper");
    expect_entry(db, VGI_HASH_SHA1, 0, 0, EICAR_SHA1, 68, "Eicar-Sha1");
    expect_entry(db, VGI_HASH_SHA256, 0, 0, TEST_SHA256, 544, "Test-Sha256");
    vgi_sigdb_free(db);
}

static void test_allow_lists(void **state)
{
    (void)state;
    vgi_sigfmt_parse_fn fns[] = {vgi_sig_parse_fp, vgi_sig_parse_sfp};
    for (size_t i = 0; i < 2; i++) {
        vgi_sigdb *db = load(fns[i], EICAR_MD5 ":68:Known-Good\n" TEST_SHA256 ":*:Any-Size\n");
        assert_int_equal(total(db, 0), 0);
        assert_int_equal(total(db, 1), 2);
        expect_entry(db, VGI_HASH_MD5, 1, 0, EICAR_MD5, 68, "Known-Good");
        expect_entry(db, VGI_HASH_SHA256, 1, 0, TEST_SHA256, VGI_SIZE_ANY, "Any-Size");
        vgi_sigdb_free(db);
    }
}

static void test_sizes(void **state)
{
    (void)state;
    vgi_sigdb *db = load(vgi_sig_parse_hsb, EICAR_SHA1 ":*:Star\n" EICAR_SHA1 ":1:One\n" EICAR_SHA1
                                                       ":18446744073709551614:Largest\n");
    expect_entry(db, VGI_HASH_SHA1, 0, 0, EICAR_SHA1, VGI_SIZE_ANY, "Star");
    expect_entry(db, VGI_HASH_SHA1, 0, 1, EICAR_SHA1, 1, "One");
    expect_entry(db, VGI_HASH_SHA1, 0, 2, EICAR_SHA1, UINT64_MAX - 1, "Largest");
    vgi_sigdb_free(db);
}

static void test_flevels(void **state)
{
    (void)state;
    vgi_sigdb *db =
        load(vgi_sig_parse_hdb, EICAR_MD5 ":68:Min:73\n" EICAR_MD5 ":68:MinMax:73:255\n" EICAR_MD5
                                          ":68:EmptyMin::999\n" EICAR_MD5 ":68:EmptyBoth::\n");
    assert_int_equal(total(db, 0), 4);
    assert_int_equal(vgi_sigdb_skipped_count(db), 0);
    vgi_sigdb_free(db);

    /* lines for other engine levels are counted, not loaded */
    db = new_db();
    vg_diag d;
    assert_int_equal(
        parse(vgi_sig_parse_hdb, db, "lv.hdb",
              EICAR_MD5 ":68:Future:9999\n" EICAR_MD5 ":68:Past:1:20\n" EICAR_MD5 ":68:Now\n", &d),
        VG_OK);
    assert_int_equal(total(db, 0), 1);
    assert_int_equal(vgi_sigdb_skipped_count(db), 2);
    assert_non_null(strstr(vgi_sigdb_skipped_first(db), "lv.hdb:1: "));
    vgi_sigdb_free(db);
}

static void test_line_conventions(void **state)
{
    (void)state;
    /* comments, blank and whitespace-only lines, CRLF, no final newline */
    vgi_sigdb *db = load(vgi_sig_parse_hdb, "# a comment\r\n"
                                            "\r\n"
                                            "\n"
                                            "  \t\n" EICAR_MD5 ":68:Crlf\r\n"
                                            "#" EICAR_MD5 ":68:Commented\n" EICAR_MD5 ":68:Last");
    assert_int_equal(total(db, 0), 2);
    expect_entry(db, VGI_HASH_MD5, 0, 0, EICAR_MD5, 68, "Crlf");
    expect_entry(db, VGI_HASH_MD5, 0, 1, EICAR_MD5, 68, "Last");
    vgi_sigdb_free(db);

    db = load(vgi_sig_parse_hdb, "");
    assert_int_equal(total(db, 0), 0);
    vgi_sigdb_free(db);

    db = new_db();
    vg_diag d;
    assert_int_equal(vgi_sig_parse_hdb(db, "empty.hdb", NULL, 0, &d), VG_OK);
    assert_int_equal(vgi_sig_parse_hdb(db, "nodiag.hdb", EICAR_MD5 ":1:N", 36, NULL), VG_OK);
    assert_int_equal(total(db, 0), 1);
    vgi_sigdb_free(db);
}

static void test_reject_fields(void **state)
{
    (void)state;
    reject(EICAR_MD5 ":68\n", 1, 36);
    reject(EICAR_MD5 "\n", 1, 33);
    reject("\n# c\n" EICAR_MD5 ":68:Name:1:2:3\n", 3, 46);
    reject(EICAR_MD5 ":68:Name:1:2:\n", 1, 46);
    /* the line number counts skipped lines; CR is not part of the column */
    reject(EICAR_MD5 ":1:Ok\r\n\r\n#x\r\n" EICAR_MD5 ":68\r\n", 4, 36);
}

static void test_reject_hash(void **state)
{
    (void)state;
    reject("44d88612fea8a8f36de82e1278abb02:68:Short\n", 1, 1);
    reject("44d88612fea8a8f36de82e1278abb02ff:68:Odd\n", 1, 1);
    reject(TEST_SHA256 "00:68:Long\n", 1, 1);
    reject(":68:Empty\n", 1, 1);
    reject("44d88612fea8a8f36de82e1278abb0zf:68:BadDigit\n", 1, 31);
    reject("44d88612fea8a8f36de82e1278abb0zf0:68:BadAndOdd\n", 1, 31);
    reject(" 44d88612fea8a8f36de82e1278abb02f:68:Space\n", 1, 1);
    reject("g4d88612fea8a8f36de82e1278abb02f:68:First\n", 1, 1);
}

static void test_reject_size(void **state)
{
    (void)state;
    reject(EICAR_MD5 "::Name\n", 1, 34);
    reject(EICAR_MD5 ":-1:Name\n", 1, 34);
    reject(EICAR_MD5 ":+1:Name\n", 1, 34);
    reject(EICAR_MD5 ":6 8:Name\n", 1, 34);
    reject(EICAR_MD5 ":0:Empty\n", 1, 34); /* ClamAV refuses size 0 too */
    reject(EICAR_MD5 ":0x44:Name\n", 1, 34);
    reject(EICAR_MD5 ":**:Name\n", 1, 34);
    reject(EICAR_MD5 ":18446744073709551615:Name\n", 1, 34); /* = VGI_SIZE_ANY */
    reject(EICAR_MD5 ":99999999999999999999999:Name\n", 1, 34);
}

static void test_reject_name_and_flevel(void **state)
{
    (void)state;
    reject(EICAR_MD5 ":68:\n", 1, 37);
    reject(EICAR_MD5 ":68::73\n", 1, 37);
    char line[512];
    int n = snprintf(line, sizeof line, "%s:68:", EICAR_MD5);
    memset(line + n, 'N', VGI_SIG_MAX_NAME + 1);
    strcpy(line + n + VGI_SIG_MAX_NAME + 1, "\n");
    reject(line, 1, 37);
    line[n + VGI_SIG_MAX_NAME] = '\n';
    line[n + VGI_SIG_MAX_NAME + 1] = '\0';
    vgi_sigdb_free(load(vgi_sig_parse_hdb, line)); /* exactly the maximum is fine */

    reject(EICAR_MD5 ":68:Name:x\n", 1, 42);
    reject(EICAR_MD5 ":68:Name:-1\n", 1, 42);
    reject(EICAR_MD5 ":68:Name:73:y\n", 1, 45);
    reject(EICAR_MD5 ":68:Name:99999999999\n", 1, 42);
}

static void test_reject_bytes(void **state)
{
    (void)state;
    /* a NUL byte anywhere in a line, even in a comment */
    static const char nul[] = EICAR_MD5 ":68:Na\0me\n";
    reject_len(vgi_sig_parse_hdb, nul, sizeof nul - 1, 1, 39);
    static const char nul2[] = "# ok\n#\0\n";
    reject_len(vgi_sig_parse_hdb, nul2, sizeof nul2 - 1, 2, 2);

    /* an overlong line, even a comment */
    size_t len = VGI_SIG_MAX_LINE + 10;
    char *big = vg_malloc(len + 1);
    memset(big, '#', len);
    big[len] = '\0';
    reject_len(vgi_sig_parse_hdb, big, len, 1, VGI_SIG_MAX_LINE + 1);
    vg_free(big);
}

static void test_each_format_rejects(void **state)
{
    (void)state;
    vgi_sigfmt_parse_fn fns[] = {vgi_sig_parse_hdb, vgi_sig_parse_hsb, vgi_sig_parse_fp,
                                 vgi_sig_parse_sfp};
    for (size_t i = 0; i < 4; i++)
        reject_len(fns[i], EICAR_MD5 ":x:N\n", 37, 1, 34);
}

/* Every prefix of a good file either loads or fails on its last line. */
static void test_truncated(void **state)
{
    (void)state;
    static const char text[] = EICAR_MD5 ":68:A\n" EICAR_SHA1 ":*:B:73\n" TEST_SHA256 ":544:C\n";
    for (size_t len = 0; len <= sizeof text - 1; len++) {
        vgi_sigdb *db = new_db();
        vg_diag d;
        vg_diag_clear(&d);
        vg_error err = vgi_sig_parse_hsb(db, "cut.hsb", text, len, &d);
        if (err != VG_OK) {
            unsigned lines = 1;
            for (size_t i = 0; i + 1 < len; i++)
                lines += text[i] == '\n';
            assert_int_equal(err, VG_ERR_MALFORMED);
            assert_int_equal(d.line, lines);
        }
        vgi_sigdb_free(db);
    }
}

/* Fails the 1st, 2nd, ... allocation until the parse gets through. */
static void test_alloc_failures(void **state)
{
    (void)state;
    static const char text[] = EICAR_MD5 ":68:A\n" EICAR_SHA1 ":68:B\n" TEST_SHA256 ":*:C\n";
    for (unsigned long n = 1;; n++) {
        vgi_sigdb *db = new_db();
        vg_diag d;
        vg_diag_clear(&d);
        vg_mem_fail_after(n);
        vg_error err = vgi_sig_parse_hdb(db, "m.hdb", text, sizeof text - 1, &d);
        vg_mem_fail_after(0);
        vgi_sigdb_free(db);
        if (err == VG_OK)
            break;
        assert_int_equal(err, VG_ERR_NOMEM);
        assert_int_equal(d.code, VG_ERR_NOMEM);
        assert_string_equal(d.source, "m.hdb");
        assert_true(d.line >= 1 && d.line <= 3);
        assert_true(n < 100);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clamav_test_file_line),
        cmocka_unit_test(test_kinds_by_length),
        cmocka_unit_test(test_allow_lists),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_flevels),
        cmocka_unit_test(test_line_conventions),
        cmocka_unit_test(test_reject_fields),
        cmocka_unit_test(test_reject_hash),
        cmocka_unit_test(test_reject_size),
        cmocka_unit_test(test_reject_name_and_flevel),
        cmocka_unit_test(test_reject_bytes),
        cmocka_unit_test(test_each_format_rejects),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
