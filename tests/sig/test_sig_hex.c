/* vgi_hex_parse(): the IR for every construct of the ClamAV hex grammar, and
 * the column of every rejection. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "sig/sig_formats.h"

static vgi_body_sig *parse_ok(const char *hex)
{
    vgi_body_sig *sig = NULL;
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vgi_hex_parse(hex, strlen(hex), &sig, &d);
    if (err != VG_OK)
        print_error("%s: col %u: %s\n", hex, d.col, d.message);
    assert_int_equal(err, VG_OK);
    assert_non_null(sig);
    return sig;
}

/* Must-reject: error at column col, with a message, and no signature. */
static void reject_len(const char *hex, size_t len, unsigned col)
{
    vgi_body_sig *sig = (vgi_body_sig *)1;
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vgi_hex_parse(hex, len, &sig, &d);
    if (err != VG_ERR_MALFORMED || d.col != col)
        print_error("%.60s: err %d col %u (want %u): %s\n", hex, err, d.col, col, d.message);
    assert_int_equal(err, VG_ERR_MALFORMED);
    assert_null(sig);
    assert_int_equal(d.code, VG_ERR_MALFORMED);
    assert_int_equal(d.col, col);
    assert_true(d.message[0] != '\0');
}

static void reject(const char *hex, unsigned col)
{
    reject_len(hex, strlen(hex), col);
}

/* The pattern's pairs ("4d", "a?", "??") against val/mask[off..off+len). */
static void expect_bytes_at(const vgi_body_sig *sig, uint32_t off, uint32_t len, const char *pat)
{
    assert_int_equal(len * 2, strlen(pat));
    assert_true(off + len <= sig->n_bytes);
    for (uint32_t i = 0; i < len; i++) {
        uint8_t v = 0, m = 0;
        for (int k = 0; k < 2; k++) {
            char c = pat[2 * i + k];
            int shift = k ? 0 : 4;
            if (c != '?') {
                unsigned x;
                sscanf((char[]){c, 0}, "%x", &x);
                v |= (uint8_t)(x << shift);
                m |= (uint8_t)(0xf << shift);
            }
        }
        assert_int_equal(sig->val[off + i], v);
        assert_int_equal(sig->mask[off + i], m);
    }
}

static void expect_bytes(const vgi_body_sig *sig, uint32_t el, const char *pat)
{
    assert_true(el < sig->n_el);
    assert_int_equal(sig->el[el].kind, VGI_EL_BYTES);
    expect_bytes_at(sig, sig->el[el].off, sig->el[el].len, pat);
}

static void expect_gap(const vgi_body_sig *sig, uint32_t el, uint32_t min, uint32_t max)
{
    assert_true(el < sig->n_el);
    assert_int_equal(sig->el[el].kind, VGI_EL_GAP);
    assert_int_equal(sig->el[el].min, min);
    assert_int_equal(sig->el[el].max, max);
}

/* ALT with the alternatives given as "|"-separated patterns. */
static void expect_alt(const vgi_body_sig *sig, uint32_t el, int neg, const char *alts)
{
    assert_true(el < sig->n_el);
    const vgi_el *e = &sig->el[el];
    assert_int_equal(e->kind, VGI_EL_ALT);
    assert_int_equal(e->neg, neg);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", alts);
    uint32_t k = 0, mn = UINT32_MAX, mx = 0;
    for (char *save, *a = strtok_r(buf, "|", &save); a; a = strtok_r(NULL, "|", &save), k++) {
        assert_true(k < e->len);
        const vgi_alt *alt = &sig->alts[e->off + k];
        expect_bytes_at(sig, alt->off, alt->len, a);
        mn = alt->len < mn ? alt->len : mn;
        mx = alt->len > mx ? alt->len : mx;
    }
    assert_int_equal(k, e->len);
    assert_int_equal(e->min, mn);
    assert_int_equal(e->max, mx);
}

static void test_bytes(void **state)
{
    (void)state;
    vgi_body_sig *sig = parse_ok("4d5A9000");
    assert_int_equal(sig->n_el, 1);
    expect_bytes(sig, 0, "4d5a9000");
    assert_int_equal(sig->min_len, 4);
    assert_int_equal(sig->n_alts, 0);
    assert_null(sig->alts);
    /* one allocation: the arrays follow the struct */
    assert_ptr_equal(sig->el, (vgi_el *)(sig + 1));
    assert_int_equal(sig->name, 0);
    assert_int_equal(sig->target, 0);
    assert_int_equal(sig->off_kind, VGI_OFF_ANY);
    vg_free(sig);
}

static void test_nibble_wildcards(void **state)
{
    (void)state;
    vgi_body_sig *sig = parse_ok("aa??bbc??dEE");
    assert_int_equal(sig->n_el, 1);
    expect_bytes(sig, 0, "aa??bbc??dee");
    assert_int_equal(sig->mask[1], 0x00);
    assert_int_equal(sig->mask[3], 0xf0);
    assert_int_equal(sig->val[3], 0xc0);
    assert_int_equal(sig->mask[4], 0x0f);
    assert_int_equal(sig->val[4], 0x0d);
    assert_int_equal(sig->min_len, 6);
    vg_free(sig);
}

static void test_star(void **state)
{
    (void)state;
    vgi_body_sig *sig = parse_ok("aabb*ccdd");
    assert_int_equal(sig->n_el, 3);
    expect_bytes(sig, 0, "aabb");
    expect_gap(sig, 1, 0, VGI_GAP_INF);
    expect_bytes(sig, 2, "ccdd");
    assert_int_equal(sig->min_len, 4);
    vg_free(sig);
}

static void test_brace_gaps(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        uint32_t min, max;
    } cases[] = {
        {"aabb{7}ccdd", 7, 7},
        {"aabb{-7}ccdd", 0, 7},
        {"aabb{7-}ccdd", 7, VGI_GAP_INF},
        {"aabb{3-9}ccdd", 3, 9},
        {"aabb{4-4}ccdd", 4, 4},
        {"aabb{0}ccdd", 0, 0},
        {"aabb[2-5]cc", 2, 5},
        {"aa[0-32]bbcc", 0, 32},
        {"aabb{2147483647}cc", VGI_SIG_MAX_GAP, VGI_SIG_MAX_GAP},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vgi_body_sig *sig = parse_ok(cases[i].hex);
        assert_int_equal(sig->n_el, 3);
        expect_gap(sig, 1, cases[i].min, cases[i].max);
        assert_int_equal(sig->min_len, sig->el[0].len + sig->el[2].len + cases[i].min);
        vg_free(sig);
    }
}

static void test_gaps_merge(void **state)
{
    (void)state;
    vgi_body_sig *sig = parse_ok("aabb{2}{3-4}[1-1]ccdd");
    assert_int_equal(sig->n_el, 3);
    expect_gap(sig, 1, 6, 7);
    assert_int_equal(sig->min_len, 10);
    vg_free(sig);

    sig = parse_ok("aabb*{2}{-3}ccdd");
    assert_int_equal(sig->n_el, 3);
    expect_gap(sig, 1, 2, VGI_GAP_INF);
    vg_free(sig);

    /* a boundary between two gaps keeps them apart */
    sig = parse_ok("aabb{2}(B){3}ccdd");
    assert_int_equal(sig->n_el, 5);
    expect_gap(sig, 1, 2, 2);
    assert_int_equal(sig->el[2].kind, VGI_EL_BOUND);
    expect_gap(sig, 3, 3, 3);
    vg_free(sig);
}

static void test_anchors(void **state)
{
    (void)state;
    /* ClamAV's forms: one byte on one side, two or more on the other */
    vgi_body_sig *sig = parse_ok("aa[2-5]bbccdd");
    assert_int_equal(sig->n_el, 3);
    expect_bytes(sig, 0, "aa");
    expect_gap(sig, 1, 2, 5);
    expect_bytes(sig, 2, "bbccdd");
    assert_int_equal(sig->min_len, 6);
    vg_free(sig);

    sig = parse_ok("bbccdd[0-32]aa");
    expect_bytes(sig, 0, "bbccdd");
    expect_gap(sig, 1, 0, 32);
    expect_bytes(sig, 2, "aa");
    vg_free(sig);

    /* accepted more generally: any sides, any range up to the gap limit */
    sig = parse_ok("aabb[100-200]ccdd");
    expect_gap(sig, 1, 100, 200);
    vg_free(sig);
    sig = parse_ok("aa[3-3](bb|cc)");
    expect_gap(sig, 1, 3, 3);
    expect_alt(sig, 2, 0, "bb|cc");
    vg_free(sig);
}

static void test_alternatives(void **state)
{
    (void)state;
    vgi_body_sig *sig = parse_ok("(aa|bb|cc)dd");
    assert_int_equal(sig->n_el, 2);
    expect_alt(sig, 0, 0, "aa|bb|cc");
    expect_bytes(sig, 1, "dd");
    assert_int_equal(sig->n_alts, 3);
    assert_int_equal(sig->min_len, 2);
    vg_free(sig);

    /* multi-byte, differing lengths, wildcards inside */
    sig = parse_ok("0102(aabb|c?|dd??eeff)0304");
    assert_int_equal(sig->n_el, 3);
    expect_bytes(sig, 0, "0102");
    expect_alt(sig, 1, 0, "aabb|c?|dd??eeff");
    expect_bytes(sig, 2, "0304");
    assert_int_equal(sig->el[1].min, 1);
    assert_int_equal(sig->el[1].max, 4);
    assert_int_equal(sig->min_len, 5);
    vg_free(sig);

    /* a single alternative and two groups in a row */
    sig = parse_ok("(aabb)(cc|dd)");
    assert_int_equal(sig->n_el, 2);
    expect_alt(sig, 0, 0, "aabb");
    expect_alt(sig, 1, 0, "cc|dd");
    vg_free(sig);
}

static void test_negation(void **state)
{
    (void)state;
    vgi_body_sig *sig = parse_ok("aa!(bb|cc)dd");
    assert_int_equal(sig->n_el, 3);
    expect_alt(sig, 1, 1, "bb|cc");
    assert_int_equal(sig->min_len, 3);
    vg_free(sig);

    sig = parse_ok("aabb!(ccdd|ee?f)");
    expect_alt(sig, 1, 1, "ccdd|ee?f");
    assert_int_equal(sig->min_len, 4);
    vg_free(sig);
}

static void test_bounds(void **state)
{
    (void)state;
    vgi_body_sig *sig = parse_ok("(B)aabb(L)(B)");
    assert_int_equal(sig->n_el, 4);
    assert_int_equal(sig->el[0].kind, VGI_EL_BOUND);
    assert_int_equal(sig->el[0].bound, 'B');
    expect_bytes(sig, 1, "aabb");
    assert_int_equal(sig->el[2].kind, VGI_EL_BOUND);
    assert_int_equal(sig->el[2].bound, 'L');
    assert_int_equal(sig->el[3].bound, 'B');
    assert_int_equal(sig->min_len, 2);
    vg_free(sig);
}

static void test_nonalnum(void **state)
{
    (void)state;
    /* (W) is one byte that is no ASCII letter or digit */
    vgi_body_sig *sig = parse_ok("aa(W)bb");
    assert_int_equal(sig->n_el, 3);
    const vgi_el *e = &sig->el[1];
    assert_int_equal(e->kind, VGI_EL_ALT);
    assert_int_equal(e->neg, 1);
    assert_int_equal(e->len, 62);
    assert_int_equal(e->min, 1);
    assert_int_equal(e->max, 1);
    int seen[256] = {0};
    for (uint32_t k = 0; k < e->len; k++) {
        const vgi_alt *a = &sig->alts[e->off + k];
        assert_int_equal(a->len, 1);
        assert_int_equal(sig->mask[a->off], 0xff);
        seen[sig->val[a->off]] = 1;
    }
    for (int c = 0; c < 256; c++)
        assert_int_equal(seen[c], (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                                      (c >= 'a' && c <= 'z'));
    assert_int_equal(sig->min_len, 3);
    vg_free(sig);
}

static void test_header_example(void **state)
{
    (void)state;
    vgi_body_sig *sig = parse_ok("4d5a??90{2-4}(6869|6c6c)*5045(B)");
    assert_int_equal(sig->n_el, 6);
    expect_bytes(sig, 0, "4d5a??90");
    expect_gap(sig, 1, 2, 4);
    expect_alt(sig, 2, 0, "6869|6c6c");
    expect_gap(sig, 3, 0, VGI_GAP_INF);
    expect_bytes(sig, 4, "5045");
    assert_int_equal(sig->el[5].kind, VGI_EL_BOUND);
    assert_int_equal(sig->min_len, 4 + 2 + 2 + 2);
    assert_int_equal(sig->n_bytes, 4 + 4 + 2);
    vg_free(sig);
}

static void test_limits_accepted(void **state)
{
    (void)state;
    /* exactly VGI_SIG_MAX_ELEMENTS elements: "aa*" x 511 + "aa" is 1023, plus (B) */
    char *s = vg_malloc(4096);
    size_t n = 0;
    for (int i = 0; i < 511; i++)
        n += (size_t)sprintf(s + n, "aa*");
    n += (size_t)sprintf(s + n, "aa(B)");
    vgi_body_sig *sig = parse_ok(s);
    assert_int_equal(sig->n_el, VGI_SIG_MAX_ELEMENTS);
    vg_free(sig);

    /* exactly VGI_SIG_MAX_ALTS alternatives */
    n = (size_t)sprintf(s, "ff(");
    for (int i = 0; i < VGI_SIG_MAX_ALTS; i++)
        n += (size_t)sprintf(s + n, "%02x|", i);
    s[n - 1] = ')';
    sig = parse_ok(s);
    assert_int_equal(sig->el[1].len, VGI_SIG_MAX_ALTS);
    vg_free(sig);
    vg_free(s);

    /* exactly VGI_SIG_MAX_HEX characters */
    s = vg_malloc(VGI_SIG_MAX_HEX + 1);
    memset(s, 'a', VGI_SIG_MAX_HEX);
    s[VGI_SIG_MAX_HEX] = '\0';
    sig = parse_ok(s);
    assert_int_equal(sig->min_len, VGI_SIG_MAX_HEX / 2);
    vg_free(sig);
    vg_free(s);
}

static void test_reject_digits(void **state)
{
    (void)state;
    reject("", 1);
    reject("aab", 3);    /* odd number of digits */
    reject("aab*cc", 3); /* odd before a gap */
    reject("aa(b|cc)", 4);
    reject("aagg", 3); /* bad character */
    reject("ag", 2);
    reject("aa bb", 3);
    reject("aa\tbb", 3);
    reject_len("aa\0bb", 5, 3);
    reject("aa\xff", 3);
    reject("aa:bb", 3);
}

static void test_reject_structure(void **state)
{
    (void)state;
    reject("aa(bb", 3); /* unbalanced */
    reject("aa(bb|cc", 3);
    reject("aabb)", 5);
    reject("aa|bb", 3);
    reject("aa}bb", 3);
    reject("aa]bb", 3);
    reject("aa()bb", 4); /* empty alternatives */
    reject("aa(bb|)cc", 7);
    reject("aa(|bb)cc", 4);
    reject("aa(bb||cc)", 7);
    reject("aa(bb|*)", 7); /* no gaps or groups inside a group */
    reject("aa(bb|{2})", 7);
    reject("aa(bb|(cc))", 7);
    reject("aa(bb|!cc)", 7);
    reject("aa(bb|[1-2])", 7);
    reject("aa(b)", 4); /* lowercase is not a boundary */
    reject("aa!bb", 3); /* '!' needs a group */
    reject("aa!", 3);
    reject("ff!(aa|bbcc)", 8); /* negated alternatives of unequal length */
    reject("ff!(aabb|cc)", 10);
}

static void test_reject_gaps(void **state)
{
    (void)state;
    reject("aa{}bb", 3);
    reject("aa{-}bb", 3);
    reject("aa{x}bb", 4);
    reject("aa{ 2}bb", 4);
    reject("aa{2 }bb", 4);
    reject("aa{5-2}bb", 3); /* m < n */
    reject("aa{2bb", 3);
    reject("aa{2-3-4}bb", 6);
    reject("aa{+2}bb", 4);
    reject("aa{2147483648}bb", 4);
    reject("aa{1-2147483648}bb", 6);
    reject("aa{99999999999999999999999}bb", 4);
    reject("aa{2147483647}{1}bb", 15);                         /* merged gap too large */
    reject("aa{2147483647}bb{2147483647}cc{2147483647}dd", 1); /* min_len over 4 GiB */
    reject("aa[5-2]bb", 3);
    reject("aa[2]bb", 3);
    reject("aa[-2]bb", 3);
    reject("aa[2-]bb", 3);
    reject("aa[2-3bb", 3);
    reject("*aabb", 1); /* gaps at the ends */
    reject("{2}aabb", 1);
    reject("[1-2]aabb", 1);
    reject("(B)*aabb", 4);
    reject("aabb*", 5);
    reject("aabb{1-2}", 5);
    reject("aabb*{2}", 5);
    reject("aabb{2}(B)", 5);
    reject("aa*bb*(L)", 6);
}

static void test_reject_no_fixed_byte(void **state)
{
    (void)state;
    reject("????", 1);
    reject("a?b??c", 1);
    reject("(B)", 1);
    reject("!(aa)", 1);
    reject("(W)(W)", 1);
    reject("(aa|b?)", 1);
    reject("??*?a", 1);
}

static void test_reject_limits(void **state)
{
    (void)state;
    char *s = vg_malloc(VGI_SIG_MAX_HEX + 16);
    size_t n = 0;
    /* the 1025th element starts at column 512 * 3 + 1 */
    for (int i = 0; i < 512; i++)
        n += (size_t)sprintf(s + n, "aa*");
    sprintf(s + n, "aa");
    reject(s, 512 * 3 + 1);

    /* the 257th alternative starts at column 3 + 256 * 3 + 1 */
    n = (size_t)sprintf(s, "ff(");
    for (int i = 0; i <= VGI_SIG_MAX_ALTS; i++)
        n += (size_t)sprintf(s + n, "%02x|", i & 0xff);
    s[n - 1] = ')';
    s[n] = '\0';
    reject(s, 3 + VGI_SIG_MAX_ALTS * 3 + 1);

    memset(s, 'a', VGI_SIG_MAX_HEX + 2);
    s[VGI_SIG_MAX_HEX + 2] = '\0';
    reject(s, VGI_SIG_MAX_HEX + 1);
    vg_free(s);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    vgi_body_sig *sig = (vgi_body_sig *)1;
    vg_diag d;
    vg_diag_clear(&d);
    vg_mem_fail_after(1);
    vg_error err = vgi_hex_parse("aabb(cc|dd)", 11, &sig, &d);
    vg_mem_fail_after(0);
    assert_int_equal(err, VG_ERR_NOMEM);
    assert_int_equal(d.code, VG_ERR_NOMEM);
    assert_null(sig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes),          cmocka_unit_test(test_nibble_wildcards),
        cmocka_unit_test(test_star),           cmocka_unit_test(test_brace_gaps),
        cmocka_unit_test(test_gaps_merge),     cmocka_unit_test(test_anchors),
        cmocka_unit_test(test_alternatives),   cmocka_unit_test(test_negation),
        cmocka_unit_test(test_bounds),         cmocka_unit_test(test_nonalnum),
        cmocka_unit_test(test_header_example), cmocka_unit_test(test_limits_accepted),
        cmocka_unit_test(test_reject_digits),  cmocka_unit_test(test_reject_structure),
        cmocka_unit_test(test_reject_gaps),    cmocka_unit_test(test_reject_no_fixed_byte),
        cmocka_unit_test(test_reject_limits),  cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
