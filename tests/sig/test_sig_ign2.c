/* Lists of disabled signature names: .ign2 (NAME[:anything]) and the older
 * .ign (DATABASE:LINE:NAME). */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "sig/sig_formats.h"

static vgi_sigdb *load(vgi_sigfmt_parse_fn fn, const char *text)
{
    vgi_sigdb *db = NULL;
    vg_diag d;
    vg_diag_clear(&d);
    assert_int_equal(vgi_sigdb_new(&db), VG_OK);
    vg_error err = fn(db, "t.ign2", text, strlen(text), &d);
    if (err != VG_OK) {
        char buf[1024];
        vg_diag_format(&d, buf, sizeof buf);
        print_error("%s\n", buf);
    }
    assert_int_equal(err, VG_OK);
    return db;
}

static void reject(vgi_sigfmt_parse_fn fn, const char *text, unsigned line, unsigned col)
{
    vgi_sigdb *db = NULL;
    vg_diag d;
    vg_diag_clear(&d);
    assert_int_equal(vgi_sigdb_new(&db), VG_OK);
    vg_error err = fn(db, "bad.ign", text, strlen(text), &d);
    if (err != VG_ERR_MALFORMED || d.line != line || d.col != col)
        print_error("%.80s: err %d at %u:%u (want %u:%u): %s\n", text, err, d.line, d.col, line,
                    col, d.message);
    assert_int_equal(err, VG_ERR_MALFORMED);
    assert_string_equal(d.source, "bad.ign");
    assert_int_equal(d.line, line);
    assert_int_equal(d.col, col);
    assert_true(d.message[0] != '\0');
    vgi_sigdb_free(db);
}

static void test_ign2_names(void **state)
{
    (void)state;
    vgi_sigdb *db = load(vgi_sig_parse_ign2, "# disabled after false positives\r\n"
                                             "Eicar-Test-Signature\r\n"
                                             "\r\n"
                                             "Win.Trojan.Agent-1234:6d5a7b0c1d2e3f40\n"
                                             "Html.Phish:\n"
                                             "Last.One");
    assert_int_equal(vgi_sigdb_ignore_count(db), 4);
    assert_true(vgi_sigdb_is_ignored(db, "Eicar-Test-Signature"));
    assert_true(vgi_sigdb_is_ignored(db, "Win.Trojan.Agent-1234"));
    assert_true(vgi_sigdb_is_ignored(db, "Html.Phish"));
    assert_true(vgi_sigdb_is_ignored(db, "Last.One"));
    assert_false(vgi_sigdb_is_ignored(db, "Eicar-Test-Signature\r"));
    assert_false(vgi_sigdb_is_ignored(db, "Win.Trojan.Agent-1234:6d5a7b0c1d2e3f40"));
    assert_false(vgi_sigdb_is_ignored(db, "Other"));
    /* nothing but ignores */
    assert_int_equal(vgi_sigdb_body_count(db), 0);
    assert_int_equal(vgi_sigdb_hash_count(db, VGI_HASH_MD5, 0), 0);
    vgi_sigdb_free(db);
}

static void test_ign2_reject(void **state)
{
    (void)state;
    reject(vgi_sig_parse_ign2, "Good\n:md5only\n", 2, 1);
    char line[512];
    memset(line, 'N', VGI_SIG_MAX_NAME + 1);
    strcpy(line + VGI_SIG_MAX_NAME + 1, "\n");
    reject(vgi_sig_parse_ign2, line, 1, 1);
    static const char nul[] = "Good\nBa\0d\n";
    vgi_sigdb *db = NULL;
    vg_diag d;
    assert_int_equal(vgi_sigdb_new(&db), VG_OK);
    assert_int_equal(vgi_sig_parse_ign2(db, "n.ign2", nul, sizeof nul - 1, &d), VG_ERR_MALFORMED);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 3);
    vgi_sigdb_free(db);
}

static void test_ign_names(void **state)
{
    (void)state;
    vgi_sigdb *db = load(vgi_sig_parse_ign, "daily.ndb:4711:Win.Trojan.Agent-1234\n"
                                            "# comment\n"
                                            "main.hdb:1:Eicar-Test-Signature:extra:fields\n");
    assert_int_equal(vgi_sigdb_ignore_count(db), 2);
    assert_true(vgi_sigdb_is_ignored(db, "Win.Trojan.Agent-1234"));
    assert_true(vgi_sigdb_is_ignored(db, "Eicar-Test-Signature"));
    assert_false(vgi_sigdb_is_ignored(db, "daily.ndb"));
    vgi_sigdb_free(db);
}

static void test_ign_reject(void **state)
{
    (void)state;
    reject(vgi_sig_parse_ign, "Just.A.Name\n", 1, 12);
    reject(vgi_sig_parse_ign, "daily.ndb:12\n", 1, 13);
    reject(vgi_sig_parse_ign, "daily.ndb:x:Name\n", 1, 11);
    reject(vgi_sig_parse_ign, "daily.ndb::Name\n", 1, 11);
    reject(vgi_sig_parse_ign, "a.ndb:1:Ok\ndaily.ndb:12:\n", 2, 14);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    static const char text[] = "A\nB:x\nC\nD\n";
    for (unsigned long n = 1;; n++) {
        vgi_sigdb *db = NULL;
        assert_int_equal(vgi_sigdb_new(&db), VG_OK);
        vg_diag d;
        vg_diag_clear(&d);
        vg_mem_fail_after(n);
        vg_error err = vgi_sig_parse_ign2(db, "m.ign2", text, sizeof text - 1, &d);
        vg_mem_fail_after(0);
        vgi_sigdb_free(db);
        if (err == VG_OK)
            break;
        assert_int_equal(err, VG_ERR_NOMEM);
        assert_int_equal(d.code, VG_ERR_NOMEM);
        assert_true(n < 100);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ign2_names),     cmocka_unit_test(test_ign2_reject),
        cmocka_unit_test(test_ign_names),      cmocka_unit_test(test_ign_reject),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
