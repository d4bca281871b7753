/* Publishing a signature bundle into the transparency log, shared by
 * `POST /v1/bundles` (h_log.c) and `vigil-server publish` (cmd_log.c):
 *
 *     vs_publisher *p;
 *     vs_publisher_new(data_dir, "vendor.pub", &p, err, sizeof err);   loads or creates
 * DATA/log.key vs_publish(p, store, bytes, len, "alice", &res, err, sizeof err);
 *
 * A publish checks the bundle (it parses, its signature verifies with the
 * vendor key, vs_bundle_check), writes it to DATA/bundles/<version>.vgb
 * (tmp file, fsync, rename inside the log's write transaction) and appends
 * its leaf and a new signed tree head (store_log.h). Files under bundles/
 * are public: the bundle is signed, not secret.
 *
 * The log key is DATA/log.key (the secret-key file format of
 * <vigil/bundle.h>, mode 0600), created on first use. Every server that
 * shares one database must share that key too (copy it): heads signed by
 * two keys are one log with two signers, which clients refuse. */
#ifndef VIGIL_SERVER_PUBLISH_H
#define VIGIL_SERVER_PUBLISH_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/tlog.h>

#include "store.h"

/* The largest bundle POST /v1/bundles reads. */
#define VS_MAX_BUNDLE (512ull << 20)

typedef struct vs_publisher vs_publisher;

/* Loads (or creates) DATA/log.key and, when vendor_pubkey_file is not NULL,
 * the vendor's public key (without it, vs_publish refuses with
 * VG_ERR_UNSUPPORTED). err gets a one-line reason on failure. */
vg_error vs_publisher_new(const char *data_dir, const char *vendor_pubkey_file, vs_publisher **out,
                          char *err, size_t errlen);
void vs_publisher_free(vs_publisher *p);
int vs_publisher_can_publish(const vs_publisher *p);

/* DATA/log.key's public half, loading or creating the key (`log pubkey`);
 * VG_ERR_NOT_FOUND when create is 0 and there is no key. */
vg_error vs_log_pubkey(const char *data_dir, int create, uint8_t pk[32], char *err, size_t errlen);

/* The one place a bundle is judged: VG_OK when p[0..n) parses as a bundle
 * and its signature verifies with vendor_pk; *version and digest (SHA-256
 * of the file) are filled then. VG_ERR_MALFORMED (does not parse) or
 * VG_ERR_CRYPTO (unsigned, bad signature, another key) with err. */
vg_error vs_bundle_check(const uint8_t *p, size_t n, const uint8_t vendor_pk[32], uint64_t *version,
                         uint8_t digest[32], char *err, size_t errlen);

typedef struct vs_publish_result {
    uint64_t version;
    uint8_t digest[32];
    uint64_t leaf_index;
    vg_tlog_sth sth;
    uint64_t latest; /* with VG_ERR_EXISTS: the latest version in the log */
} vs_publish_result;

/* Checks and publishes a bundle. Errors: VG_ERR_MALFORMED / VG_ERR_CRYPTO
 * (vs_bundle_check), VG_ERR_EXISTS (version not above the latest; nothing
 * written), VG_ERR_UNSUPPORTED (no vendor key), VG_ERR_IO / VG_ERR_NOSPACE
 * (file or database). err names the reason. */
vg_error vs_publish(vs_publisher *p, vs_store *st, const uint8_t *bundle, size_t len,
                    const char *actor, vs_publish_result *res, char *err, size_t errlen);

/* DATA/bundles/<version>.vgb into out. */
void vs_bundle_path(const char *data_dir, uint64_t version, char *out, size_t cap);

#endif
