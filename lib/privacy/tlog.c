/* The Merkle tree of the transparency log (RFC 9162 2.1): leaf and node
 * hashes, the tree hash MTH of n leaves, and the two proofs a log serves.
 *
 * A tree of 5 leaves d0..d4 splits at the largest power of two below 5:
 *
 *                 root = node(A, d4)
 *                /                  \
 *     A = node(node(d0,d1), node(d2,d3))    d4
 *
 * The inclusion proof of d2 in it is [d3, node(d0,d1), d4]: the siblings
 * met on the way from d2 up to the root. The consistency proof from size 3
 * to 5 is [d2, d3, node(d0,d1), d4]: enough to rebuild both the old root
 * node(node(d0,d1), d2) and the new one.
 *
 * Both proofs are built top-down, walking the split points from the root
 * towards the leaf (or the old tree's right edge) and collecting the other
 * side's subtree hash at each step; the RFC defines them bottom-up, so the
 * collected list is reversed at the end. Each subtree hash is computed from
 * the leaf hashes, so a proof costs O(n) hashing: the server keeps no
 * interior nodes, which keeps its storage to the leaves alone. */
#include <sodium.h>
#include <string.h>
#include <vigil/tlog.h>

void vg_tlog_leaf_hash(const void *entry, size_t len, vg_tlog_hash *out)
{
    static const uint8_t prefix = 0x00;
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, &prefix, 1);
    if (len > 0)
        crypto_hash_sha256_update(&s, entry, len);
    crypto_hash_sha256_final(&s, out->b);
}

void vg_tlog_node_hash(const vg_tlog_hash *left, const vg_tlog_hash *right, vg_tlog_hash *out)
{
    static const uint8_t prefix = 0x01;
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, &prefix, 1);
    crypto_hash_sha256_update(&s, left->b, sizeof left->b);
    crypto_hash_sha256_update(&s, right->b, sizeof right->b);
    crypto_hash_sha256_final(&s, out->b); /* out may alias left or right: read before */
}

/* The largest power of two smaller than n (n >= 2). */
static uint64_t split(uint64_t n)
{
    return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* Depth is at most 64: each level halves the larger side at least. */
static void mth(const vg_tlog_hash *d, uint64_t n, vg_tlog_hash *out)
{
    if (n == 1) {
        *out = d[0];
        return;
    }
    uint64_t k = split(n);
    vg_tlog_hash l, r;
    mth(d, k, &l);
    mth(d + k, n - k, &r);
    vg_tlog_node_hash(&l, &r, out);
}

void vg_tlog_root(const vg_tlog_hash *leaves, uint64_t n, vg_tlog_hash *out)
{
    if (n == 0) {
        crypto_hash_sha256(out->b, (const uint8_t *)"", 0);
        return;
    }
    mth(leaves, n, out);
}

/* Copies the top-down list tmp[0..count) into path bottom-up. */
static vg_error emit(const vg_tlog_hash *tmp, size_t count, vg_tlog_hash *path, size_t cap,
                     size_t *len)
{
    if (count > cap)
        return VG_ERR_LIMIT;
    for (size_t i = 0; i < count; i++)
        path[i] = tmp[count - 1 - i];
    *len = count;
    return VG_OK;
}

vg_error vg_tlog_inclusion_proof(const vg_tlog_hash *leaves, uint64_t n, uint64_t index,
                                 vg_tlog_hash *path, size_t cap, size_t *len)
{
    if (len == NULL || leaves == NULL || (path == NULL && cap > 0))
        return VG_ERR_INVALID_ARG;
    *len = 0;
    if (index >= n)
        return VG_ERR_INVALID_ARG;
    vg_tlog_hash tmp[VG_TLOG_MAX_PATH];
    size_t count = 0;
    uint64_t lo = 0, size = n, m = index;
    while (size > 1) {
        uint64_t k = split(size);
        if (m < k) {
            mth(leaves + lo + k, size - k, &tmp[count++]); /* right sibling */
            size = k;
        } else {
            mth(leaves + lo, k, &tmp[count++]); /* left sibling */
            lo += k;
            m -= k;
            size -= k;
        }
    }
    return emit(tmp, count, path, cap, len);
}

vg_error vg_tlog_consistency_proof(const vg_tlog_hash *leaves, uint64_t n, uint64_t m,
                                   vg_tlog_hash *path, size_t cap, size_t *len)
{
    if (len == NULL || leaves == NULL || (path == NULL && cap > 0))
        return VG_ERR_INVALID_ARG;
    *len = 0;
    if (m == 0 || m > n)
        return VG_ERR_INVALID_ARG;
    vg_tlog_hash tmp[VG_TLOG_MAX_PATH];
    size_t count = 0;
    uint64_t lo = 0, size = n, mm = m;
    int whole = 1; /* SUBPROOF's b: the old tree is still a whole subtree seen so far */
    while (mm != size) {
        uint64_t k = split(size);
        if (mm <= k) {
            mth(leaves + lo + k, size - k, &tmp[count++]);
            size = k;
        } else {
            mth(leaves + lo, k, &tmp[count++]);
            lo += k;
            size -= k;
            mm -= k;
            whole = 0;
        }
    }
    /* The old tree's last subtree: the verifier knows it already when it
     * is the whole old tree (b = true), otherwise it must be sent. */
    if (!whole)
        mth(leaves + lo, size, &tmp[count++]);
    return emit(tmp, count, path, cap, len);
}
