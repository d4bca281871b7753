/* Tests for lib/match/atom.c: the chosen window is the rarest, not the
 * longest (padding, runs of 00/ff/cc/90 and the DOS stub lose to a short
 * rare part); windows respect their bounds; expressions are exact, checked
 * by compiling them with Hyperscan and comparing against a direct matcher
 * on random windows and strings. */
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/mem.h"
#include "ir_build.h"

static vgi_atom choose(const irb *b)
{
    vgi_atom a;
    assert_int_equal(vgi_atom_choose(&b->sig, &a), VG_OK);
    assert_non_null(a.expr);
    assert_true(a.len > 0 && a.len <= VGI_ATOM_MAX_LEN);
    assert_true(a.bits > 0);
    return a;
}

/* "PAD * RARE": the atom must be in RARE (element 2). */
static void assert_picks_second(const char *common_hex, const char *rare_hex)
{
    irb b;
    irb_init(&b);
    irb_hex(&b, common_hex);
    irb_gap(&b, 0, VGI_GAP_INF);
    irb_hex(&b, rare_hex);
    vgi_atom a = choose(&b);
    if (a.el != 2)
        fprintf(stderr, "chose el %u (%s, %.1f bits) over %s\n", a.el, a.expr, a.bits, rare_hex);
    assert_int_equal(a.el, 2);
    vgi_atom_cleanup(&a);
}

static void hexrep(char *out, const char *unit, int times)
{
    out[0] = '\0';
    for (int i = 0; i < times; i++)
        strcat(out, unit);
}

static void test_rare_beats_long_common(void **state)
{
    (void)state;
    char h[512];
    /* x86 padding, longer than the rare part */
    assert_picks_second("0f1f8400000000000f1f840000000000", "5b81ed3c");
    assert_picks_second("660f1f840000000000", "8b4c2404e8");
    hexrep(h, "00", 40);
    assert_picks_second(h, "5b81ed3c");
    hexrep(h, "ff", 40);
    assert_picks_second(h, "5b81ed3c");
    hexrep(h, "cc", 40);
    assert_picks_second(h, "5b81ed3c");
    hexrep(h, "90", 40);
    assert_picks_second(h, "5b81ed3c");
    /* "This program cannot be run in DOS mode" */
    assert_picks_second(
        "546869732070726f6772616d2063616e6e6f742062652072756e20696e20444f53206d6f6465",
        "8b4c2404e8");
    assert_picks_second("4b45524e454c33322e646c6c", "e83b9c71"); /* KERNEL32.dll */
}

/* Inside one long element the window slides to the rare bytes. */
static void test_window_covers_rare_bytes(void **state)
{
    (void)state;
    char h[512];
    irb b;
    irb_init(&b);
    hexrep(h, "00", 32);
    strcat(h, "a3f1c95e");
    char tail[128];
    hexrep(tail, "00", 32);
    strcat(h, tail);
    irb_hex(&b, h);
    vgi_atom a = choose(&b);
    assert_int_equal(a.el, 0);
    assert_true(a.byte <= 32 && a.byte + a.len >= 36);
    vgi_atom_cleanup(&a);

    irb_init(&b);
    hexrep(h, "0f1f840000000000", 3);
    strcat(h, "5b81ed3c");
    hexrep(tail, "00", 16);
    strcat(h, tail);
    irb_hex(&b, h);
    a = choose(&b);
    assert_true(a.byte <= 24 && a.byte + a.len >= 28);
    vgi_atom_cleanup(&a);
}

static void test_bits_order(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "0000000000000000");
    vgi_atom zeros = choose(&b);
    irb_init(&b);
    irb_hex(&b, "5b81ed3c");
    vgi_atom rare = choose(&b);
    assert_true(rare.bits > zeros.bits + 10);
    vgi_atom_cleanup(&zeros);
    vgi_atom_cleanup(&rare);
}

static void test_trims_wildcard_ends(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "????e8????");
    vgi_atom a = choose(&b);
    assert_int_equal(a.el, 0);
    assert_int_equal(a.byte, 2);
    assert_int_equal(a.len, 1);
    assert_string_equal(a.expr, "\\xe8");
    vgi_atom_cleanup(&a);

    irb_init(&b); /* interior ?? stay, as '.' */
    irb_hex(&b, "4d5a??90");
    a = choose(&b);
    assert_int_equal(a.byte, 0);
    assert_int_equal(a.len, 4);
    assert_string_equal(a.expr, "\\x4d\\x5a.\\x90");
    vgi_atom_cleanup(&a);
}

static void test_expressions(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "e8a??b");
    vgi_atom a = choose(&b);
    assert_string_equal(a.expr, "\\xe8[\\xa0-\\xaf][\\x0b\\x1b\\x2b\\x3b\\x4b\\x5b\\x6b\\x7b\\x8b"
                                "\\x9b\\xab\\xbb\\xcb\\xdb\\xeb\\xfb]");
    vgi_atom_cleanup(&a);

    irb_init(&b);
    irb_hex(&b, "e8");
    irb_alt(&b, 0, "6869", "6c6c", NULL);
    irb_hex(&b, "9c");
    a = choose(&b);
    assert_int_equal(a.el, 0);
    assert_int_equal(a.len, 4);
    assert_string_equal(a.expr, "\\xe8(?:\\x68\\x69|\\x6c\\x6c)\\x9c");
    vgi_atom_cleanup(&a);

    irb_init(&b); /* single-byte alternatives are classes; negation too */
    irb_hex(&b, "e8");
    irb_alt(&b, 0, "61", "62", "63", NULL);
    irb_alt(&b, 0, "61", "63", NULL);
    irb_alt(&b, 1, "00", "ff", NULL);
    irb_hex(&b, "9c");
    a = choose(&b);
    assert_int_equal(a.len, 5);
    assert_string_equal(a.expr, "\\xe8[\\x61-\\x63][\\x61\\x63][^\\x00\\xff]\\x9c");
    vgi_atom_cleanup(&a);

    irb_init(&b); /* an atom may start at an ALT */
    irb_alt(&b, 0, "e83b", "e93c", NULL);
    irb_hex(&b, "9c71");
    a = choose(&b);
    assert_int_equal(a.el, 0);
    assert_int_equal(a.byte, 0);
    assert_int_equal(a.len, 4);
    assert_string_equal(a.expr, "(?:\\xe8\\x3b|\\xe9\\x3c)\\x9c\\x71");
    vgi_atom_cleanup(&a);
}

/* Alternatives of differing lengths count with their shortest prefixes and
 * end the window. */
static void test_varying_alternatives(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_alt(&b, 0, "6869", "6c6c6c", NULL);
    vgi_atom a = choose(&b);
    assert_int_equal(a.el, 0);
    assert_int_equal(a.len, 2);
    assert_string_equal(a.expr, "(?:\\x68\\x69|\\x6c\\x6c)");
    vgi_atom_cleanup(&a);

    irb_init(&b);
    irb_alt(&b, 0, "61", "6262", NULL);
    a = choose(&b);
    assert_int_equal(a.len, 1);
    assert_string_equal(a.expr, "[\\x61\\x62]");
    vgi_atom_cleanup(&a);

    irb_init(&b); /* nothing after the group joins its window */
    irb_hex(&b, "e8");
    irb_alt(&b, 0, "3b9c", "3c9d71", NULL);
    irb_hex(&b, "5b81ed3c");
    a = choose(&b);
    assert_true((a.el == 0 && a.len == 3) || (a.el == 2 && a.len == 4));
    vgi_atom_cleanup(&a);
}

/* Gaps, boundaries and groups of differing lengths end windows. */
static void test_window_limits(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "e83b9c71");
    irb_bound(&b, 'B');
    irb_hex(&b, "5b81ed3c");
    irb_gap(&b, 2, 2);
    irb_hex(&b, "8b4c2404");
    irb_alt(&b, 0, "61", "6262", NULL);
    irb_hex(&b, "c3d2e1f0");
    vgi_atom a = choose(&b);
    assert_true(a.el == 0 || a.el == 2 || a.el == 4 || a.el == 6);
    assert_int_equal(a.byte, 0);
    if (a.el == 4) /* may take the group's first byte, and no more */
        assert_true(a.len == 4 || a.len == 5);
    else
        assert_int_equal(a.len, 4);
    vgi_atom_cleanup(&a);

    char h[256];
    irb_init(&b); /* never more than VGI_ATOM_MAX_LEN bytes */
    hexrep(h, "5b81ed3ce83b9c71", 6);
    irb_hex(&b, h);
    a = choose(&b);
    assert_int_equal(a.len, VGI_ATOM_MAX_LEN);
    vgi_atom_cleanup(&a);
}

static void test_unsupported(void **state)
{
    (void)state;
    vgi_atom a;
    irb b;
    irb_init(&b);
    irb_hex(&b, "????");
    irb_gap(&b, 0, VGI_GAP_INF);
    irb_hex(&b, "??");
    assert_int_equal(vgi_atom_choose(irb_done(&b), &a), VG_ERR_UNSUPPORTED);
    assert_null(a.expr);

    irb_init(&b); /* an empty alternative: nothing is certain */
    irb_alt(&b, 0, "6162", "", NULL);
    irb_gap(&b, 0, VGI_GAP_INF);
    irb_alt(&b, 1, "??", NULL);
    assert_int_equal(vgi_atom_choose(irb_done(&b), &a), VG_ERR_UNSUPPORTED);

    irb_init(&b);
    irb_bound(&b, 'B');
    irb_gap(&b, 1, 5);
    assert_int_equal(vgi_atom_choose(irb_done(&b), &a), VG_ERR_UNSUPPORTED);

    irb_init(&b); /* nothing at all */
    assert_int_equal(vgi_atom_choose(irb_done(&b), &a), VG_ERR_UNSUPPORTED);
    assert_int_equal(vgi_atom_choose(NULL, &a), VG_ERR_INVALID_ARG);
    assert_int_equal(vgi_atom_choose(irb_done(&b), NULL), VG_ERR_INVALID_ARG);
    vgi_atom_cleanup(NULL);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "e8a??b");
    irb_alt(&b, 0, "6869", "6c6c", NULL);
    for (unsigned long n = 1; n < 12; n++) {
        vgi_atom a;
        vg_mem_fail_after(n);
        vg_error err = vgi_atom_choose(irb_done(&b), &a);
        vg_mem_fail_after(0);
        if (err == VG_OK) {
            assert_non_null(a.expr);
            vgi_atom_cleanup(&a);
            assert_null(a.expr);
        } else {
            assert_int_equal(err, VG_ERR_NOMEM);
            assert_null(a.expr);
        }
    }
}

/* ---- expressions against Hyperscan ---- */

static uint32_t rnd_state = 777;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

static void rnd_hex(char *out, int n)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 2 * n; i++) /* few distinct values, so alternatives overlap */
        out[i] = rnd(8) == 0 ? '?' : rnd(2) ? hx[rnd(16)] : rnd(2) ? '0' : 'f';
    out[2 * n] = '\0';
}

/* Does str[0..len) match the window of a? Checked element by element. */
static int window_matches(const vgi_body_sig *s, const vgi_atom *a, const uint8_t *str)
{
    uint32_t p = 0, k = a->byte;
    for (uint32_t i = a->el; p < a->len; i++, k = 0) {
        const vgi_el *e = &s->el[i];
        if (e->kind == VGI_EL_BYTES) {
            for (; k < e->len && p < a->len; k++, p++)
                if ((str[p] ^ s->val[e->off + k]) & s->mask[e->off + k])
                    return 0;
            continue;
        }
        int any = 0; /* a group counts with its shortest length */
        for (uint32_t x = 0; x < e->len; x++) {
            const vgi_alt *alt = &s->alts[e->off + x];
            int ok = 1;
            for (uint32_t j = 0; j < e->min; j++)
                if ((str[p + j] ^ s->val[alt->off + j]) & s->mask[alt->off + j])
                    ok = 0;
            any |= ok;
        }
        if (any == e->neg)
            return 0;
        p += e->min;
    }
    return 1;
}

/* A string that matches the window, with one byte disturbed half the time. */
static void sample(const vgi_body_sig *s, const vgi_atom *a, uint8_t *out)
{
    uint32_t p = 0, k = a->byte;
    for (uint32_t i = a->el; p < a->len; i++, k = 0) {
        const vgi_el *e = &s->el[i];
        if (e->kind == VGI_EL_BYTES) {
            for (; k < e->len && p < a->len; k++, p++)
                out[p] = (uint8_t)((s->val[e->off + k] & s->mask[e->off + k]) |
                                   (rnd(256) & ~s->mask[e->off + k]));
            continue;
        }
        const vgi_alt *alt = &s->alts[e->off + rnd(e->len)];
        for (uint32_t j = 0; j < e->min; j++)
            out[p + j] = (uint8_t)((s->val[alt->off + j] & s->mask[alt->off + j]) |
                                   (rnd(256) & ~s->mask[alt->off + j]));
        if (e->neg)
            out[p] = (uint8_t)rnd(256);
        p += e->min;
    }
    if (rnd(2))
        out[rnd(a->len)] = (uint8_t)rnd(256);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    *(int *)ctx = 1;
    return 1;
}

static void test_expressions_exact_in_hyperscan(void **state)
{
    (void)state;
    hs_scratch_t *scratch = NULL;
    int positives = 0, negatives = 0;
    for (int iter = 0; iter < 300; iter++) {
        irb b;
        irb_init(&b);
        int n = 1 + (int)rnd(4);
        for (int i = 0; i < n; i++) {
            char h[3][16];
            if (rnd(3)) {
                rnd_hex(h[0], 1 + (int)rnd(5));
                irb_hex(&b, h[0]);
            } else {
                int neg = rnd(3) == 0, same = neg || rnd(2), l = neg ? 1 : 1 + (int)rnd(3);
                rnd_hex(h[0], l);
                rnd_hex(h[1], same ? l : 1 + (int)rnd(3));
                rnd_hex(h[2], same ? l : 1 + (int)rnd(3));
                irb_alt(&b, neg, h[0], h[1], h[2], NULL);
            }
        }
        vgi_atom a;
        if (vgi_atom_choose(irb_done(&b), &a) != VG_OK)
            continue;
        hs_database_t *db = NULL;
        hs_compile_error_t *cerr = NULL;
        if (hs_compile(a.expr, HS_FLAG_DOTALL, HS_MODE_BLOCK, NULL, &db, &cerr) != HS_SUCCESS) {
            fprintf(stderr, "hyperscan refused %s: %s\n", a.expr, cerr->message);
            fail();
        }
        assert_int_equal(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
        for (int t = 0; t < 200; t++) {
            uint8_t str[VGI_ATOM_MAX_LEN];
            sample(irb_done(&b), &a, str);
            int want = window_matches(irb_done(&b), &a, str), got = 0;
            assert_int_equal(hs_scan(db, (const char *)str, a.len, 0, scratch, on_match, &got),
                             want ? HS_SCAN_TERMINATED : HS_SUCCESS);
            if (got != want)
                fprintf(stderr, "expr %s: want %d got %d\n", a.expr, want, got);
            assert_int_equal(got, want);
            positives += want;
            negatives += !want;
        }
        hs_free_database(db);
        vgi_atom_cleanup(&a);
    }
    hs_free_scratch(scratch);
    assert_true(positives > 1000 && negatives > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rare_beats_long_common),
        cmocka_unit_test(test_window_covers_rare_bytes),
        cmocka_unit_test(test_bits_order),
        cmocka_unit_test(test_trims_wildcard_ends),
        cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_varying_alternatives),
        cmocka_unit_test(test_window_limits),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_expressions_exact_in_hyperscan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
