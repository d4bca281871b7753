/* The table of signature formats and the choice of format by file name. */
#include "testutil.h"

#include <string.h>

#include "sig/sig_formats.h"

static void expect(const char *file, vgi_sigfmt_parse_fn fn, const char *name)
{
    const vgi_sigfmt *f = vgi_sigfmt_for_name(file);
    assert_non_null(f);
    assert_ptr_equal(f->parse, fn);
    assert_string_equal(f->name, name);
}

static void test_by_extension(void **state)
{
    (void)state;
    expect("main.hdb", vgi_sig_parse_hdb, "hdb");
    expect("/var/lib/vigil/daily.HDB", vgi_sig_parse_hdb, "hdb");
    expect("x.hsb", vgi_sig_parse_hsb, "hsb");
    expect("x.Fp", vgi_sig_parse_fp, "fp");
    expect("x.sfp", vgi_sig_parse_sfp, "sfp");
    expect("some.dir/x.ndb", vgi_sig_parse_ndb, "ndb");
    expect("local.ign2", vgi_sig_parse_ign2, "ign2");
    expect("local.ign", vgi_sig_parse_ign, "ign");
    expect("a.b.c.ndb", vgi_sig_parse_ndb, "ndb");
}

static void test_unknown(void **state)
{
    (void)state;
    assert_null(vgi_sigfmt_for_name(NULL));
    assert_null(vgi_sigfmt_for_name(""));
    assert_null(vgi_sigfmt_for_name("hdb"));
    assert_null(vgi_sigfmt_for_name("x.ldb"));
    assert_null(vgi_sigfmt_for_name("x.hdb.bak"));
    assert_null(vgi_sigfmt_for_name("x.hdbx"));
    assert_null(vgi_sigfmt_for_name("x.ign3"));
    assert_null(vgi_sigfmt_for_name("sigs.ndb/readme"));
    assert_null(vgi_sigfmt_for_name("x."));
}

static void test_table(void **state)
{
    (void)state;
    assert_int_equal(vgi_sigfmt_count, 7);
    for (size_t i = 0; i < vgi_sigfmt_count; i++) {
        const vgi_sigfmt *f = &vgi_sigfmts[i];
        assert_non_null(f->parse);
        assert_int_equal(f->ext[0], '.');
        assert_string_equal(f->ext + 1, f->name);
        assert_ptr_equal(vgi_sigfmt_for_name(f->ext), f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_extension),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
