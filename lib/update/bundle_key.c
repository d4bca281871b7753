/* Ed25519 key files for bundles (and for the transparency log).
 *
 *     vendor.pub   0f5c...e1\n                          64 hex digits: the public key
 *     vendor.sec   9a1d...(seed)...0f5c...e1\n         128 hex digits, mode 0600
 *
 * A secret key is libsodium's 64-byte form, the seed followed by the public
 * key. Reading one checks that the halves belong together (the public key
 * derived from the seed equals the stored one), so a file spliced from two
 * keys cannot make signatures that verify under neither. Hex, one line, no
 * armour: the files are meant to be read and compared by people and by
 * scripts. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bundle_int.h"

vg_error vg_bundle_keygen(uint8_t pubkey[32], uint8_t seckey[64])
{
    if (sodium_init() < 0)
        return VG_ERR_CRYPTO;
    return crypto_sign_keypair(pubkey, seckey) == 0 ? VG_OK : VG_ERR_CRYPTO;
}

static vg_error write_new(const char *path, int mode, const char *text, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return vgi_bundle_err(err, errlen, errno == EEXIST ? VG_ERR_EXISTS : VG_ERR_IO, "%s: %s",
                              path, strerror(errno));
    size_t n = strlen(text);
    ssize_t w = write(fd, text, n);
    int ok = w == (ssize_t)n && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0)
        ok = 0;
    if (!ok) {
        unlink(path);
        return vgi_bundle_err(err, errlen, VG_ERR_IO, "%s: %s", path, strerror(e));
    }
    return VG_OK;
}

vg_error vg_bundle_key_write(const char *prefix, const uint8_t pubkey[32], const uint8_t seckey[64],
                             char *err, size_t errlen)
{
    char sec_path[4096], pub_path[4096], text[2 * 64 + 2];
    if (prefix == NULL ||
        snprintf(sec_path, sizeof sec_path, "%s.sec", prefix) >= (int)sizeof sec_path)
        return vgi_bundle_err(err, errlen, VG_ERR_INVALID_ARG, "key prefix too long");
    snprintf(pub_path, sizeof pub_path, "%s.pub", prefix);
    if (access(sec_path, F_OK) == 0 || access(pub_path, F_OK) == 0)
        return vgi_bundle_err(err, errlen, VG_ERR_EXISTS, "%s.sec or %s.pub already exists", prefix,
                              prefix);
    vgi_hex_lower(seckey, 64, text);
    strcat(text, "\n");
    vg_error rc = write_new(sec_path, 0600, text, err, errlen);
    sodium_memzero(text, sizeof text);
    if (rc != VG_OK)
        return rc;
    vgi_hex_lower(pubkey, 32, text);
    strcat(text, "\n");
    if ((rc = write_new(pub_path, 0644, text, err, errlen)) != VG_OK)
        unlink(sec_path);
    return rc;
}

/* Reads path (at most 1 KiB) and decodes exactly nbytes of hex. */
static vg_error read_hex(const char *path, uint8_t *out, size_t nbytes, const char *what, char *err,
                         size_t errlen)
{
    char buf[1024];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vgi_bundle_err(err, errlen, VG_ERR_IO, "%s: %s", path, strerror(errno));
    ssize_t n = read(fd, buf, sizeof buf);
    int e = errno;
    close(fd);
    if (n < 0)
        return vgi_bundle_err(err, errlen, VG_ERR_IO, "%s: %s", path, strerror(e));
    size_t a = 0, z = (size_t)n;
    while (a < z && (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\n' || buf[a] == '\r'))
        a++;
    while (z > a &&
           (buf[z - 1] == ' ' || buf[z - 1] == '\t' || buf[z - 1] == '\n' || buf[z - 1] == '\r'))
        z--;
    size_t bin_len = 0;
    vg_error rc = VG_OK;
    if (z - a != 2 * nbytes ||
        sodium_hex2bin(out, nbytes, buf + a, z - a, NULL, &bin_len, NULL) != 0 || bin_len != nbytes)
        rc = vgi_bundle_err(err, errlen, VG_ERR_MALFORMED,
                            "%s: not a %s key file (expected one line of %zu hex digits)", path,
                            what, 2 * nbytes);
    sodium_memzero(buf, sizeof buf);
    return rc;
}

vg_error vg_bundle_key_read_public(const char *path, uint8_t pubkey[32], char *err, size_t errlen)
{
    if (sodium_init() < 0)
        return VG_ERR_CRYPTO;
    return read_hex(path, pubkey, 32, "public", err, errlen);
}

vg_error vg_bundle_key_read_secret(const char *path, uint8_t seckey[64], char *err, size_t errlen)
{
    if (sodium_init() < 0)
        return VG_ERR_CRYPTO;
    vg_error rc = read_hex(path, seckey, 64, "secret", err, errlen);
    if (rc != VG_OK)
        return rc;
    uint8_t pk[32], sk[64];
    crypto_sign_seed_keypair(pk, sk, seckey);
    int same = sodium_memcmp(pk, seckey + 32, 32) == 0;
    sodium_memzero(sk, sizeof sk);
    if (!same) {
        sodium_memzero(seckey, 64);
        return vgi_bundle_err(err, errlen, VG_ERR_MALFORMED,
                              "%s: the public half of this secret key does not match its seed",
                              path);
    }
    return VG_OK;
}
