/* Tests for lib/match/verify.c: every construct matching and not matching at
 * the edges of the object, offsets, the step budget, the linear cost of many
 * hits before a '*'. Random signatures against a brute-force matcher are in
 * test_verify_random.c. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "core/mem.h"
#include "ir_build.h"
#include "match/verify_int.h" /* vgi_verifier_steps() */

/* ---- helpers ---- */

/* Calls the verifier at every position with one anchor; returns MATCH when
 * any call matched (and the first start), BUDGET when one gave up. */
static vgi_verify_result scan_anchor(vgi_verifier *v, const vgi_body_sig *s, vg_fmap *map, anchor a,
                                     uint64_t *start)
{
    uint64_t size = vg_fmap_size(map);
    vgi_verify_result res = VGI_VERIFY_NOMATCH;
    for (uint64_t pos = 0; pos < size; pos++) {
        uint64_t st = 0;
        vgi_verify_result r = vgi_verify(v, s, 3, map, a.el, a.byte, pos, &st);
        if (r == VGI_VERIFY_BUDGET)
            return r;
        if (r == VGI_VERIFY_MATCH && res != VGI_VERIFY_MATCH) {
            res = r;
            if (start)
                *start = st;
        }
    }
    return res;
}

/* 1 when s matches buf, checked from every anchor (all must agree). */
static int matches(const vgi_body_sig *s, const char *buf, size_t len)
{
    vgi_verifier *v;
    vg_fmap *map;
    anchor an[256];
    assert_int_equal(vgi_verifier_new(&v), VG_OK);
    assert_int_equal(vg_fmap_open_mem(buf, len, &map), VG_OK);
    size_t na = anchors_of(s, an, 256);
    assert_true(na > 0);
    int result = -1;
    for (size_t i = 0; i < na; i++) {
        vgi_verifier_begin_object(v, 0);
        vgi_verify_result r = scan_anchor(v, s, map, an[i], NULL);
        assert_int_not_equal(r, VGI_VERIFY_BUDGET);
        if (result < 0)
            result = r == VGI_VERIFY_MATCH;
        assert_int_equal(result, r == VGI_VERIFY_MATCH);
    }
    vg_fmap_close(map);
    vgi_verifier_free(v);
    return result;
}

#define M(s, str) matches((s), (str), sizeof(str) - 1)

/* ---- constructs ---- */

static void test_bytes(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "4d5a");
    const vgi_body_sig *s = irb_done(&b);
    assert_true(M(s, "MZ"));
    assert_true(M(s, "xxMZ"));
    assert_true(M(s, "MZxx"));
    assert_false(M(s, "xM"));
    assert_false(M(s, "Mz"));
    assert_false(M(s, ""));
}

static void test_nibbles_and_wildcards(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "4?5a??a?");
    irb_hex(&b, "?1");
    const vgi_body_sig *s = irb_done(&b);
    assert_true(M(s, "\x41\x5a\x00\xa7\x31"));
    assert_true(M(s, "\x4f\x5a\xff\xaf\xf1"));
    assert_false(M(s, "\x51\x5a\x00\xa7\x31"));
    assert_false(M(s, "\x41\x5a\x00\xb7\x31"));
    assert_false(M(s, "\x41\x5a\x00\xa7\x32"));
    assert_false(M(s, "\x41\x5a\x00\xa7")); /* last byte beyond the end */
}

static void test_gap_bounds(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "6161");
    irb_gap(&b, 2, 4);
    irb_hex(&b, "6262");
    const vgi_body_sig *s = irb_done(&b);
    assert_false(M(s, "aa.bb"));
    assert_true(M(s, "aa..bb"));
    assert_true(M(s, "aa...bb"));
    assert_true(M(s, "aa....bb"));
    assert_false(M(s, "aa.....bb"));
    assert_true(M(s, "aa.....aa..bb")); /* second aa */

    irb_init(&b); /* {3} */
    irb_hex(&b, "61");
    irb_gap(&b, 3, 3);
    irb_hex(&b, "62");
    s = irb_done(&b);
    assert_true(M(s, "a...b"));
    assert_false(M(s, "a..b"));
    assert_false(M(s, "a....b"));

    irb_init(&b); /* {2-} */
    irb_hex(&b, "61");
    irb_gap(&b, 2, VGI_GAP_INF);
    irb_hex(&b, "62");
    s = irb_done(&b);
    assert_false(M(s, "a.b"));
    assert_true(M(s, "a..b"));
    assert_true(M(s, "a....................b"));

    irb_init(&b); /* {-2} */
    irb_hex(&b, "61");
    irb_gap(&b, 0, 2);
    irb_hex(&b, "62");
    s = irb_done(&b);
    assert_true(M(s, "ab"));
    assert_true(M(s, "a..b"));
    assert_false(M(s, "a...b"));

    irb_init(&b); /* * */
    irb_hex(&b, "6161");
    irb_gap(&b, 0, VGI_GAP_INF);
    irb_hex(&b, "6262");
    s = irb_done(&b);
    assert_true(M(s, "aabb"));
    assert_true(M(s, "aa..........bb"));
    assert_false(M(s, "bb....aa"));
    assert_false(M(s, "aab"));

    irb_init(&b); /* consecutive gaps add up: {1-2}{3} == {4-5} */
    irb_hex(&b, "61");
    irb_gap(&b, 1, 2);
    irb_gap(&b, 3, 3);
    irb_hex(&b, "62");
    s = irb_done(&b);
    assert_false(M(s, "a...b"));
    assert_true(M(s, "a....b"));
    assert_true(M(s, "a.....b"));
    assert_false(M(s, "a......b"));
}

static void test_alternatives(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "78");
    irb_alt(&b, 0, "6161", "62626262", "63", NULL); /* differing lengths */
    irb_hex(&b, "79");
    const vgi_body_sig *s = irb_done(&b);
    assert_true(M(s, "xaay"));
    assert_true(M(s, "xbbbby"));
    assert_true(M(s, "xcy"));
    assert_false(M(s, "xbby"));
    assert_false(M(s, "xy"));
    assert_false(M(s, "xaa"));

    irb_init(&b); /* an alternative that is a prefix of another */
    irb_alt(&b, 0, "61", "6161", NULL);
    irb_gap(&b, 1, 1);
    irb_hex(&b, "62");
    s = irb_done(&b);
    assert_true(M(s, "aa.b"));
    assert_true(M(s, "a.b"));
    assert_false(M(s, "ab"));

    irb_init(&b); /* at the very start and end of the object */
    irb_alt(&b, 0, "6162", "6364", NULL);
    s = irb_done(&b);
    assert_true(M(s, "ab"));
    assert_true(M(s, "xcd"));
    assert_false(M(s, "ac"));
}

static void test_negated_alternatives(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "78");
    irb_alt(&b, 1, "61", "62", NULL);
    irb_hex(&b, "79");
    const vgi_body_sig *s = irb_done(&b);
    assert_true(M(s, "xcy"));
    assert_true(M(s, "x\0y"));
    assert_false(M(s, "xay"));
    assert_false(M(s, "xby"));
    assert_false(M(s, "xy"));

    irb_init(&b); /* fixed length, multi-byte */
    irb_hex(&b, "78");
    irb_alt(&b, 1, "6161", "6262", NULL);
    irb_hex(&b, "79");
    s = irb_done(&b);
    assert_true(M(s, "xaby"));
    assert_true(M(s, "xbay"));
    assert_false(M(s, "xaay"));
    assert_false(M(s, "xbby"));
    assert_false(M(s, "xay"));

    irb_init(&b); /* negation at the object's end must still have its bytes */
    irb_hex(&b, "78");
    irb_alt(&b, 1, "61", NULL);
    s = irb_done(&b);
    assert_true(M(s, "xb"));
    assert_false(M(s, "x"));
    assert_false(M(s, "xa"));
}

static void test_word_boundary(void **state)
{
    (void)state;
    irb b;
    irb_init(&b); /* (B)abc(B) */
    irb_bound(&b, 'B');
    irb_hex(&b, "616263");
    irb_bound(&b, 'B');
    const vgi_body_sig *s = irb_done(&b);
    assert_true(M(s, "abc"));     /* object edges */
    assert_true(M(s, " abc "));   /* space both sides */
    assert_true(M(s, "x.abc\n")); /* '.' may precede, LF may follow */
    assert_false(M(s, "xabc "));
    assert_false(M(s, " abcx"));
    assert_false(M(s, "abc.")); /* '.' may not follow (ClamAV's table) */
    assert_false(M(s, "\nabc"));

    irb_init(&b); /* in the middle, (B) is one boundary byte */
    irb_hex(&b, "6161");
    irb_bound(&b, 'B');
    irb_hex(&b, "6262");
    s = irb_done(&b);
    assert_true(M(s, "aa bb"));
    assert_true(M(s, "aa.bb"));
    assert_false(M(s, "aabb"));
    assert_false(M(s, "aaxbb"));
}

static void test_line_boundary(void **state)
{
    (void)state;
    irb b;
    irb_init(&b); /* (L)abc(L) */
    irb_bound(&b, 'L');
    irb_hex(&b, "616263");
    irb_bound(&b, 'L');
    const vgi_body_sig *s = irb_done(&b);
    assert_true(M(s, "abc"));
    assert_true(M(s, "x\nabc\r\ny"));
    assert_true(M(s, "\nabc\n"));
    assert_false(M(s, "x\nabc\ry"));
    assert_false(M(s, "x\nabc\r"));
    assert_false(M(s, " abc\n"));
    assert_false(M(s, "\nabc "));

    irb_init(&b); /* in the middle: LF or CRLF */
    irb_hex(&b, "61");
    irb_bound(&b, 'L');
    irb_hex(&b, "62");
    s = irb_done(&b);
    assert_true(M(s, "a\nb"));
    assert_true(M(s, "a\r\nb"));
    assert_false(M(s, "a\rb"));
    assert_false(M(s, "ab"));
    assert_false(M(s, "a\n\nb"));
}

/* ---- offsets ---- */

static int matches_off(vgi_off_kind kind, uint64_t off, uint64_t range, const char *buf, size_t len)
{
    irb b;
    irb_init(&b);
    irb_hex(&b, "6162");
    irb_gap(&b, 0, VGI_GAP_INF);
    irb_hex(&b, "6364");
    irb_offset(&b, kind, off, range);
    return matches(irb_done(&b), buf, len);
}

#define MO(k, o, r, str) matches_off((k), (o), (r), (str), sizeof(str) - 1)

static void test_offsets(void **state)
{
    (void)state;
    assert_true(MO(VGI_OFF_ABS, 0, 0, "ab..cd"));
    assert_false(MO(VGI_OFF_ABS, 0, 0, ".ab..cd"));
    assert_true(MO(VGI_OFF_ABS, 2, 0, "..abcd"));
    assert_false(MO(VGI_OFF_ABS, 2, 0, "...abcd"));
    assert_false(MO(VGI_OFF_ABS, 2, 0, ".abcd"));
    assert_true(MO(VGI_OFF_ABS, 2, 3, "..abcd")); /* n,m: start in [n, n+m] */
    assert_true(MO(VGI_OFF_ABS, 2, 3, ".....abcd"));
    assert_false(MO(VGI_OFF_ABS, 2, 3, "......abcd"));
    assert_false(MO(VGI_OFF_ABS, 2, 3, ".abcd"));
    assert_true(MO(VGI_OFF_ABS, 1, 0, ".abab.cd")); /* the first ab starts it */
    /* EOF-n: start at size - n */
    assert_true(MO(VGI_OFF_EOF, 4, 0, "..abcd"));
    assert_false(MO(VGI_OFF_EOF, 5, 0, "..abcd"));
    assert_false(MO(VGI_OFF_EOF, 4, 0, "..abcd."));
    assert_true(MO(VGI_OFF_EOF, 6, 2, "..abcd")); /* start in [0, 2] */
    assert_true(MO(VGI_OFF_EOF, 6, 2, ".abcd."));
    assert_false(MO(VGI_OFF_EOF, 7, 2, ".abcd.")); /* EOF-n before the start: none */
    assert_false(MO(VGI_OFF_EOF, 7, 0, "..abcd")); /* before the object */
    assert_false(MO(VGI_OFF_EOF, 3, 5, "..abcd")); /* starts too late to fit */
    assert_true(MO(VGI_OFF_ANY, 0, 0, "xxxxabyyyycdzz"));
}

/* ---- cost ---- */

static vgi_verify_result verify_at_hits(vgi_verifier *v, const vgi_body_sig *s, vg_fmap *map,
                                        const uint8_t *buf, size_t len, const char *atom, anchor a,
                                        size_t *hits)
{
    size_t alen = strlen(atom);
    vgi_verify_result res = VGI_VERIFY_NOMATCH;
    *hits = 0;
    for (const uint8_t *p = buf; (p = memmem(p, len - (size_t)(p - buf), atom, alen)) != NULL;
         p++) {
        (*hits)++;
        uint64_t st;
        vgi_verify_result r = vgi_verify(v, s, 9, map, a.el, a.byte, (uint64_t)(p - buf), &st);
        if (r != VGI_VERIFY_NOMATCH)
            res = r;
        if (r == VGI_VERIFY_BUDGET)
            break;
    }
    return res;
}

/* 4 MiB with 100,000 hits of the atom before a '*' whose other side never
 * appears: must cost about one pass, not 100,000. Done with memory and file
 * maps, with the atom on either side of the gap. */
static void run_quadratic(int use_fd, int anchor_after)
{
    size_t len = (size_t)4 << 20;
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)("0123456789"[i % 10]);
    for (size_t i = 0; i < 100000; i++)
        memcpy(buf + i * 40, "wxyz", 4);

    irb b;
    irb_init(&b);
    if (anchor_after) { /* "(tail never there)*wxyz" */
        irb_hex(&b, "51525354");
        irb_gap(&b, 0, VGI_GAP_INF);
        irb_hex(&b, "7778797a");
    } else { /* "wxyz*(tail never there)" */
        irb_hex(&b, "7778797a");
        irb_gap(&b, 0, VGI_GAP_INF);
        irb_hex(&b, "51525354");
    }
    const vgi_body_sig *s = irb_done(&b);
    anchor a = {anchor_after ? 2u : 0u, 0};

    vg_fmap *map;
    int fd = -1;
    if (use_fd) {
        const char *path = vgt_write_tmp("verify_quadratic.bin", buf, len);
        fd = open(path, O_RDONLY);
        assert_true(fd >= 0);
        assert_int_equal(vg_fmap_open_fd(fd, 0, &map), VG_OK);
    } else {
        assert_int_equal(vg_fmap_open_mem(buf, len, &map), VG_OK);
    }
    vgi_verifier *v;
    assert_int_equal(vgi_verifier_new(&v), VG_OK);
    /* Linear work is ~len/64 scan steps plus a few per hit: 1M steps is
     * ample; 100,000 rescans of megabytes would need ~10^9. */
    vgi_verifier_begin_object(v, 1u << 20);
    size_t hits;
    vgi_verify_result r = verify_at_hits(v, s, map, buf, len, "wxyz", a, &hits);
    assert_int_equal(hits, 100000);
    assert_int_equal(r, VGI_VERIFY_NOMATCH);
    assert_true(vgi_verifier_steps(v) < (1u << 20));

    /* A new object forgets: the tail now exists, at the very end. */
    memcpy(buf + len - 4, anchor_after ? "wxyz" : "QRST", 4);
    if (anchor_after)
        memcpy(buf + 400000 * 4, "QRST", 4);
    if (use_fd) {
        vg_fmap_close(map);
        close(fd);
        const char *path = vgt_write_tmp("verify_quadratic.bin", buf, len);
        fd = open(path, O_RDONLY);
        assert_int_equal(vg_fmap_open_fd(fd, 0, &map), VG_OK);
    }
    vgi_verifier_begin_object(v, 1u << 20);
    r = verify_at_hits(v, s, map, buf, len, "wxyz", a, &hits);
    assert_int_equal(r, VGI_VERIFY_MATCH);
    assert_true(vgi_verifier_steps(v) < (1u << 20));

    vgi_verifier_free(v);
    vg_fmap_close(map);
    if (fd >= 0)
        close(fd);
    free(buf);
}

static void test_many_hits_before_star(void **state)
{
    (void)state;
    run_quadratic(0, 0);
    run_quadratic(0, 1);
    run_quadratic(1, 0);
    run_quadratic(1, 1);
}

/* Wide bounded gaps are remembered across hits too. */
static void test_many_hits_wide_gap(void **state)
{
    (void)state;
    size_t len = (size_t)2 << 20;
    uint8_t *buf = calloc(1, len);
    assert_non_null(buf);
    for (size_t i = 0; i < 50000; i++)
        memcpy(buf + i * 40, "wxyz", 4);
    irb b;
    irb_init(&b);
    irb_hex(&b, "7778797a");
    irb_gap(&b, 0, 200000);
    irb_hex(&b, "51525354");
    vg_fmap *map;
    vgi_verifier *v;
    assert_int_equal(vg_fmap_open_mem(buf, len, &map), VG_OK);
    assert_int_equal(vgi_verifier_new(&v), VG_OK);
    vgi_verifier_begin_object(v, 1u << 20);
    size_t hits;
    anchor a = {0, 0};
    assert_int_equal(verify_at_hits(v, irb_done(&b), map, buf, len, "wxyz", a, &hits),
                     VGI_VERIFY_NOMATCH);
    assert_int_equal(hits, 50000);
    assert_true(vgi_verifier_steps(v) < (1u << 20));
    vgi_verifier_free(v);
    vg_fmap_close(map);
    free(buf);
}

/* Nested bounded gaps over a run of one byte: exponential without the
 * memo of failed (element, position) pairs. */
static void test_no_exponential_backtracking(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    for (int i = 0; i < 20; i++) {
        irb_hex(&b, "61");
        irb_gap(&b, 0, 6);
    }
    irb_hex(&b, "62");
    char buf[400];
    memset(buf, 'a', sizeof buf);
    vg_fmap *map;
    vgi_verifier *v;
    assert_int_equal(vg_fmap_open_mem(buf, sizeof buf, &map), VG_OK);
    assert_int_equal(vgi_verifier_new(&v), VG_OK);
    vgi_verifier_begin_object(v, 1u << 20);
    uint64_t st;
    assert_int_equal(vgi_verify(v, irb_done(&b), 1, map, 0, 0, 0, &st), VGI_VERIFY_NOMATCH);
    assert_true(vgi_verifier_steps(v) < 100000);

    /* Alternatives that overlap: (a|aa) twenty times reaches each position
     * by Fibonacci-many paths. */
    irb_init(&b);
    for (int i = 0; i < 20; i++)
        irb_alt(&b, 0, "61", "6161", NULL);
    irb_hex(&b, "62");
    vgi_verifier_begin_object(v, 1u << 20);
    assert_int_equal(vgi_verify(v, irb_done(&b), 2, map, 0, 0, 0, &st), VGI_VERIFY_NOMATCH);
    assert_true(vgi_verifier_steps(v) < 100000);
    /* backward, from the last group */
    vgi_verifier_begin_object(v, 1u << 20);
    assert_int_equal(vgi_verify(v, irb_done(&b), 2, map, 19, 0, 300, &st), VGI_VERIFY_NOMATCH);
    assert_true(vgi_verifier_steps(v) < 100000);
    vgi_verifier_free(v);
    vg_fmap_close(map);
}

static void test_budget(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "61");
    irb_gap(&b, 0, VGI_GAP_INF);
    irb_hex(&b, "62");
    static char buf[1 << 16];
    memset(buf, 'a', sizeof buf);
    vg_fmap *map;
    vgi_verifier *v;
    assert_int_equal(vg_fmap_open_mem(buf, sizeof buf, &map), VG_OK);
    assert_int_equal(vgi_verifier_new(&v), VG_OK);
    vgi_verifier_begin_object(v, 10);
    uint64_t st;
    assert_int_equal(vgi_verify(v, irb_done(&b), 1, map, 0, 0, 0, &st), VGI_VERIFY_BUDGET);
    /* spent for the rest of this object */
    assert_int_equal(vgi_verify(v, irb_done(&b), 1, map, 0, 0, 5, &st), VGI_VERIFY_BUDGET);
    vgi_verifier_begin_object(v, 0);
    assert_int_equal(vgi_verify(v, irb_done(&b), 1, map, 0, 0, 0, &st), VGI_VERIFY_NOMATCH);
    vgi_verifier_free(v);
    vg_fmap_close(map);
}

static void test_bad_anchor(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "6162");
    irb_gap(&b, 0, 3);
    irb_hex(&b, "63");
    const vgi_body_sig *s = irb_done(&b);
    vg_fmap *map;
    vgi_verifier *v;
    assert_int_equal(vg_fmap_open_mem("abc", 3, &map), VG_OK);
    assert_int_equal(vgi_verifier_new(&v), VG_OK);
    vgi_verifier_begin_object(v, 0);
    uint64_t st = 77;
    assert_int_equal(vgi_verify(v, s, 1, map, 0, 0, 0, &st), VGI_VERIFY_MATCH);
    assert_int_equal(st, 0);
    assert_int_equal(vgi_verify(v, s, 1, map, 1, 0, 0, &st), VGI_VERIFY_NOMATCH); /* gap */
    assert_int_equal(vgi_verify(v, s, 1, map, 0, 2, 1, &st), VGI_VERIFY_NOMATCH); /* byte */
    assert_int_equal(vgi_verify(v, s, 1, map, 0, 1, 0, &st), VGI_VERIFY_NOMATCH); /* pos */
    assert_int_equal(vgi_verify(v, s, 1, map, 9, 0, 0, &st), VGI_VERIFY_NOMATCH); /* el */
    assert_int_equal(vgi_verify(v, s, 1, map, 0, 0, 99, &st), VGI_VERIFY_NOMATCH);
    assert_int_equal(vgi_verify(v, s, 1, map, 2, 0, 2, &st), VGI_VERIFY_MATCH);
    assert_int_equal(st, 0);
    vgi_verifier_free(v);
    vg_fmap_close(map);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    irb b;
    irb_init(&b);
    irb_hex(&b, "61");
    irb_gap(&b, 0, VGI_GAP_INF);
    irb_hex(&b, "62");
    irb_gap(&b, 1, 3);
    irb_hex(&b, "63");
    const char buf[] = "xxaxxxxbxxcxx";
    for (unsigned long n = 1; n < 20; n++) {
        vg_fmap *map;
        assert_int_equal(vg_fmap_open_mem(buf, sizeof buf - 1, &map), VG_OK);
        vgi_verifier *v = NULL;
        vg_mem_fail_after(n);
        vg_error err = vgi_verifier_new(&v);
        if (err == VG_OK) {
            uint64_t st;
            vgi_verifier_begin_object(v, 0);
            vgi_verify_result r = vgi_verify(v, irb_done(&b), 1, map, 2, 0, 7, &st);
            /* never a wrong "no match": a match or an admitted give-up */
            assert_true(r == VGI_VERIFY_MATCH || r == VGI_VERIFY_BUDGET);
        } else {
            assert_int_equal(err, VG_ERR_NOMEM);
            assert_null(v);
        }
        vg_mem_fail_after(0);
        vgi_verifier_free(v);
        vg_fmap_close(map);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_nibbles_and_wildcards),
        cmocka_unit_test(test_gap_bounds),
        cmocka_unit_test(test_alternatives),
        cmocka_unit_test(test_negated_alternatives),
        cmocka_unit_test(test_word_boundary),
        cmocka_unit_test(test_line_boundary),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_many_hits_before_star),
        cmocka_unit_test(test_many_hits_wide_gap),
        cmocka_unit_test(test_no_exponential_backtracking),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_bad_anchor),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
