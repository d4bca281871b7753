/* The transparency log of signature bundles: an RFC 9162 (section 2.1)
 * Merkle tree over log entries, its proofs, and signed tree heads (STH).
 * The server (vigil-server) builds proofs; a client (vigil update, vigil
 * tlog verify) checks them. Both use this one implementation.
 *
 *     vg_tlog_hash leaves[3];
 *     char e[VG_TLOG_ENTRY_MAX];
 *     size_t n = vg_tlog_bundle_entry(7, digest, e);   // "vigil-bundle\n7\n<hex>\n"
 *     vg_tlog_leaf_hash(e, n, &leaves[2]);             // SHA-256(0x00 || entry)
 *     vg_tlog_root(leaves, 3, &root);                  // MTH(D[3])
 *     vg_tlog_inclusion_proof(leaves, 3, 2, path, VG_TLOG_MAX_PATH, &plen);
 *     if (vg_tlog_inclusion_verify(2, 3, &leaves[2], path, plen, &root) != VG_OK)
 *         refuse: the bundle is not in the log the STH describes
 *
 * Hashes: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left ||
 * right), the root of an empty tree = SHA-256(""). Proofs list sibling
 * hashes from the leaf (or the old tree's edge) upwards, exactly as RFC 9162
 * 2.1.3.1 (PATH) and 2.1.4.1 (PROOF) define them; verification follows
 * 2.1.3.2 and 2.1.4.2 step by step.
 *
 * STH: {"tree_size":N,"root_hash":"<hex>","timestamp":<unix ms>,
 * "signature":"<hex>"}; the Ed25519 signature (libsodium
 * crypto_sign_detached) covers the ASCII text
 * "vigil-sth\n<tree_size>\n<root_hash hex>\n<timestamp>\n".
 *
 * Keys: the log's key pair uses the key-file format and functions of
 * <vigil/bundle.h> (vg_bundle_keygen, vg_bundle_key_read_public/secret):
 * one line of hex, 64 digits public, 128 secret.
 *
 * Errors: VG_ERR_CRYPTO means "does not verify" (a proof or signature that
 * is wrong); VG_ERR_INVALID_ARG a request that makes no sense (index past
 * the tree, first > second); VG_ERR_MALFORMED text that does not parse.
 * Every function is thread-safe; nothing is kept between calls. */
#ifndef VIGIL_TLOG_H
#define VIGIL_TLOG_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VG_TLOG_HASH_SIZE 32
/* Longest proof any tree of at most 2^64 - 1 leaves needs (a consistency
 * proof is at most one hash longer than an inclusion proof). */
#define VG_TLOG_MAX_PATH 65
/* "vigil-bundle\n" + 20 digits + "\n" + 64 hex + "\n" + NUL, rounded up. */
#define VG_TLOG_ENTRY_MAX 112
/* The STH signing text at most, with its NUL. */
#define VG_TLOG_STH_TEXT_MAX 128

typedef struct vg_tlog_hash {
    uint8_t b[VG_TLOG_HASH_SIZE];
} vg_tlog_hash;

typedef struct vg_tlog_sth {
    uint64_t tree_size;
    vg_tlog_hash root;
    uint64_t timestamp; /* unix milliseconds */
    uint8_t signature[64];
} vg_tlog_sth;

/* ---- hashing ---- */

/* SHA-256(0x00 || entry[0..len)). */
void vg_tlog_leaf_hash(const void *entry, size_t len, vg_tlog_hash *out);
/* SHA-256(0x01 || left || right). */
void vg_tlog_node_hash(const vg_tlog_hash *left, const vg_tlog_hash *right, vg_tlog_hash *out);
/* MTH of the n leaf hashes (n may be 0: SHA-256 of the empty string). */
void vg_tlog_root(const vg_tlog_hash *leaves, uint64_t n, vg_tlog_hash *out);

/* The leaf entry of a bundle: "vigil-bundle\n<version>\n<sha256 hex>\n"
 * written into out (NUL-terminated); returns its length without the NUL. */
size_t vg_tlog_bundle_entry(uint64_t version, const uint8_t digest[32],
                            char out[VG_TLOG_ENTRY_MAX]);
/* Parses a bundle entry exactly as vg_tlog_bundle_entry writes it (decimal
 * without leading zeros, lowercase hex). VG_ERR_MALFORMED otherwise. */
vg_error vg_tlog_bundle_entry_parse(const char *entry, size_t len, uint64_t *version,
                                    uint8_t digest[32]);

/* ---- proofs ---- */

/* PATH(index, D[n]) of RFC 9162 2.1.3.1 into path (room for cap hashes);
 * *len gets its length. VG_ERR_INVALID_ARG if index >= n, VG_ERR_LIMIT if
 * cap is too small (VG_TLOG_MAX_PATH is always enough). */
vg_error vg_tlog_inclusion_proof(const vg_tlog_hash *leaves, uint64_t n, uint64_t index,
                                 vg_tlog_hash *path, size_t cap, size_t *len);
/* RFC 9162 2.1.3.2: VG_OK when path proves that leaf is entry index of the
 * tree of size tree_size with root; VG_ERR_CRYPTO otherwise (also for an
 * index past the tree or a path of the wrong length). */
vg_error vg_tlog_inclusion_verify(uint64_t index, uint64_t tree_size, const vg_tlog_hash *leaf,
                                  const vg_tlog_hash *path, size_t len, const vg_tlog_hash *root);

/* PROOF(m, D[n]) of RFC 9162 2.1.4.1: the consistency proof from the tree
 * of the first m leaves to the tree of all n. 0 < m <= n (m == n gives an
 * empty proof); VG_ERR_INVALID_ARG otherwise. */
vg_error vg_tlog_consistency_proof(const vg_tlog_hash *leaves, uint64_t n, uint64_t m,
                                   vg_tlog_hash *path, size_t cap, size_t *len);
/* RFC 9162 2.1.4.2: VG_OK when path proves that the tree of size first
 * with root first_root is a prefix of the tree of size second with root
 * second_root. Two cases the RFC leaves to the caller are decided here:
 * first == second holds with an empty path when the roots are equal, and
 * first == 0 (the empty tree) holds with an empty path. Anything else,
 * including first > second, is VG_ERR_CRYPTO. */
vg_error vg_tlog_consistency_verify(uint64_t first, uint64_t second, const vg_tlog_hash *first_root,
                                    const vg_tlog_hash *second_root, const vg_tlog_hash *path,
                                    size_t len);

/* ---- signed tree heads ---- */

/* The signing text of sth into out; returns its length (< cap) or 0 if cap
 * is too small. */
size_t vg_tlog_sth_text(const vg_tlog_sth *sth, char *out, size_t cap);
/* Fills sth->signature with the Ed25519 signature of its text by sk. */
vg_error vg_tlog_sth_sign(vg_tlog_sth *sth, const uint8_t sk[64]);
/* VG_OK when sth->signature is the signature of its text by pk, else
 * VG_ERR_CRYPTO. */
vg_error vg_tlog_sth_verify(const vg_tlog_sth *sth, const uint8_t pk[32]);
/* The STH as compact JSON, members in the order of the header comment;
 * returns the length (< cap) or 0 if cap is too small (300 is enough). */
size_t vg_tlog_sth_json(const vg_tlog_sth *sth, char *out, size_t cap);
/* Parses STH JSON (any member order, no other members, hex of the right
 * lengths, integers >= 0). Does not check the signature. */
vg_error vg_tlog_sth_parse(const char *json, size_t len, vg_tlog_sth *out);

/* ---- hex ---- */

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void vg_tlog_hex(const uint8_t *p, size_t n, char *out);
/* Exactly 2n hex digits (either case) from s into out. VG_ERR_MALFORMED
 * otherwise. */
vg_error vg_tlog_unhex(const char *s, size_t slen, uint8_t *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif
