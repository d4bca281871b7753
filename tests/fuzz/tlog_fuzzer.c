/* libFuzzer harness for the log's proof verification (lib/privacy/
 * tlog_proof.c) and STH parsing (tlog_sth.c).
 *
 * The input steers a proof against a fixed tree of n leaves ("leaf 0",
 * "leaf 1", ...):
 *
 *     byte 0      n - 1 (n = 1..64)
 *     byte 1      bit 0: inclusion or consistency; bit 1: start from the
 *                 genuine proof (the rest is XORed into it) or take the
 *                 rest as the proof itself; bits 2-7: proof length change
 *     byte 2, 3   index / first size, tree size claimed (may be past n)
 *     byte 4      which leaf is claimed (inclusion) or which leaf the old
 *                 tree has forked (consistency; >= n: none)
 *     rest        32-byte hashes
 *
 * Whatever the input, the verifier must not crash, and whenever it accepts,
 * the claim must be true: the claimed leaf is the tree's leaf at that
 * index, the old root is the real root of the first m leaves, and the path
 * is the genuine proof (accepting anything else would mean a SHA-256
 * collision was found). A false acceptance aborts. The whole input is also
 * given to vg_tlog_sth_parse and vg_tlog_bundle_entry_parse. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/tlog.h>

#define MAXN 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vg_tlog_hash leaf_of(unsigned i, int forked)
{
    char e[32];
    int n = snprintf(e, sizeof e, forked ? "forked %u" : "leaf %u", i);
    vg_tlog_hash h;
    vg_tlog_leaf_hash(e, (size_t)n, &h);
    return h;
}

static int same_path(const vg_tlog_hash *a, size_t alen, const vg_tlog_hash *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen * sizeof *a) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_tlog_sth sth;
    uint64_t version;
    uint8_t digest[32];
    (void)vg_tlog_sth_parse((const char *)data, size, &sth);
    (void)vg_tlog_bundle_entry_parse((const char *)data, size, &version, digest);
    if (size < 5)
        return 0;

    unsigned n = 1 + data[0] % MAXN;
    int consistency = data[1] & 1, from_genuine = (data[1] >> 1) & 1;
    int len_change = (int)(data[1] >> 2) % 5 - 2; /* -2 .. +2 */
    uint64_t a = data[2], claimed_size = data[3];
    unsigned pick = data[4];
    const uint8_t *rest = data + 5;
    size_t nrest = size - 5;

    vg_tlog_hash leaves[MAXN], forked[MAXN];
    for (unsigned i = 0; i < n; i++) {
        leaves[i] = leaf_of(i, 0);
        forked[i] = i == pick ? leaf_of(i, 1) : leaves[i];
    }
    vg_tlog_hash genuine[VG_TLOG_MAX_PATH + 2], path[VG_TLOG_MAX_PATH + 2];
    size_t glen = 0;
    memset(genuine, 0, sizeof genuine);
    memset(path, 0, sizeof path);
    vg_tlog_hash root;
    vg_tlog_root(leaves, n, &root);
    /* The claim is about the tree of claimed_size leaves: only its real
     * root is offered, so an acceptance is a claim about that tree. */
    uint64_t csize = claimed_size <= n ? claimed_size : n;
    vg_tlog_hash croot;
    vg_tlog_root(leaves, csize, &croot);

    if (!consistency) {
        if (a < csize)
            (void)vg_tlog_inclusion_proof(leaves, csize, a, genuine, VG_TLOG_MAX_PATH, &glen);
    } else if (a >= 1 && a <= csize) {
        (void)vg_tlog_consistency_proof(leaves, csize, a, genuine, VG_TLOG_MAX_PATH, &glen);
    }

    size_t plen;
    if (from_genuine) {
        long l = (long)glen + len_change;
        plen = l < 0 ? 0 : (size_t)l;
        memcpy(path, genuine, sizeof path);
        uint8_t *pb = (uint8_t *)path;
        for (size_t i = 0; i < nrest && i < sizeof path; i++)
            pb[i] ^= rest[i];
    } else {
        plen = nrest / 32 > VG_TLOG_MAX_PATH + 1 ? VG_TLOG_MAX_PATH + 1 : nrest / 32;
        memcpy(path, rest, plen * 32);
    }

    if (!consistency) {
        vg_tlog_hash claimed = leaf_of(pick, 0);
        if (vg_tlog_inclusion_verify(a, csize, &claimed, path, plen, &croot) == VG_OK) {
            if (a >= csize || pick != a || !same_path(path, plen, genuine, glen))
                abort(); /* accepted a leaf that is not there */
        }
    } else {
        /* The old head comes from the forked history when pick < a. */
        vg_tlog_hash old_root;
        vg_tlog_root(forked, a <= n ? a : n, &old_root);
        if (vg_tlog_consistency_verify(a, csize, &old_root, &croot, path, plen) == VG_OK) {
            int real = a <= csize && (a == 0 || pick >= a);
            int proof_ok =
                (a == 0 || a == csize) ? plen == 0 : same_path(path, plen, genuine, glen);
            if (!real || !proof_ok)
                abort(); /* accepted a fork or a wrong proof */
        }
    }
    return 0;
}
