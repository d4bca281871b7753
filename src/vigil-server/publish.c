/* Publishing bundles (see publish.h): the log key, the bundle check and the
 * publish itself.
 *
 * What a publish of version 13 leaves behind, in order:
 *
 *     bundles/.tmp-Ab3xZ9     written and fsynced before the transaction
 *     BEGIN (all other writers wait)
 *       latest logged version 12 < 13: go on (else 409, tmp removed)
 *       sign the head of size n + 1
 *       rename .tmp-Ab3xZ9 -> bundles/13.vgb, fsync bundles/
 *       INSERT leaf n, INSERT head n + 1, audit "publish"
 *     COMMIT                  (on failure: bundles/13.vgb removed again)
 *
 * so a leaf is never visible without its file. A crash between the rename
 * and the commit leaves a 13.vgb that no leaf names: it is not served (the
 * endpoints look versions up in the log) and the next publish of 13
 * replaces it. */
#include "publish.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vigil/bundle.h>

#include "store_log.h"

struct vs_publisher {
    char dir[4096];
    uint8_t sk[64];
    uint8_t vendor_pk[32];
    int have_vendor;
};

void vs_bundle_path(const char *data_dir, uint64_t version, char *out, size_t cap)
{
    snprintf(out, cap, "%s/bundles/%" PRIu64 ".vgb", data_dir, version);
}

/* ---- the log key ---- */

/* Writes a new key to path: a temporary file (0600, fsynced) link()ed to
 * the name, so two processes creating it at once cannot both win (the
 * loser reads the winner's key) and a crash never leaves half a key under
 * the name. The format is <vigil/bundle.h>'s secret key file. */
static vg_error create_key(const char *path, char *err, size_t errlen)
{
    uint8_t pk[32], sk[64];
    char text[130], tmp[4300];
    vg_error e = vg_bundle_keygen(pk, sk);
    if (e != VG_OK) {
        snprintf(err, errlen, "cannot make a key: %s", vg_strerror(e));
        return e;
    }
    vg_tlog_hex(sk, 64, text);
    sodium_memzero(sk, sizeof sk);
    text[128] = '\n';
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    int ok = fd >= 0 && write(fd, text, 129) == 129 && fsync(fd) == 0;
    sodium_memzero(text, sizeof text);
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    if (ok && link(tmp, path) != 0 && errno != EEXIST)
        ok = 0;
    int saved = errno;
    if (fd >= 0)
        unlink(tmp);
    if (!ok) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(saved));
        return VG_ERR_IO;
    }
    return VG_OK;
}

static vg_error load_or_create_key(const char *data_dir, int create, uint8_t sk[64], char *err,
                                   size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/log.key", data_dir);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return VG_ERR_IO;
        }
        if (!create) {
            snprintf(err, errlen, "%s does not exist (nothing was published yet)", path);
            return VG_ERR_NOT_FOUND;
        }
        if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", data_dir, strerror(errno));
            return VG_ERR_IO;
        }
        vg_error e = create_key(path, err, errlen);
        if (e != VG_OK)
            return e;
        if (stat(path, &st) != 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return VG_ERR_IO;
        }
    }
    if (st.st_mode & 077) {
        snprintf(err, errlen, "%s is readable by others (mode %o): chmod 600 it", path,
                 (unsigned)(st.st_mode & 0777));
        return VG_ERR_IO;
    }
    return vg_bundle_key_read_secret(path, sk, err, errlen);
}

vg_error vs_log_pubkey(const char *data_dir, int create, uint8_t pk[32], char *err, size_t errlen)
{
    uint8_t sk[64];
    vg_error e = load_or_create_key(data_dir, create, sk, err, errlen);
    if (e == VG_OK)
        crypto_sign_ed25519_sk_to_pk(pk, sk);
    sodium_memzero(sk, sizeof sk);
    return e;
}

vg_error vs_publisher_new(const char *data_dir, const char *vendor_pubkey_file, vs_publisher **out,
                          char *err, size_t errlen)
{
    *out = NULL;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return VG_ERR_CRYPTO;
    }
    vs_publisher *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return VG_ERR_NOMEM;
    }
    snprintf(p->dir, sizeof p->dir, "%s", data_dir);
    vg_error e = VG_OK;
    if (vendor_pubkey_file != NULL) {
        char why[300] = "";
        e = vg_bundle_key_read_public(vendor_pubkey_file, p->vendor_pk, why, sizeof why);
        if (e != VG_OK)
            snprintf(err, errlen, "--bundle-pubkey: %s", why[0] ? why : vg_strerror(e));
        p->have_vendor = e == VG_OK;
    }
    if (e == VG_OK)
        e = load_or_create_key(data_dir, 1, p->sk, err, errlen);
    char bdir[4200];
    snprintf(bdir, sizeof bdir, "%s/bundles", data_dir);
    if (e == VG_OK && mkdir(bdir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", bdir, strerror(errno));
        e = VG_ERR_IO;
    }
    if (e != VG_OK) {
        vs_publisher_free(p);
        return e;
    }
    *out = p;
    return VG_OK;
}

void vs_publisher_free(vs_publisher *p)
{
    if (p == NULL)
        return;
    sodium_memzero(p->sk, sizeof p->sk);
    free(p);
}

int vs_publisher_can_publish(const vs_publisher *p)
{
    return p != NULL && p->have_vendor;
}

/* ---- the bundle check ---- */

vg_error vs_bundle_check(const uint8_t *p, size_t n, const uint8_t vendor_pk[32], uint64_t *version,
                         uint8_t digest[32], char *err, size_t errlen)
{
    vg_bundle *b = NULL;
    char why[256] = "";
    vg_error e = vg_bundle_open_mem(p, n, &b, why, sizeof why);
    if (e != VG_OK) {
        snprintf(err, errlen, "not a valid bundle: %s", why[0] ? why : vg_strerror(e));
        return e == VG_ERR_NOMEM ? e : VG_ERR_MALFORMED;
    }
    if (vg_bundle_verify_sig(b, vendor_pk) != VG_OK) {
        snprintf(err, errlen,
                 "the bundle's signature does not verify with the vendor key "
                 "(unsigned, altered, or signed by another key)");
        vg_bundle_free(b);
        return VG_ERR_CRYPTO;
    }
    *version = vg_bundle_version(b);
    vg_bundle_digest(b, digest);
    vg_bundle_free(b);
    return VG_OK;
}

/* ---- publish ---- */

typedef struct pub_ctx {
    vs_publisher *p;
    char tmp[4200], final[4200];
    int installed;
} pub_ctx;

static vg_error sign_cb(void *ud, vg_tlog_sth *sth)
{
    pub_ctx *c = ud;
    return vg_tlog_sth_sign(sth, c->p->sk);
}

static vg_error install_cb(void *ud)
{
    pub_ctx *c = ud;
    if (rename(c->tmp, c->final) != 0)
        return errno == ENOSPC ? VG_ERR_NOSPACE : VG_ERR_IO;
    c->installed = 1;
    char bdir[4200];
    snprintf(bdir, sizeof bdir, "%s/bundles", c->p->dir);
    int fd = open(bdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return VG_ERR_IO;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? VG_OK : VG_ERR_IO;
}

static vg_error write_tmp(pub_ctx *c, const uint8_t *data, size_t len)
{
    snprintf(c->tmp, sizeof c->tmp, "%s/bundles/.tmp-XXXXXX", c->p->dir);
    int fd = mkstemp(c->tmp);
    if (fd < 0) {
        c->tmp[0] = '\0';
        return VG_ERR_IO;
    }
    vg_error e = VG_OK;
    for (size_t off = 0; off < len && e == VG_OK;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno != EINTR)
            e = errno == ENOSPC || errno == EDQUOT ? VG_ERR_NOSPACE : VG_ERR_IO;
        else if (w > 0)
            off += (size_t)w;
    }
    if (e == VG_OK && (fchmod(fd, 0644) != 0 || fsync(fd) != 0))
        e = VG_ERR_IO;
    if (close(fd) != 0 && e == VG_OK)
        e = VG_ERR_IO;
    return e;
}

vg_error vs_publish(vs_publisher *p, vs_store *st, const uint8_t *bundle, size_t len,
                    const char *actor, vs_publish_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    if (!vs_publisher_can_publish(p)) {
        snprintf(err, errlen,
                 "this server has no vendor key (--bundle-pubkey): it cannot "
                 "check bundles, so it publishes none");
        return VG_ERR_UNSUPPORTED;
    }
    vg_error e =
        vs_bundle_check(bundle, len, p->vendor_pk, &res->version, res->digest, err, errlen);
    if (e != VG_OK)
        return e;
    pub_ctx c = {.p = p};
    vs_bundle_path(p->dir, res->version, c.final, sizeof c.final);
    if ((e = write_tmp(&c, bundle, len)) != VG_OK) {
        snprintf(err, errlen, "cannot write the bundle under %s/bundles: %s", p->dir,
                 vg_strerror(e));
        if (c.tmp[0])
            unlink(c.tmp);
        return e;
    }
    vs_log_append a = {
        .version = res->version, .actor = actor, .sign = sign_cb, .install = install_cb, .ud = &c};
    memcpy(a.digest, res->digest, 32);
    e = vs_store_log_append(st, &a, &res->leaf_index, &res->sth, &res->latest);
    if (!c.installed)
        unlink(c.tmp);
    else if (e != VG_OK)
        unlink(c.final);
    if (e == VG_ERR_EXISTS)
        snprintf(err, errlen,
                 "version %" PRIu64 " is not newer than the latest published version %" PRIu64,
                 res->version, res->latest);
    else if (e != VG_OK)
        snprintf(err, errlen, "the log could not be appended to: %s", vg_strerror(e));
    return e;
}
