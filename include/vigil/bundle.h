/* Signature bundles (.vgb): a signed, versioned archive of signature files.
 *
 *     vg_bundle *b;
 *     char err[256];
 *     if (vg_bundle_open_file("daily-42.vgb", &b, err, sizeof err) != VG_OK)
 *         die("%s", err);                      bounds, manifest, file digests
 *     if (vg_bundle_verify_sig(b, vendor_pk) != VG_OK)
 *         die("bad signature");                VG_ERR_CRYPTO
 *     vg_bundle_extract(b, "/var/lib/vigil/db.new");
 *     if (vg_bundle_may_upload(b, "Win.Trojan.X"))  ...
 *     vg_bundle_free(b);
 *
 * The byte layout is in docs/updates.md ("Bundles"): a fixed header (magic,
 * format version, manifest length), the manifest (JSON: version, created,
 * files with size, sha256, signature and upload-trigger counts, and the
 * names of the signatures that may trigger an upload), the file contents in
 * manifest order, and an Ed25519 signature (libsodium crypto_sign_detached)
 * by the vendor key over every byte before it. An unsigned bundle (as
 * `vigil sigtool build` writes it without a key) simply ends after the
 * contents.
 *
 * A bundle is hostile input until its signature verifies: everything the
 * reader parses is bounded (VG_BUNDLE_MAX_*), and a bundle that breaks a
 * rule is VG_ERR_MALFORMED with a message naming the byte offset. An opened
 * bundle is immutable and may be read from several threads at once. */
#ifndef VIGIL_BUNDLE_H
#define VIGIL_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/diag.h>
#include <vigil/error.h>
#include <vigil/lint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VG_BUNDLE_MAX_SIZE     (512ull << 20) /* the whole file */
#define VG_BUNDLE_MAX_MANIFEST (32u << 20)    /* manifest bytes */
#define VG_BUNDLE_MAX_FILES    4096u          /* signature files in one bundle */
#define VG_BUNDLE_MAX_NAME     128u           /* bytes of a file name */
#define VG_BUNDLE_MAX_TRIGGERS 2000000u       /* names in upload_triggers */
#define VG_BUNDLE_MAX_SIGNAME  256u           /* bytes of one signature name */
#define VG_BUNDLE_SIG_BYTES    64u            /* Ed25519 signature */
#define VG_BUNDLE_PUBKEY_BYTES 32u
#define VG_BUNDLE_SECKEY_BYTES 64u

typedef struct vg_bundle vg_bundle;

/* ---- reading ---- */

/* Parses p[0..n) (copied): header, bounds, manifest, and the SHA-256 and
 * size of every file against the manifest. Does NOT check the signature
 * (vg_bundle_verify_sig). On failure *out is NULL and err holds one line,
 * e.g. "malformed at offset 16: manifest: 'version' must be an integer" or
 * "digest mismatch for file main.ndb". err may be NULL. */
vg_error vg_bundle_open_mem(const uint8_t *p, size_t n, vg_bundle **out, char *err, size_t errlen);
/* As vg_bundle_open_mem on a file's bytes (VG_ERR_IO if it cannot be read,
 * VG_ERR_LIMIT if it is larger than VG_BUNDLE_MAX_SIZE). */
vg_error vg_bundle_open_file(const char *path, vg_bundle **out, char *err, size_t errlen);
/* NULL is a no-op. */
void vg_bundle_free(vg_bundle *b);

/* VG_OK when the bundle carries an Ed25519 signature by pubkey over every
 * byte before it; VG_ERR_CRYPTO when it is unsigned or the signature does
 * not verify (wrong key, or any byte changed). */
vg_error vg_bundle_verify_sig(const vg_bundle *b, const uint8_t pubkey[32]);
/* 1 when the bundle ends in a signature (not yet verified), else 0. */
int vg_bundle_is_signed(const vg_bundle *b);

uint64_t vg_bundle_version(const vg_bundle *b);
uint64_t vg_bundle_created(const vg_bundle *b); /* unix seconds */
/* SHA-256 of the whole file, signature included: what the transparency log
 * records. */
void vg_bundle_digest(const vg_bundle *b, uint8_t out[32]);
/* The manifest as stored (NUL-terminated JSON). Borrowed until vg_bundle_free. */
const char *vg_bundle_manifest_json(const vg_bundle *b);
/* The whole file as opened; borrowed until vg_bundle_free. */
const uint8_t *vg_bundle_bytes(const vg_bundle *b, size_t *len);

typedef struct vg_bundle_file {
    const char *name;    /* a plain file name: no '/', no "..", known signature extension */
    const uint8_t *data; /* the contents, borrowed until vg_bundle_free */
    uint64_t size;
    uint8_t sha256[32];
    uint64_t signatures;      /* as counted by sigtool build */
    uint64_t upload_triggers; /* how many of them may trigger an upload */
} vg_bundle_file;

size_t vg_bundle_file_count(const vg_bundle *b);
/* Fills *out for file i (in manifest order); VG_ERR_INVALID_ARG if i is out of range. */
vg_error vg_bundle_file_get(const vg_bundle *b, size_t i, vg_bundle_file *out);

/* 1 if signame is listed in the manifest's upload_triggers, else 0: only
 * those signatures may trigger an upload; the rest only detect. */
int vg_bundle_may_upload(const vg_bundle *b, const char *signame);
/* The upload triggers in byte order of their names; borrowed strings. */
size_t vg_bundle_trigger_count(const vg_bundle *b);
const char *vg_bundle_trigger(const vg_bundle *b, size_t i);

/* The client's own lint (DESIGN.md P5: refused "by sigtool and by the
 * client"): re-runs lint (vigil/lint.h) over the bundle's files and calls
 * fn for every signature that the manifest lists as an upload trigger but
 * a lint rule refuses (item->refused; hash signatures listed as triggers
 * are accepted, since that is the vendor's --hash-triggers decision).
 * *n_refused gets their number: a client should treat those names as
 * detect-only, or refuse the bundle. fn may be NULL. A file that does not
 * parse is VG_ERR_MALFORMED with diag set. */
vg_error vg_bundle_lint_check(const vg_bundle *b, vg_lint_fn fn, void *ud, size_t *n_refused,
                              vg_diag *diag);

/* Writes every signature file into dir, which must exist and be empty
 * (VG_ERR_EXISTS otherwise): each file is created exclusively (never
 * through a symlink), written, fsynced; then dir is fsynced. On failure
 * the files written so far are removed. */
vg_error vg_bundle_extract(const vg_bundle *b, const char *dir);

/* ---- writing (vigil sigtool) ---- */

typedef struct vg_bundle_src {
    const char *name; /* the file name in the bundle (a plain name, see vg_bundle_file) */
    const void *data;
    size_t len;
} vg_bundle_src;

typedef struct vg_bundle_build_opts {
    uint64_t version;  /* >= 1, <= INT64_MAX */
    uint64_t created;  /* unix seconds; <= INT64_MAX */
    int hash_triggers; /* hash signatures may trigger uploads (default: detect only) */
    /* Called for every signature with its lint verdict (vigil/lint.h); may be
     * NULL. Nonzero from it stops the build with VG_ERR_ABORTED. */
    vg_lint_fn on_sig;
    void *ud;
} vg_bundle_build_opts;

/* Lints and counts every file (each must parse: a malformed line fails the
 * build with VG_ERR_MALFORMED and diag = file:line:col), and writes an
 * unsigned bundle into a new buffer *out (free with vg_bundle_buf_free).
 * A signature name is an upload trigger only if every signature of that
 * name in the bundle may trigger (one refused instance makes the name
 * detect-only, since the client looks triggers up by name). */
vg_error vg_bundle_build(const vg_bundle_build_opts *opts, const vg_bundle_src *files, size_t n,
                         uint8_t **out, size_t *outlen, vg_diag *diag);

/* Signs the bundle in[0..n) (which must open; an existing signature is
 * replaced) with an Ed25519 secret key into a new buffer *out. */
vg_error vg_bundle_sign(const uint8_t *in, size_t n, const uint8_t seckey[64], uint8_t **out,
                        size_t *outlen, char *err, size_t errlen);
/* Frees a buffer of vg_bundle_build / vg_bundle_sign. NULL is a no-op. */
void vg_bundle_buf_free(uint8_t *p);

/* ---- keys ----
 * Key files: a public key is one line of 64 hex digits (the 32-byte
 * Ed25519 key); a secret key is one line of 128 hex digits (libsodium's
 * 64-byte secret key: seed then public key). The same format serves the
 * transparency log's key. */

/* A new random key pair (libsodium crypto_sign_keypair). */
vg_error vg_bundle_keygen(uint8_t pubkey[32], uint8_t seckey[64]);
/* Writes PREFIX.sec (mode 0600, created exclusively) and PREFIX.pub.
 * VG_ERR_EXISTS if either exists. */
vg_error vg_bundle_key_write(const char *prefix, const uint8_t pubkey[32], const uint8_t seckey[64],
                             char *err, size_t errlen);
/* Reads a key file (surrounding white space allowed); VG_ERR_MALFORMED
 * with a message if it is not exactly the hex of one key. A secret key
 * whose public half does not belong to its seed is refused. */
vg_error vg_bundle_key_read_public(const char *path, uint8_t pubkey[32], char *err, size_t errlen);
vg_error vg_bundle_key_read_secret(const char *path, uint8_t seckey[64], char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
