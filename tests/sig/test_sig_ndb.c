/* Extended body signatures (.ndb): fields, offsets, targets, signatures
 * skipped until executables are parsed, and malformed lines reported with
 * file, line and column. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "sig/sig_formats.h"

static vgi_sigdb *load(const char *text)
{
    vgi_sigdb *db = NULL;
    vg_diag d;
    vg_diag_clear(&d);
    assert_int_equal(vgi_sigdb_new(&db), VG_OK);
    vg_error err = vgi_sig_parse_ndb(db, "t.ndb", text, strlen(text), &d);
    if (err != VG_OK) {
        char buf[1024];
        vg_diag_format(&d, buf, sizeof buf);
        print_error("%s\n", buf);
    }
    assert_int_equal(err, VG_OK);
    return db;
}

/* The only body signature of a one-line file. */
static const vgi_body_sig *only(vgi_sigdb *db)
{
    assert_int_equal(vgi_sigdb_body_count(db), 1);
    return vgi_sigdb_bodies(db)[0];
}

static void reject(const char *text, unsigned line, unsigned col, const char *words)
{
    vgi_sigdb *db = NULL;
    vg_diag d;
    vg_diag_clear(&d);
    assert_int_equal(vgi_sigdb_new(&db), VG_OK);
    vg_error err = vgi_sig_parse_ndb(db, "bad.ndb", text, strlen(text), &d);
    if (err != VG_ERR_MALFORMED || d.line != line || d.col != col ||
        (words && !strstr(d.message, words)))
        print_error("%.80s: err %d at %u:%u (want %u:%u): %s\n", text, err, d.line, d.col, line,
                    col, d.message);
    assert_int_equal(err, VG_ERR_MALFORMED);
    assert_string_equal(d.source, "bad.ndb");
    assert_int_equal(d.line, line);
    assert_int_equal(d.col, col);
    if (words)
        assert_non_null(strstr(d.message, words));
    char buf[1024];
    vg_diag_format(&d, buf, sizeof buf);
    char want[64];
    snprintf(want, sizeof want, "bad.ndb:%u:%u: ", line, col);
    assert_true(strncmp(buf, want, strlen(want)) == 0);
    vgi_sigdb_free(db);
}

static void test_basic_line(void **state)
{
    (void)state;
    vgi_sigdb *db = load("Eicar.Part:0:*:58354f2150(B)25??41{2-4}(50|5b)\n");
    const vgi_body_sig *s = only(db);
    assert_string_equal(vgi_sigdb_name(db, s->name), "Eicar.Part");
    assert_int_equal(s->target, 0);
    assert_int_equal(s->off_kind, VGI_OFF_ANY);
    assert_int_equal(s->off, 0);
    assert_int_equal(s->off_range, 0);
    assert_int_equal(s->n_el, 5);
    assert_int_equal(s->el[0].kind, VGI_EL_BYTES);
    assert_int_equal(s->el[0].len, 5);
    assert_int_equal(s->el[1].kind, VGI_EL_BOUND);
    assert_int_equal(s->el[3].kind, VGI_EL_GAP);
    assert_int_equal(s->el[4].kind, VGI_EL_ALT);
    assert_int_equal(s->min_len, 5 + 3 + 2 + 1);
    assert_int_equal(vgi_sigdb_skipped_count(db), 0);
    vgi_sigdb_free(db);
}

static void test_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *off;
        uint8_t kind;
        uint64_t off_v, range;
    } cases[] = {
        {"*", VGI_OFF_ANY, 0, 0},
        {"0", VGI_OFF_ABS, 0, 0},
        {"1024", VGI_OFF_ABS, 1024, 0},
        {"100,20", VGI_OFF_ABS, 100, 20},
        {"18446744073709551615", VGI_OFF_ABS, UINT64_MAX, 0},
        {"EOF-10", VGI_OFF_EOF, 10, 0},
        {"EOF-0", VGI_OFF_EOF, 0, 0},
        {"EOF-512,256", VGI_OFF_EOF, 512, 256},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "Off.%zu:0:%s:aabbccdd\n", i, cases[i].off);
        vgi_sigdb *db = load(line);
        const vgi_body_sig *s = only(db);
        assert_int_equal(s->off_kind, cases[i].kind);
        assert_int_equal(s->off, cases[i].off_v);
        assert_int_equal(s->off_range, cases[i].range);
        vgi_sigdb_free(db);
    }
}

static void test_targets(void **state)
{
    (void)state;
    for (unsigned t = 0; t <= 13; t++) {
        char line[64];
        snprintf(line, sizeof line, "T:%u:*:aabb\n", t);
        vgi_sigdb *db = load(line);
        assert_int_equal(only(db)->target, t);
        vgi_sigdb_free(db);
    }
    reject("T:14:*:aabb\n", 1, 3, "target");
    reject("T:99999999999999999999999:*:aabb\n", 1, 3, "target");
    reject("T:-1:*:aabb\n", 1, 3, "target");
    reject("T::*:aabb\n", 1, 3, "target");
    reject("T:1a:*:aabb\n", 1, 3, "target");
}

static void test_flevels(void **state)
{
    (void)state;
    vgi_sigdb *db = load("A:0:*:aabb:73\n"
                         "B:0:*:aabb:73:255\n"
                         "C:0:*:aabb::\n"
                         "Future:0:*:zz-newer-syntax:9999\n"
                         "Past:0:*:aabb:1:20\n");
    assert_int_equal(vgi_sigdb_body_count(db), 3);
    assert_int_equal(vgi_sigdb_skipped_count(db), 2);
    assert_non_null(strstr(vgi_sigdb_skipped_first(db), "t.ndb:4: "));
    vgi_sigdb_free(db);
    reject("A:0:*:aabb:x\n", 1, 12, "functionality level");
    reject("A:0:*:aabb:1:y\n", 1, 14, "functionality level");
}

static void test_skipped_offsets(void **state)
{
    (void)state;
    vgi_sigdb *db = load("Ok.1:0:*:aabb\n"
                         "Ep.1:1:EP+0:e800000000\n"
                         "Ep.2:1:EP-16,8:e800000000\n"
                         "Sec.1:1:S2+10:aabbcc\n"
                         "Sec.2:1:SE1:aabbcc\n"
                         "Last.1:1:SL+4,100:aabbcc\n"
                         "Vi.1:1:VI:aabbcc\n"
                         "Macro.1:0:$12$:aabbcc\n"
                         "Ok.2:0:EOF-4:aabb\n");
    assert_int_equal(vgi_sigdb_body_count(db), 2);
    assert_int_equal(vgi_sigdb_skipped_count(db), 7);
    assert_string_equal(vgi_sigdb_skipped_first(db),
                        "t.ndb:2: EP/section offsets need the PE parser");
    assert_string_equal(vgi_sigdb_name(db, vgi_sigdb_bodies(db)[0]->name), "Ok.1");
    assert_string_equal(vgi_sigdb_name(db, vgi_sigdb_bodies(db)[1]->name), "Ok.2");
    vgi_sigdb_free(db);

    /* skipped or not, the rest of the line must be well-formed */
    reject("Ep:1:EP+0:e8zz\n", 1, 13, "invalid character");
    reject("Ep:99:EP+0:e800\n", 1, 4, "target");
    reject(":1:EP+0:e800\n", 1, 1, "name");
}

static void test_reject_offsets(void **state)
{
    (void)state;
    reject("N:0::aabb\n", 1, 5, "offset");
    reject("N:0:*,5:aabb\n", 1, 6, "maxshift");
    reject("N:0:EOF+5:aabb\n", 1, 5, "offset");
    reject("N:0:EOF-:aabb\n", 1, 9, "offset");
    reject("N:0:EOF-x:aabb\n", 1, 9, "offset");
    reject("N:0:eof-5:aabb\n", 1, 5, "offset");
    reject("N:0:abc:aabb\n", 1, 5, "offset");
    reject("N:0:-5:aabb\n", 1, 5, "offset");
    reject("N:0:10,:aabb\n", 1, 8, "offset");
    reject("N:0:10,x:aabb\n", 1, 8, "offset");
    reject("N:0:10,5,5:aabb\n", 1, 8, "offset");
    reject("N:0:99999999999999999999999:aabb\n", 1, 5, "too large");
    reject("N:0:18446744073709551615,1:aabb\n", 1, 5, "too large");
    reject("N:1:EP+x:aabb\n", 1, 8, "offset");
    reject("N:1:EP*4:aabb\n", 1, 5, "offset");
    reject("N:1:S1-5:aabb\n", 1, 7, "Sx+n");
    reject("N:1:S1:aabb\n", 1, 7, "Sx+n");
    reject("N:1:SE:aabb\n", 1, 7, "offset");
    reject("N:1:SL+:aabb\n", 1, 8, "offset");
    reject("N:1:VII:aabb\n", 1, 5, "offset");
    reject("N:0:$x$:aabb\n", 1, 6, "offset");
    reject("N:0:$$:aabb\n", 1, 5, "offset");
}

static void test_reject_fields(void **state)
{
    (void)state;
    reject("N:0:*\n", 1, 6, "NAME:TARGET:OFFSET:HEXSIG");
    reject("just-a-name\n", 1, 12, "NAME:TARGET:OFFSET:HEXSIG");
    reject("N:0:*:aabb:1:2:3\n", 1, 16, "too many");
    reject(":0:*:aabb\n", 1, 1, "name");
    char line[512];
    memset(line, 'N', VGI_SIG_MAX_NAME + 1);
    strcpy(line + VGI_SIG_MAX_NAME + 1, ":0:*:aabb\n");
    reject(line, 1, 1, "name");
    strcpy(line + VGI_SIG_MAX_NAME, ":0:*:aabb\n");
    vgi_sigdb_free(load(line));
}

static void test_reject_hex_columns(void **state)
{
    (void)state;
    /* hex columns are shifted to the line's */
    reject("N:0:*:aabbx\n", 1, 11, "invalid character");
    reject("N:0:*:aab\n", 1, 9, "odd");
    reject("N:0:*:\n", 1, 7, "empty");
    reject("N:0:*:*aabb\n", 1, 7, "start");
    reject("N:0:*:aabb*\n", 1, 11, "end");
    reject("N:0:*:aa(bb|)\n", 1, 13, "empty alternative");
    reject("N:0:*:????\n", 1, 7, "fixed");
    reject("N:0:*:ff!(aa|bbcc)\n", 1, 14, "equal length");
    /* the right line of several, CRLF or not */
    reject("# head\r\nA:0:*:aabb\r\n\r\nB:0:100:aa{x}bb\r\nC:0:*:aabb\r\n", 4, 12, "decimal");
}

/* Every prefix of a good file either loads or fails on its last line. */
static void test_truncated(void **state)
{
    (void)state;
    static const char text[] = "A:0:*:aabb(cc|dd)\nB:1:EP+0,4:aabb\n"
                               "C:0:EOF-2:cc{2-}dd!(ee|ff)(B):73\n";
    for (size_t len = 0; len <= sizeof text - 1; len++) {
        vgi_sigdb *db = NULL;
        assert_int_equal(vgi_sigdb_new(&db), VG_OK);
        vg_diag d;
        vg_diag_clear(&d);
        vg_error err = vgi_sig_parse_ndb(db, "cut.ndb", text, len, &d);
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

static void test_alloc_failures(void **state)
{
    (void)state;
    static const char text[] = "A:0:*:aabb(cc|dd)\nB:1:EP+0:aabb\nC:0:EOF-2:ccdd\n";
    for (unsigned long n = 1;; n++) {
        vgi_sigdb *db = NULL;
        assert_int_equal(vgi_sigdb_new(&db), VG_OK);
        vg_diag d;
        vg_diag_clear(&d);
        vg_mem_fail_after(n);
        vg_error err = vgi_sig_parse_ndb(db, "m.ndb", text, sizeof text - 1, &d);
        vg_mem_fail_after(0);
        if (err == VG_OK) {
            assert_int_equal(vgi_sigdb_body_count(db), 2);
            vgi_sigdb_free(db);
            break;
        }
        vgi_sigdb_free(db);
        assert_int_equal(err, VG_ERR_NOMEM);
        assert_int_equal(d.code, VG_ERR_NOMEM);
        assert_string_equal(d.source, "m.ndb");
        assert_true(d.line >= 1 && d.line <= 3);
        assert_true(n < 100);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_line),      cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_targets),         cmocka_unit_test(test_flevels),
        cmocka_unit_test(test_skipped_offsets), cmocka_unit_test(test_reject_offsets),
        cmocka_unit_test(test_reject_fields),   cmocka_unit_test(test_reject_hex_columns),
        cmocka_unit_test(test_truncated),       cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
