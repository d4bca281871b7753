/* Verification of the log's proofs, following RFC 9162 2.1.3.2 (inclusion)
 * and 2.1.4.2 (consistency) step by step; the step numbers in the comments
 * are the RFC's.
 *
 * Both walk two counters down the tree: fn, the position of the node being
 * rebuilt, and sn, the last position of the tree at that level. When fn is
 * a right child (odd), or the last node of its level (fn == sn, a node
 * promoted without a sibling), the proof's hash goes on the left; otherwise
 * on the right. A proof that is too long runs sn down to 0 before it ends,
 * one that is too short leaves sn above 0: both fail, so the length is
 * checked by the walk itself.
 *
 * Proofs come from the network: every index and length here is hostile
 * input. Nothing is indexed by a value from the proof, and the loops are
 * bounded by the proof's length, itself capped at VG_TLOG_MAX_PATH + 1. */
#include <sodium.h>
#include <vigil/tlog.h>

static int same(const vg_tlog_hash *a, const vg_tlog_hash *b)
{
    return sodium_memcmp(a->b, b->b, VG_TLOG_HASH_SIZE) == 0;
}

vg_error vg_tlog_inclusion_verify(uint64_t index, uint64_t tree_size, const vg_tlog_hash *leaf,
                                  const vg_tlog_hash *path, size_t len, const vg_tlog_hash *root)
{
    if (leaf == NULL || root == NULL || (path == NULL && len > 0) || len > VG_TLOG_MAX_PATH)
        return VG_ERR_CRYPTO;
    /* 1 */
    if (index >= tree_size)
        return VG_ERR_CRYPTO;
    /* 2, 3 */
    uint64_t fn = index, sn = tree_size - 1;
    vg_tlog_hash r = *leaf;
    /* 4 */
    for (size_t i = 0; i < len; i++) {
        const vg_tlog_hash *p = &path[i];
        if (sn == 0) /* 4a */
            return VG_ERR_CRYPTO;
        if ((fn & 1) || fn == sn) { /* 4b */
            vg_tlog_node_hash(p, &r, &r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            vg_tlog_node_hash(&r, p, &r);
        }
        fn >>= 1; /* 4c */
        sn >>= 1;
    }
    /* 5 */
    return (sn == 0 && same(&r, root)) ? VG_OK : VG_ERR_CRYPTO;
}

/* The i-th hash of the consistency path, with the old root in front when
 * step 2 prepends it. */
static const vg_tlog_hash *hash_at(const vg_tlog_hash *path, const vg_tlog_hash *first_root,
                                   int prepended, size_t i)
{
    if (!prepended)
        return &path[i];
    return i == 0 ? first_root : &path[i - 1];
}

vg_error vg_tlog_consistency_verify(uint64_t first, uint64_t second, const vg_tlog_hash *first_root,
                                    const vg_tlog_hash *second_root, const vg_tlog_hash *path,
                                    size_t len)
{
    if (first_root == NULL || second_root == NULL || (path == NULL && len > 0) ||
        len > VG_TLOG_MAX_PATH || first > second)
        return VG_ERR_CRYPTO;
    /* Outside the RFC's algorithm, which assumes 0 < first < second: the
     * empty tree is a prefix of every tree, and a tree is consistent with
     * itself exactly when the roots agree. Either way nothing is to be
     * proven, so a non-empty path is refused. */
    if (first == 0 || first == second) {
        if (len != 0)
            return VG_ERR_CRYPTO;
        return (first == 0 || same(first_root, second_root)) ? VG_OK : VG_ERR_CRYPTO;
    }
    /* 1 */
    if (len == 0)
        return VG_ERR_CRYPTO;
    /* 2: when first is a power of two the old root is a node of the new
     * tree and the proof leaves it out; read it as the path's first hash. */
    int pow2 = (first & (first - 1)) == 0;
    size_t total = len + (pow2 ? 1 : 0);
    /* 3 */
    uint64_t fn = first - 1, sn = second - 1;
    /* 4 */
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    /* 5 */
    vg_tlog_hash fr = *hash_at(path, first_root, pow2, 0), sr = fr;
    /* 6 */
    for (size_t i = 1; i < total; i++) {
        const vg_tlog_hash *c = hash_at(path, first_root, pow2, i);
        if (sn == 0) /* 6a */
            return VG_ERR_CRYPTO;
        if ((fn & 1) || fn == sn) { /* 6b */
            vg_tlog_node_hash(c, &fr, &fr);
            vg_tlog_node_hash(c, &sr, &sr);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            vg_tlog_node_hash(&sr, c, &sr);
        }
        fn >>= 1; /* 6c */
        sn >>= 1;
    }
    /* 7 */
    return (sn == 0 && same(&fr, first_root) && same(&sr, second_root)) ? VG_OK : VG_ERR_CRYPTO;
}
