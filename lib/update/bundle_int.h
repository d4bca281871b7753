/* Internals shared by the bundle reader, writer and extractor.
 *
 * The file, byte by byte (docs/updates.md has the full description):
 *
 *     0    8  magic 89 'V' 'G' 'B' 0d 0a 1a 0a (PNG's trick: a transfer that
 *             mangles line ends or the 8th bit breaks the magic, not a file)
 *     8    4  format version, big-endian (1)
 *     12   4  manifest length M, big-endian (1 .. VG_BUNDLE_MAX_MANIFEST)
 *     16   M  manifest, JSON
 *     16+M    the files' contents, in manifest order, sizes from the manifest
 *     then    nothing (unsigned) or the 64-byte Ed25519 signature of every
 *             byte before it
 *
 * The reader knows where the contents end from the manifest, so the bytes
 * left over say whether the bundle is signed: 0 or 64, anything else is
 * malformed. */
#ifndef VGI_UPDATE_BUNDLE_INT_H
#define VGI_UPDATE_BUNDLE_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/bundle.h>

#define VGI_BUNDLE_MAGIC      "\x89VGB\r\n\x1a\n"
#define VGI_BUNDLE_MAGIC_LEN  8u
#define VGI_BUNDLE_FORMAT     1u
#define VGI_BUNDLE_HEADER_LEN 16u

typedef struct vgi_bundle_entry {
    const char *name; /* borrowed from the manifest's json */
    uint64_t off;     /* of the contents in the file */
    uint64_t size;
    uint8_t sha256[32];
    uint64_t signatures, upload_triggers;
} vgi_bundle_entry;

struct vg_bundle {
    uint8_t *bytes; /* the whole file */
    size_t len;
    size_t body_len; /* bytes covered by the signature */
    int is_signed;
    uint8_t digest[32];
    char *manifest; /* NUL-terminated copy */
    json_t *root;
    uint64_t version, created;
    vgi_bundle_entry *files;
    size_t n_files;
    const char **triggers; /* sorted by strcmp; strings borrowed from root */
    size_t n_triggers;
};

/* Validates the manifest of b (b->manifest set, manifest_off its offset in
 * the file) and fills version, created, files (offsets from contents_off),
 * triggers. On failure returns VG_ERR_MALFORMED (or NOMEM) with err set. */
vg_error vgi_bundle_parse_manifest(vg_bundle *b, uint64_t manifest_off, uint64_t contents_off,
                                   char *err, size_t errlen);

/* 1 if name is acceptable as a file name in a bundle (plain, bounded,
 * printable ASCII from [A-Za-z0-9._+-], no leading '.', known signature
 * extension); else 0 with a reason in *why. */
int vgi_bundle_name_ok(const char *name, size_t len, const char **why);

/* Writes "malformed at offset N: ..." into err; returns VG_ERR_MALFORMED. */
vg_error vgi_bundle_bad(char *err, size_t errlen, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* err formatted as is; returns code. */
vg_error vgi_bundle_err(char *err, size_t errlen, vg_error code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void vgi_sha256(const void *p, size_t n, uint8_t out[32]);
/* Lower-case hex of p[0..n) into out (2n + 1 bytes). */
void vgi_hex_lower(const uint8_t *p, size_t n, char *out);

#endif
