/* Tests for lib/match/verify.c on random signatures: a differential test
 * against a brute-force matcher, every signature tried from every possible
 * anchor with the memos of one object shared between them, and file maps
 * with a window much smaller than the object against memory maps. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "ir_build.h"

/* ---- differential test against a brute-force matcher ---- */

static const uint8_t bnd_tab[256] = {
    ['\n'] = 2, ['\r'] = 2, [' '] = 3, ['-'] = 3, ['.'] = 1, ['='] = 2,
};

typedef struct ref {
    const vgi_body_sig *s;
    const uint8_t *buf;
    size_t len;
} ref;

static int ref_bytes(const ref *r, size_t p, uint32_t off, uint32_t n)
{
    if (p + n > r->len)
        return 0;
    for (uint32_t i = 0; i < n; i++)
        if ((r->buf[p + i] ^ r->s->val[off + i]) & r->s->mask[off + i])
            return 0;
    return 1;
}

static int ref_from(const ref *r, uint32_t i, size_t p)
{
    const vgi_body_sig *s = r->s;
    if (i == s->n_el)
        return 1;
    const vgi_el *e = &s->el[i];
    int edge = s->n_el > 1 && (i == 0 || i == s->n_el - 1);
    switch (e->kind) {
    case VGI_EL_BYTES:
        return ref_bytes(r, p, e->off, e->len) && ref_from(r, i + 1, p + e->len);
    case VGI_EL_ALT:
        if (e->neg) {
            if (p + e->max > r->len)
                return 0;
            for (uint32_t k = 0; k < e->len; k++)
                if (ref_bytes(r, p, s->alts[e->off + k].off, s->alts[e->off + k].len))
                    return 0;
            return ref_from(r, i + 1, p + e->max);
        }
        for (uint32_t k = 0; k < e->len; k++) {
            const vgi_alt *a = &s->alts[e->off + k];
            if (ref_bytes(r, p, a->off, a->len) && ref_from(r, i + 1, p + a->len))
                return 1;
        }
        return 0;
    case VGI_EL_GAP:
        for (size_t q = p + e->min; q <= r->len && (e->max == VGI_GAP_INF || q <= p + e->max); q++)
            if (ref_from(r, i + 1, q))
                return 1;
        return 0;
    case VGI_EL_BOUND:
        if (edge && i == 0) {
            int ok =
                p == 0 || (e->bound == 'B' ? (bnd_tab[r->buf[p - 1]] & 1) : r->buf[p - 1] == '\n');
            return ok && ref_from(r, 1, p);
        }
        if (edge) {
            if (p == r->len)
                return 1;
            if (e->bound == 'B')
                return (bnd_tab[r->buf[p]] & 2) != 0;
            return r->buf[p] == '\n' ||
                   (r->buf[p] == '\r' && p + 1 < r->len && r->buf[p + 1] == '\n');
        }
        if (p >= r->len)
            return 0;
        if (e->bound == 'B')
            return bnd_tab[r->buf[p]] && ref_from(r, i + 1, p + 1);
        if (r->buf[p] == '\n')
            return ref_from(r, i + 1, p + 1);
        return r->buf[p] == '\r' && p + 1 < r->len && r->buf[p + 1] == '\n' &&
               ref_from(r, i + 1, p + 2);
    }
    return 0;
}

static int ref_match(const vgi_body_sig *s, const uint8_t *buf, size_t len)
{
    ref r = {s, buf, len};
    for (size_t st = 0; st <= len; st++) {
        if (s->off_kind == VGI_OFF_ABS && (st < s->off || st > s->off + s->off_range))
            continue;
        if (s->off_kind == VGI_OFF_EOF &&
            (s->off > len || st < len - s->off || st > len - s->off + s->off_range))
            continue;
        if (ref_from(&r, 0, st))
            return 1;
    }
    return 0;
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

static const char alphabet[] = "ab\n\r .=";

static void rnd_hex(char *out, int n, int masks)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) {
        uint8_t c = (uint8_t)alphabet[rnd(sizeof alphabet - 1)];
        out[2 * i] = hx[c >> 4];
        out[2 * i + 1] = hx[c & 15];
        if (masks && rnd(6) == 0)
            out[2 * i + rnd(2)] = '?';
    }
    out[2 * n] = '\0';
}

static void rnd_sig(irb *b)
{
    irb_init(b);
    int n = 1 + (int)rnd(5), content = 0;
    if (rnd(5) == 0)
        irb_bound(b, rnd(2) ? 'B' : 'L');
    for (int i = 0; i < n; i++) {
        char h[3][16];
        switch (rnd(6)) {
        case 0:
        case 1:
            rnd_hex(h[0], 1 + (int)rnd(3), 1);
            irb_hex(b, h[0]);
            content = 1;
            break;
        case 2: {
            int neg = rnd(4) == 0, l0 = 1 + (int)rnd(2);
            rnd_hex(h[0], l0, 1);
            rnd_hex(h[1], neg ? l0 : 1 + (int)rnd(2), 1);
            rnd_hex(h[2], neg ? l0 : 1 + (int)rnd(2), 1);
            if (rnd(2))
                irb_alt(b, neg, h[0], h[1], NULL);
            else
                irb_alt(b, neg, h[0], h[1], h[2], NULL);
            content = 1;
            break;
        }
        case 3:
        case 4:
            if (b->sig.n_el > 0 && b->sig.el[b->sig.n_el - 1].kind != VGI_EL_BOUND) {
                uint32_t mn = rnd(3);
                irb_gap(b, mn, rnd(3) == 0 ? VGI_GAP_INF : mn + rnd(4));
            }
            break;
        default:
            if (i > 0)
                irb_bound(b, rnd(2) ? 'B' : 'L');
        }
    }
    if (!content) {
        irb_hex(b, "61");
    }
    if (rnd(4) == 0)
        irb_bound(b, rnd(2) ? 'B' : 'L');
    switch (rnd(4)) {
    case 1:
        irb_offset(b, VGI_OFF_ABS, rnd(6), rnd(2) ? 0 : rnd(6));
        break;
    case 2:
        irb_offset(b, VGI_OFF_EOF, rnd(12), rnd(2) ? 0 : rnd(6));
        break;
    default:
        break;
    }
}

static void dump_sig(const vgi_body_sig *s)
{
    fprintf(stderr, "sig (off %u %llu,%llu):", s->off_kind, (unsigned long long)s->off,
            (unsigned long long)s->off_range);
    for (uint32_t i = 0; i < s->n_el; i++) {
        const vgi_el *e = &s->el[i];
        if (e->kind == VGI_EL_BYTES) {
            fprintf(stderr, " ");
            for (uint32_t k = 0; k < e->len; k++)
                fprintf(stderr, "%02x/%02x", s->val[e->off + k], s->mask[e->off + k]);
        } else if (e->kind == VGI_EL_ALT) {
            fprintf(stderr, " %s(", e->neg ? "!" : "");
            for (uint32_t a = 0; a < e->len; a++) {
                const vgi_alt *x = &s->alts[e->off + a];
                for (uint32_t k = 0; k < x->len; k++)
                    fprintf(stderr, "%02x/%02x", s->val[x->off + k], s->mask[x->off + k]);
                fprintf(stderr, a + 1 < e->len ? "|" : ")");
            }
        } else if (e->kind == VGI_EL_GAP) {
            fprintf(stderr, " {%u-%d}", e->min, e->max == VGI_GAP_INF ? -1 : (int)e->max);
        } else {
            fprintf(stderr, " (%c)", e->bound);
        }
    }
    fprintf(stderr, "\n");
}

static void test_differential(void **state)
{
    (void)state;
    const char *seed = getenv("VGT_SEED"); /* to explore beyond the fixed default */
    if (seed != NULL)
        rnd_state = (uint32_t)strtoul(seed, NULL, 10);
    vgi_verifier *v;
    assert_int_equal(vgi_verifier_new(&v), VG_OK);
    int matched = 0;
    for (int iter = 0; iter < 30000; iter++) {
        irb b;
        rnd_sig(&b);
        const vgi_body_sig *s = irb_done(&b);
        uint8_t buf[24];
        size_t len = rnd(sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)alphabet[rnd(sizeof alphabet - 1)];
        int want = ref_match(s, buf, len);
        matched += want;

        vg_fmap *map;
        assert_int_equal(vg_fmap_open_mem(buf, len, &map), VG_OK);
        anchor an[64];
        size_t na = anchors_of(s, an, 64);
        /* One object, every anchor, positions in a scrambled order: the
         * memos kept across calls must hold whatever the order. */
        vgi_verifier_begin_object(v, 0);
        for (size_t k = 0; k < na; k++) {
            int got = 0;
            size_t first = len ? rnd((uint32_t)len) : 0, step = len % 7 ? 7 : 11;
            for (size_t i = 0; i < len; i++) {
                uint64_t pos = (first + i * step) % len, st;
                vgi_verify_result r = vgi_verify(v, s, 5, map, an[k].el, an[k].byte, pos, &st);
                assert_int_not_equal(r, VGI_VERIFY_BUDGET);
                if (r == VGI_VERIFY_MATCH) {
                    got = 1;
                    assert_true(st <= pos);
                }
            }
            if (got != want) {
                fprintf(stderr, "iter %d anchor el %u byte %u: want %d got %d, buf \"", iter,
                        an[k].el, an[k].byte, want, got);
                for (size_t i = 0; i < len; i++)
                    fprintf(stderr, "\\x%02x", buf[i]);
                fprintf(stderr, "\"\n");
                dump_sig(s);
            }
            assert_int_equal(got, want);
        }
        vg_fmap_close(map);
    }
    assert_true(matched > 1000); /* the test exercises matches, not only misses */
    vgi_verifier_free(v);
}

/* A file map whose window is far smaller than the object must give the
 * same answers as memory: the forward walk reads through need(), the
 * backward walk through its own buffer. */
static void test_file_map_small_window(void **state)
{
    (void)state;
    size_t len = (1u << 20) + (300u << 10); /* windows are at least 1 MiB */
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    vgi_verifier *vm, *vf;
    assert_int_equal(vgi_verifier_new(&vm), VG_OK);
    assert_int_equal(vgi_verifier_new(&vf), VG_OK);
    int matched = 0;
    for (int iter = 0; iter < 40; iter++) {
        irb b;
        rnd_sig(&b);
        const vgi_body_sig *s = irb_done(&b);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)alphabet[rnd(sizeof alphabet - 1)];
        vg_fmap *mm, *fm;
        assert_int_equal(vg_fmap_open_mem(buf, len, &mm), VG_OK);
        int fd = open(vgt_write_tmp("verify_window.bin", buf, len), O_RDONLY);
        assert_true(fd >= 0);
        assert_int_equal(vg_fmap_open_fd(fd, 0, &fm), VG_OK);
        assert_null(vg_fmap_data(fm));
        anchor an[64];
        size_t na = anchors_of(s, an, 64);
        vgi_verifier_begin_object(vm, 0);
        vgi_verifier_begin_object(vf, 0);
        for (size_t k = 0; k < na; k++) {
            for (uint64_t i = 0; i < 4608; i++) { /* both ends, and between */
                uint64_t pos = i < 2048   ? i
                               : i < 4096 ? len - 1 - (i - 2048)
                                          : rnd(len),
                         s1 = 0, s2 = 0;
                vgi_verify_result r1 = vgi_verify(vm, s, 1, mm, an[k].el, an[k].byte, pos, &s1);
                vgi_verify_result r2 = vgi_verify(vf, s, 1, fm, an[k].el, an[k].byte, pos, &s2);
                assert_int_equal(r1, r2);
                if (r1 == VGI_VERIFY_MATCH) {
                    assert_int_equal(s1, s2);
                    matched++;
                }
            }
        }
        vg_fmap_close(fm);
        close(fd);
        vg_fmap_close(mm);
    }
    assert_true(matched > 1000);
    vgi_verifier_free(vm);
    vgi_verifier_free(vf);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_file_map_small_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
