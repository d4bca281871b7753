/* The transparency log's tree, proofs, entries and signed tree heads.
 *
 * Expected values are computed here, independently of lib/privacy/tlog*:
 * SHA-256 comes from OpenSSL (the library uses libsodium), the trees of
 * sizes 1..8 and their proofs are written out by hand as expressions of
 * L(i) = SHA-256(0x00 || entry i) and N(a, b) = SHA-256(0x01 || a || b),
 * and the roots of the Certificate Transparency test inputs are checked
 * against the published hex values. Then every inclusion proof of every
 * (index, size <= 16) and every consistency proof of every m < n <= 16 is
 * verified, and each is altered (one node, the index, a size, the length,
 * a root) and must fail; a forked tree (same size, one leaf different) is
 * not consistent with the original. Key files are <vigil/bundle.h>'s and
 * tested with it. */
#include "testutil.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/bundle.h>
#include <vigil/tlog.h>

#define MAXN 16

/* ---- the independent reference ---- */

static vg_tlog_hash ref_leaf(const void *p, size_t n)
{
    uint8_t buf[256];
    assert_true(n + 1 <= sizeof buf);
    buf[0] = 0x00;
    memcpy(buf + 1, p, n);
    vg_tlog_hash h;
    SHA256(buf, n + 1, h.b);
    return h;
}

static vg_tlog_hash N(vg_tlog_hash a, vg_tlog_hash b)
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, a.b, 32);
    memcpy(buf + 33, b.b, 32);
    vg_tlog_hash h;
    SHA256(buf, sizeof buf, h.b);
    return h;
}

/* The entries of the test trees: "leaf 0", "leaf 1", ... */
static vg_tlog_hash L(unsigned i)
{
    char e[32];
    int n = snprintf(e, sizeof e, "leaf %u", i);
    return ref_leaf(e, (size_t)n);
}

static void leaves_of(vg_tlog_hash *out, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        out[i] = L(i);
}

static void assert_hash(const vg_tlog_hash *got, vg_tlog_hash want)
{
    if (memcmp(got->b, want.b, 32) != 0) {
        char g[65], w[65];
        vg_tlog_hex(got->b, 32, g);
        vg_tlog_hex(want.b, 32, w);
        fail_msg("hash %s, expected %s", g, w);
    }
}

static void assert_path(const vg_tlog_hash *got, size_t glen, const vg_tlog_hash *want, size_t wlen)
{
    assert_int_equal(glen, wlen);
    for (size_t i = 0; i < wlen; i++)
        assert_hash(&got[i], want[i]);
}

/* ---- known answers ---- */

static void test_empty_and_leaf_hashes(void **state)
{
    (void)state;
    vg_tlog_hash h;
    vg_tlog_root(NULL, 0, &h);
    char hex[65];
    vg_tlog_hex(h.b, 32, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vg_tlog_leaf_hash("", 0, &h);
    vg_tlog_hex(h.b, 32, hex);
    assert_string_equal(hex, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    vg_tlog_hash a = L(1), b = L(2), n;
    vg_tlog_node_hash(&a, &b, &n);
    assert_hash(&n, N(a, b));
}

/* The inputs and roots of the Certificate Transparency reference tests
 * (RFC 6962 implementations share them). */
static void test_ct_vectors(void **state)
{
    (void)state;
    static const char *const in[8] = {"",
                                      "00",
                                      "10",
                                      "2021",
                                      "3031",
                                      "40414243",
                                      "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f"};
    static const char *const roots[8] = {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
    vg_tlog_hash leaves[8];
    for (int i = 0; i < 8; i++) {
        uint8_t b[16];
        size_t n = strlen(in[i]) / 2;
        assert_int_equal(vg_tlog_unhex(in[i], strlen(in[i]), b, n), VG_OK);
        vg_tlog_leaf_hash(b, n, &leaves[i]);
    }
    for (int n = 1; n <= 8; n++) {
        vg_tlog_hash r;
        char hex[65];
        vg_tlog_root(leaves, (uint64_t)n, &r);
        vg_tlog_hex(r.b, 32, hex);
        assert_string_equal(hex, roots[n - 1]);
    }
}

/* Roots of sizes 1..8, by hand. */
static void test_roots_by_hand(void **state)
{
    (void)state;
    vg_tlog_hash d[8], r;
    leaves_of(d, 8);
    vg_tlog_hash want[9];
    want[1] = L(0);
    want[2] = N(L(0), L(1));
    want[3] = N(N(L(0), L(1)), L(2));
    want[4] = N(N(L(0), L(1)), N(L(2), L(3)));
    want[5] = N(N(N(L(0), L(1)), N(L(2), L(3))), L(4));
    want[6] = N(N(N(L(0), L(1)), N(L(2), L(3))), N(L(4), L(5)));
    want[7] = N(N(N(L(0), L(1)), N(L(2), L(3))), N(N(L(4), L(5)), L(6)));
    want[8] = N(N(N(L(0), L(1)), N(L(2), L(3))), N(N(L(4), L(5)), N(L(6), L(7))));
    for (unsigned n = 1; n <= 8; n++) {
        vg_tlog_root(d, n, &r);
        assert_hash(&r, want[n]);
    }
}

/* The example tree of RFC 9162 2.1.5 (7 leaves a..f, j = d6; g = N(a,b),
 * h = N(c,d), i = N(e,f), k = N(g,h), l = N(i,j)) and its proofs as the RFC
 * lists them, plus every inclusion proof of sizes 5 and 8 by hand. */
static void test_proofs_by_hand(void **state)
{
    (void)state;
    vg_tlog_hash d[8], p[VG_TLOG_MAX_PATH];
    size_t n;
    leaves_of(d, 8);
    vg_tlog_hash a = L(0), b = L(1), c = L(2), dd = L(3), e = L(4), f = L(5), j = L(6);
    vg_tlog_hash g = N(a, b), h = N(c, dd), i = N(e, f), k = N(g, h), l = N(i, j);

    struct {
        unsigned idx;
        vg_tlog_hash want[3];
        size_t len;
    } const rfc_incl[] = {{0, {b, h, l}, 3}, {3, {c, g, l}, 3}, {4, {f, j, k}, 3}, {6, {i, k}, 2}};
    for (size_t t = 0; t < sizeof rfc_incl / sizeof rfc_incl[0]; t++) {
        assert_int_equal(vg_tlog_inclusion_proof(d, 7, rfc_incl[t].idx, p, VG_TLOG_MAX_PATH, &n),
                         VG_OK);
        assert_path(p, n, rfc_incl[t].want, rfc_incl[t].len);
    }
    struct {
        unsigned m;
        vg_tlog_hash want[4];
        size_t len;
    } const rfc_cons[] = {{3, {c, dd, g, l}, 4}, {4, {l}, 1}, {6, {i, j, k}, 3}};
    for (size_t t = 0; t < sizeof rfc_cons / sizeof rfc_cons[0]; t++) {
        assert_int_equal(vg_tlog_consistency_proof(d, 7, rfc_cons[t].m, p, VG_TLOG_MAX_PATH, &n),
                         VG_OK);
        assert_path(p, n, rfc_cons[t].want, rfc_cons[t].len);
    }

    /* Size 5: d0..d3 form a full subtree q; d4 hangs off the root alone. */
    vg_tlog_hash q = N(N(L(0), L(1)), N(L(2), L(3)));
    vg_tlog_hash in5[5][3] = {{L(1), N(L(2), L(3)), L(4)},
                              {L(0), N(L(2), L(3)), L(4)},
                              {L(3), N(L(0), L(1)), L(4)},
                              {L(2), N(L(0), L(1)), L(4)},
                              {q}};
    size_t len5[5] = {3, 3, 3, 3, 1};
    for (unsigned x = 0; x < 5; x++) {
        assert_int_equal(vg_tlog_inclusion_proof(d, 5, x, p, VG_TLOG_MAX_PATH, &n), VG_OK);
        assert_path(p, n, in5[x], len5[x]);
    }
    /* Size 8: leaf sibling, pair sibling, quad sibling. */
    vg_tlog_hash pr[4] = {N(L(0), L(1)), N(L(2), L(3)), N(L(4), L(5)), N(L(6), L(7))};
    vg_tlog_hash qd[2] = {N(pr[0], pr[1]), N(pr[2], pr[3])};
    for (unsigned x = 0; x < 8; x++) {
        vg_tlog_hash want[3] = {L(x ^ 1), pr[(x >> 1) ^ 1], qd[(x >> 2) ^ 1]};
        assert_int_equal(vg_tlog_inclusion_proof(d, 8, x, p, VG_TLOG_MAX_PATH, &n), VG_OK);
        assert_path(p, n, want, 3);
    }
    /* Consistency of every m < 8 with 8. */
    vg_tlog_hash c8[8][4] = {
        {{{0}}}, {L(1), pr[1], qd[1]},       {pr[1], qd[1]},        {L(2), L(3), pr[0], qd[1]},
        {qd[1]}, {L(4), L(5), pr[3], qd[0]}, {pr[2], pr[3], qd[0]}, {L(6), L(7), pr[2], qd[0]},
    };
    size_t clen8[8] = {0, 3, 2, 4, 1, 4, 3, 4};
    for (unsigned m = 1; m < 8; m++) {
        assert_int_equal(vg_tlog_consistency_proof(d, 8, m, p, VG_TLOG_MAX_PATH, &n), VG_OK);
        assert_path(p, n, c8[m], clen8[m]);
    }
    /* m == n: nothing to prove. */
    assert_int_equal(vg_tlog_consistency_proof(d, 8, 8, p, VG_TLOG_MAX_PATH, &n), VG_OK);
    assert_int_equal(n, 0);
}

static void test_bad_requests(void **state)
{
    (void)state;
    vg_tlog_hash d[4], p[VG_TLOG_MAX_PATH];
    size_t n = 99;
    leaves_of(d, 4);
    assert_int_equal(vg_tlog_inclusion_proof(d, 4, 4, p, VG_TLOG_MAX_PATH, &n), VG_ERR_INVALID_ARG);
    assert_int_equal(n, 0);
    assert_int_equal(vg_tlog_inclusion_proof(d, 0, 0, p, VG_TLOG_MAX_PATH, &n), VG_ERR_INVALID_ARG);
    assert_int_equal(vg_tlog_consistency_proof(d, 4, 0, p, VG_TLOG_MAX_PATH, &n),
                     VG_ERR_INVALID_ARG);
    assert_int_equal(vg_tlog_consistency_proof(d, 4, 5, p, VG_TLOG_MAX_PATH, &n),
                     VG_ERR_INVALID_ARG);
    assert_int_equal(vg_tlog_inclusion_proof(d, 4, 1, p, 1, &n), VG_ERR_LIMIT);
}

/* ---- every proof of the small trees ---- */

static void flip(vg_tlog_hash *h, unsigned bit)
{
    h->b[(bit / 8) % 32] ^= (uint8_t)(1u << (bit % 8));
}

static void test_every_inclusion_proof(void **state)
{
    (void)state;
    vg_tlog_hash d[MAXN + 1], p[VG_TLOG_MAX_PATH], roots[MAXN + 2];
    leaves_of(d, MAXN + 1);
    for (unsigned s = 0; s <= MAXN + 1; s++)
        vg_tlog_root(d, s, &roots[s]);
    unsigned checked = 0;
    for (unsigned size = 1; size <= MAXN; size++) {
        for (unsigned idx = 0; idx < size; idx++) {
            size_t n;
            assert_int_equal(vg_tlog_inclusion_proof(d, size, idx, p, VG_TLOG_MAX_PATH, &n), VG_OK);
            assert_int_equal(vg_tlog_inclusion_verify(idx, size, &d[idx], p, n, &roots[size]),
                             VG_OK);
            checked++;
            /* Every single bit of every node matters. */
            for (size_t k = 0; k < n; k++)
                for (unsigned bit = 0; bit < 256; bit += 37) {
                    flip(&p[k], bit);
                    assert_int_equal(
                        vg_tlog_inclusion_verify(idx, size, &d[idx], p, n, &roots[size]),
                        VG_ERR_CRYPTO);
                    flip(&p[k], bit);
                }
            /* Another index, another size, another leaf, another root. */
            for (unsigned other = 0; other <= MAXN + 1; other++) {
                if (other != idx)
                    assert_int_equal(
                        vg_tlog_inclusion_verify(other, size, &d[idx], p, n, &roots[size]),
                        VG_ERR_CRYPTO);
                /* A size is only ever checked with its own root (an STH
                 * signs the two together): the path fits the same root
                 * under another size of the same shape (3 and 4 for index
                 * 0), which proves nothing about a tree of that size. */
                if (other != size) {
                    assert_int_equal(
                        vg_tlog_inclusion_verify(idx, other, &d[idx], p, n, &roots[other]),
                        VG_ERR_CRYPTO);
                }
                if (other != idx && other <= MAXN)
                    assert_int_equal(
                        vg_tlog_inclusion_verify(idx, size, &d[other], p, n, &roots[size]),
                        VG_ERR_CRYPTO);
            }
            /* One node short, one too many, or the same node twice. */
            if (n > 0)
                assert_int_equal(
                    vg_tlog_inclusion_verify(idx, size, &d[idx], p, n - 1, &roots[size]),
                    VG_ERR_CRYPTO);
            p[n] = d[0];
            assert_int_equal(vg_tlog_inclusion_verify(idx, size, &d[idx], p, n + 1, &roots[size]),
                             VG_ERR_CRYPTO);
            if (n >= 2) {
                vg_tlog_hash keep = p[1];
                p[1] = p[0];
                assert_int_equal(vg_tlog_inclusion_verify(idx, size, &d[idx], p, n, &roots[size]),
                                 VG_ERR_CRYPTO);
                p[1] = keep;
            }
        }
    }
    assert_int_equal(checked, MAXN * (MAXN + 1) / 2);
}

static void test_every_consistency_proof(void **state)
{
    (void)state;
    vg_tlog_hash d[MAXN], p[VG_TLOG_MAX_PATH], roots[MAXN + 1];
    leaves_of(d, MAXN);
    for (unsigned s = 0; s <= MAXN; s++)
        vg_tlog_root(d, s, &roots[s]);
    unsigned checked = 0;
    for (unsigned n = 2; n <= MAXN; n++) {
        for (unsigned m = 1; m < n; m++) {
            size_t len;
            assert_int_equal(vg_tlog_consistency_proof(d, n, m, p, VG_TLOG_MAX_PATH, &len), VG_OK);
            assert_true(len >= 1);
            assert_int_equal(vg_tlog_consistency_verify(m, n, &roots[m], &roots[n], p, len), VG_OK);
            checked++;
            for (size_t k = 0; k < len; k++)
                for (unsigned bit = 0; bit < 256; bit += 41) {
                    flip(&p[k], bit);
                    assert_int_equal(vg_tlog_consistency_verify(m, n, &roots[m], &roots[n], p, len),
                                     VG_ERR_CRYPTO);
                    flip(&p[k], bit);
                }
            /* Another size, with its own root (see the inclusion test). */
            for (unsigned o = 1; o <= MAXN; o++) {
                if (o != m)
                    assert_int_equal(vg_tlog_consistency_verify(o, n, &roots[o], &roots[n], p, len),
                                     VG_ERR_CRYPTO);
                if (o != n)
                    assert_int_equal(vg_tlog_consistency_verify(m, o, &roots[m], &roots[o], p, len),
                                     VG_ERR_CRYPTO);
            }
            /* Swapped roots, one node short, one too many, an empty proof. */
            assert_int_equal(vg_tlog_consistency_verify(m, n, &roots[n], &roots[m], p, len),
                             VG_ERR_CRYPTO);
            assert_int_equal(vg_tlog_consistency_verify(m, n, &roots[m], &roots[n], p, len - 1),
                             VG_ERR_CRYPTO);
            p[len] = roots[m];
            assert_int_equal(vg_tlog_consistency_verify(m, n, &roots[m], &roots[n], p, len + 1),
                             VG_ERR_CRYPTO);
            assert_int_equal(vg_tlog_consistency_verify(m, n, &roots[m], &roots[n], p, 0),
                             VG_ERR_CRYPTO);
            assert_int_equal(vg_tlog_consistency_verify(n, m, &roots[n], &roots[m], p, len),
                             VG_ERR_CRYPTO);
        }
    }
    assert_int_equal(checked, (MAXN - 1) * MAXN / 2);
    /* Outside the RFC's range: the empty tree, and a tree with itself. */
    assert_int_equal(vg_tlog_consistency_verify(0, 5, &roots[0], &roots[5], NULL, 0), VG_OK);
    assert_int_equal(vg_tlog_consistency_verify(5, 5, &roots[5], &roots[5], NULL, 0), VG_OK);
    assert_int_equal(vg_tlog_consistency_verify(5, 5, &roots[5], &roots[4], NULL, 0),
                     VG_ERR_CRYPTO);
    assert_int_equal(vg_tlog_consistency_verify(5, 5, &roots[5], &roots[5], roots, 1),
                     VG_ERR_CRYPTO);
}

/* A log that shows two histories: B equals A but for leaf x. No proof
 * built from either tree links an old head of one to a new head of the
 * other once the old head covers x, and two heads of one size differ. */
static void test_fork_is_not_consistent(void **state)
{
    (void)state;
    vg_tlog_hash a[MAXN], b[MAXN], p[VG_TLOG_MAX_PATH];
    leaves_of(a, MAXN);
    for (unsigned x = 0; x < MAXN; x++) {
        memcpy(b, a, sizeof a);
        b[x] = ref_leaf("forked", 6);
        for (unsigned n = x + 1; n <= MAXN; n++) {
            vg_tlog_hash ra_n, rb_n;
            vg_tlog_root(a, n, &ra_n);
            vg_tlog_root(b, n, &rb_n);
            assert_int_equal(vg_tlog_consistency_verify(n, n, &ra_n, &rb_n, NULL, 0),
                             VG_ERR_CRYPTO);
            for (unsigned m = x + 1; m < n; m++) {
                vg_tlog_hash ra_m, rb_m;
                size_t len;
                vg_tlog_root(a, m, &ra_m);
                vg_tlog_root(b, m, &rb_m);
                /* B's old head, A's new head: with A's proof and B's. */
                assert_int_equal(vg_tlog_consistency_proof(a, n, m, p, VG_TLOG_MAX_PATH, &len),
                                 VG_OK);
                assert_int_equal(vg_tlog_consistency_verify(m, n, &rb_m, &ra_n, p, len),
                                 VG_ERR_CRYPTO);
                assert_int_equal(vg_tlog_consistency_proof(b, n, m, p, VG_TLOG_MAX_PATH, &len),
                                 VG_OK);
                assert_int_equal(vg_tlog_consistency_verify(m, n, &rb_m, &ra_n, p, len),
                                 VG_ERR_CRYPTO);
                assert_int_equal(vg_tlog_consistency_verify(m, n, &rb_m, &rb_n, p, len), VG_OK);
            }
        }
    }
}

/* ---- entries and tree heads ---- */

static void test_bundle_entry(void **state)
{
    (void)state;
    uint8_t dg[32], back[32];
    for (int i = 0; i < 32; i++)
        dg[i] = (uint8_t)(0xa0 + i);
    char e[VG_TLOG_ENTRY_MAX];
    size_t n = vg_tlog_bundle_entry(42, dg, e);
    assert_string_equal(
        e, "vigil-bundle\n42\na0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n");
    assert_int_equal(n, strlen(e));
    uint64_t v = 0;
    assert_int_equal(vg_tlog_bundle_entry_parse(e, n, &v, back), VG_OK);
    assert_int_equal(v, 42);
    assert_memory_equal(back, dg, 32);
    n = vg_tlog_bundle_entry(UINT64_MAX, dg, e);
    assert_int_equal(vg_tlog_bundle_entry_parse(e, n, &v, back), VG_OK);
    assert_true(v == UINT64_MAX);

    const char *bad[] = {
        "vigil-bundle\n042\na0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n",
        "vigil-bundle\n42\nA0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n",
        "vigil-bundle\n42\na0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
        "vigil-bundle\n42\na0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n\n",
        "vigil-bundle\n\na0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n",
        ("vigil-bundle\n18446744073709551616\n"
         "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n"),
        "vigil-bundlf\n42\na0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n",
        "vigil-bundle\n42\na0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbeb\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(vg_tlog_bundle_entry_parse(bad[i], strlen(bad[i]), &v, back),
                         VG_ERR_MALFORMED);
}

static void test_sth_sign_verify(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], pk2[32], sk2[64];
    assert_int_equal(vg_bundle_keygen(pk, sk), VG_OK);
    assert_int_equal(vg_bundle_keygen(pk2, sk2), VG_OK);
    vg_tlog_hash d[5];
    leaves_of(d, 5);
    vg_tlog_sth s = {.tree_size = 5, .timestamp = 1714564800123ull};
    vg_tlog_root(d, 5, &s.root);
    char text[VG_TLOG_STH_TEXT_MAX], root[65];
    vg_tlog_hex(s.root.b, 32, root);
    char want[200];
    snprintf(want, sizeof want, "vigil-sth\n5\n%s\n1714564800123\n", root);
    assert_int_equal(vg_tlog_sth_text(&s, text, sizeof text), strlen(want));
    assert_string_equal(text, want);
    assert_int_equal(vg_tlog_sth_text(&s, text, 20), 0);

    assert_int_equal(vg_tlog_sth_sign(&s, sk), VG_OK);
    assert_int_equal(vg_tlog_sth_verify(&s, pk), VG_OK);
    assert_int_equal(vg_tlog_sth_verify(&s, pk2), VG_ERR_CRYPTO);
    vg_tlog_sth t = s;
    t.tree_size = 6;
    assert_int_equal(vg_tlog_sth_verify(&t, pk), VG_ERR_CRYPTO);
    t = s;
    t.timestamp++;
    assert_int_equal(vg_tlog_sth_verify(&t, pk), VG_ERR_CRYPTO);
    t = s;
    flip(&t.root, 3);
    assert_int_equal(vg_tlog_sth_verify(&t, pk), VG_ERR_CRYPTO);
    t = s;
    t.signature[63] ^= 0x80;
    assert_int_equal(vg_tlog_sth_verify(&t, pk), VG_ERR_CRYPTO);

    /* JSON round trip, and what the parser refuses. */
    char js[300];
    size_t jn = vg_tlog_sth_json(&s, js, sizeof js);
    assert_true(jn > 0 && jn == strlen(js));
    assert_non_null(strstr(js, "{\"tree_size\":5,\"root_hash\":\""));
    vg_tlog_sth back;
    assert_int_equal(vg_tlog_sth_parse(js, jn, &back), VG_OK);
    assert_memory_equal(&back, &s, sizeof s);
    assert_int_equal(vg_tlog_sth_verify(&back, pk), VG_OK);
    char sig[129];
    vg_tlog_hex(s.signature, 64, sig);
    const char *fmt_bad[] = {
        "{\"tree_size\":5,\"root_hash\":\"%s\",\"timestamp\":1,\"signature\":\"%s\",\"x\":1}",
        "{\"tree_size\":-5,\"root_hash\":\"%s\",\"timestamp\":1,\"signature\":\"%s\"}",
        "{\"tree_size\":\"5\",\"root_hash\":\"%s\",\"timestamp\":1,\"signature\":\"%s\"}",
        "{\"tree_size\":5,\"root_hash\":\"%.62s\",\"timestamp\":1,\"signature\":\"%s\"}",
        "{\"tree_size\":5,\"root_hash\":\"%s\",\"timestamp\":1.5,\"signature\":\"%s\"}",
        "{\"tree_size\":5,\"root_hash\":\"%s\",\"timestamp\":1,\"signature\":\"%.126s\"}",
        "[\"%s\",\"%s\"]",
    };
    for (size_t i = 0; i < sizeof fmt_bad / sizeof fmt_bad[0]; i++) {
        char b[400];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        int bn = snprintf(b, sizeof b, fmt_bad[i], root, sig);
#pragma GCC diagnostic pop
        assert_int_equal(vg_tlog_sth_parse(b, (size_t)bn, &back), VG_ERR_MALFORMED);
    }
    assert_int_equal(vg_tlog_sth_parse("{", 1, &back), VG_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_leaf_hashes),
        cmocka_unit_test(test_ct_vectors),
        cmocka_unit_test(test_roots_by_hand),
        cmocka_unit_test(test_proofs_by_hand),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_every_inclusion_proof),
        cmocka_unit_test(test_every_consistency_proof),
        cmocka_unit_test(test_fork_is_not_consistent),
        cmocka_unit_test(test_bundle_entry),
        cmocka_unit_test(test_sth_sign_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
