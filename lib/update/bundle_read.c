/* Opening a bundle: the header, the bounds, and every file's digest.
 *
 *     89 56 47 42 0d 0a 1a 0a | 00 00 00 01 | 00 00 01 2c | {"version":42,...} | <files> | <sig?>
 *     magic                     format 1      manifest 300
 *
 * Everything is checked before anything is trusted, in the order a reader
 * meets it: magic, format, manifest length against the file and
 * VG_BUNDLE_MAX_MANIFEST, then the manifest (bundle_manifest.c), whose file
 * sizes must add up to exactly the bytes that follow, give or take one
 * signature. Every file's SHA-256 is compared with the manifest, so an
 * opened bundle is internally consistent; whether the vendor made it is
 * vg_bundle_verify_sig's question. The input is copied once: the bundle
 * owns its bytes, and every pointer it hands out points into them. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/mem.h"
#include "bundle_int.h"

vg_error vgi_bundle_bad(char *err, size_t errlen, uint64_t off, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        int k = snprintf(err, errlen, "malformed at offset %llu: ", (unsigned long long)off);
        if (k >= 0 && (size_t)k < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return VG_ERR_MALFORMED;
}

vg_error vgi_bundle_err(char *err, size_t errlen, vg_error code, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

void vgi_sha256(const void *p, size_t n, uint8_t out[32])
{
    crypto_hash_sha256(out, p, n);
}

void vgi_hex_lower(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void vg_bundle_free(vg_bundle *b)
{
    if (b == NULL)
        return;
    vg_free(b->bytes);
    vg_free(b->manifest);
    vg_free(b->files);
    vg_free(b->triggers);
    json_decref(b->root);
    vg_free(b);
}

/* Takes bytes (also on failure). */
static vg_error open_take(uint8_t *bytes, size_t n, vg_bundle **out, char *err, size_t errlen)
{
    vg_error rc;
    vg_bundle *b = NULL;
    *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (sodium_init() < 0) {
        rc = vgi_bundle_err(err, errlen, VG_ERR_CRYPTO, "libsodium failed to initialise");
        goto fail;
    }
    if ((b = vg_calloc(1, sizeof *b)) == NULL) {
        rc = vgi_bundle_err(err, errlen, VG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    b->bytes = bytes;
    b->len = n;
    bytes = NULL;
    if (n > VG_BUNDLE_MAX_SIZE) {
        rc = vgi_bundle_err(err, errlen, VG_ERR_LIMIT, "bundle of %zu bytes exceeds the %llu limit",
                            n, (unsigned long long)VG_BUNDLE_MAX_SIZE);
        goto fail;
    }
    if (n < VGI_BUNDLE_HEADER_LEN) {
        rc = vgi_bundle_bad(err, errlen, n, "truncated: %zu bytes, shorter than the %u-byte header",
                            n, VGI_BUNDLE_HEADER_LEN);
        goto fail;
    }
    if (memcmp(b->bytes, VGI_BUNDLE_MAGIC, VGI_BUNDLE_MAGIC_LEN) != 0) {
        rc = vgi_bundle_bad(err, errlen, 0, "not a vigil bundle (bad magic)");
        goto fail;
    }
    uint32_t fmt = be32(b->bytes + 8);
    if (fmt != VGI_BUNDLE_FORMAT) {
        rc = vgi_bundle_bad(err, errlen, 8, "unsupported format version %u (this reader knows %u)",
                            (unsigned)fmt, VGI_BUNDLE_FORMAT);
        goto fail;
    }
    uint32_t mlen = be32(b->bytes + 12);
    if (mlen == 0 || mlen > VG_BUNDLE_MAX_MANIFEST) {
        rc = vgi_bundle_bad(err, errlen, 12, "manifest length %u is not in 1..%u", (unsigned)mlen,
                            VG_BUNDLE_MAX_MANIFEST);
        goto fail;
    }
    if ((uint64_t)mlen > n - VGI_BUNDLE_HEADER_LEN) {
        rc = vgi_bundle_bad(err, errlen, n,
                            "truncated: manifest of %u bytes at offset 16 runs past the end",
                            (unsigned)mlen);
        goto fail;
    }
    if ((b->manifest = vg_malloc((size_t)mlen + 1)) == NULL) {
        rc = vgi_bundle_err(err, errlen, VG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    memcpy(b->manifest, b->bytes + VGI_BUNDLE_HEADER_LEN, mlen);
    b->manifest[mlen] = '\0';
    uint64_t contents = VGI_BUNDLE_HEADER_LEN + (uint64_t)mlen;
    if ((rc = vgi_bundle_parse_manifest(b, VGI_BUNDLE_HEADER_LEN, contents, err, errlen)) != VG_OK)
        goto fail;

    /* The sizes were bounded one by one against the file; their sum too. */
    uint64_t end = contents;
    for (size_t i = 0; i < b->n_files; i++)
        end += b->files[i].size;
    if (end > n) {
        rc = vgi_bundle_bad(
            err, errlen, n, "truncated: the manifest lists %llu bytes of files, %llu are present",
            (unsigned long long)(end - contents), (unsigned long long)(n - contents));
        goto fail;
    }
    uint64_t rest = n - end;
    if (rest != 0 && rest != VG_BUNDLE_SIG_BYTES) {
        rc = vgi_bundle_bad(err, errlen, end,
                            "%llu bytes after the files: expected none (unsigned) or a "
                            "%u-byte signature",
                            (unsigned long long)rest, VG_BUNDLE_SIG_BYTES);
        goto fail;
    }
    b->is_signed = rest == VG_BUNDLE_SIG_BYTES;
    b->body_len = (size_t)end;

    for (size_t i = 0; i < b->n_files; i++) {
        uint8_t md[32];
        vgi_sha256(b->bytes + b->files[i].off, (size_t)b->files[i].size, md);
        if (memcmp(md, b->files[i].sha256, 32) != 0) {
            rc = vgi_bundle_err(err, errlen, VG_ERR_MALFORMED,
                                "digest mismatch for file %s (contents at offset %llu, %llu bytes "
                                "do not have the manifest's sha256)",
                                b->files[i].name, (unsigned long long)b->files[i].off,
                                (unsigned long long)b->files[i].size);
            goto fail;
        }
    }
    vgi_sha256(b->bytes, b->len, b->digest);
    *out = b;
    return VG_OK;
fail:
    vg_free(bytes);
    vg_bundle_free(b);
    return rc;
}

vg_error vg_bundle_open_mem(const uint8_t *p, size_t n, vg_bundle **out, char *err, size_t errlen)
{
    if (out == NULL)
        return VG_ERR_INVALID_ARG;
    *out = NULL;
    if (p == NULL && n > 0)
        return vgi_bundle_err(err, errlen, VG_ERR_INVALID_ARG, "no input");
    if (n > VG_BUNDLE_MAX_SIZE)
        return vgi_bundle_err(err, errlen, VG_ERR_LIMIT,
                              "bundle of %zu bytes exceeds the %llu limit", n,
                              (unsigned long long)VG_BUNDLE_MAX_SIZE);
    uint8_t *copy = vg_malloc(n ? n : 1);
    if (copy == NULL)
        return vgi_bundle_err(err, errlen, VG_ERR_NOMEM, "out of memory");
    if (n > 0)
        memcpy(copy, p, n);
    return open_take(copy, n, out, err, errlen);
}

vg_error vg_bundle_open_file(const char *path, vg_bundle **out, char *err, size_t errlen)
{
    if (out == NULL || path == NULL)
        return VG_ERR_INVALID_ARG;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vgi_bundle_err(err, errlen, VG_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vgi_bundle_err(err, errlen, VG_ERR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > VG_BUNDLE_MAX_SIZE) {
        close(fd);
        return vgi_bundle_err(err, errlen, VG_ERR_LIMIT, "%s: %lld bytes exceeds the %llu limit",
                              path, (long long)st.st_size, (unsigned long long)VG_BUNDLE_MAX_SIZE);
    }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *buf = vg_malloc(n ? n : 1);
    if (buf == NULL) {
        close(fd);
        return vgi_bundle_err(err, errlen, VG_ERR_NOMEM, "out of memory");
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : 0;
            close(fd);
            vg_free(buf);
            return vgi_bundle_err(err, errlen, VG_ERR_IO, "%s: %s", path,
                                  e ? strerror(e) : "file shrank while read");
        }
        got += (size_t)r;
    }
    close(fd);
    return open_take(buf, n, out, err, errlen);
}

vg_error vg_bundle_verify_sig(const vg_bundle *b, const uint8_t pubkey[32])
{
    if (b == NULL || pubkey == NULL)
        return VG_ERR_INVALID_ARG;
    if (!b->is_signed)
        return VG_ERR_CRYPTO;
    if (crypto_sign_verify_detached(b->bytes + b->body_len, b->bytes, b->body_len, pubkey) != 0)
        return VG_ERR_CRYPTO;
    return VG_OK;
}

int vg_bundle_is_signed(const vg_bundle *b)
{
    return b != NULL && b->is_signed;
}

uint64_t vg_bundle_version(const vg_bundle *b)
{
    return b ? b->version : 0;
}

uint64_t vg_bundle_created(const vg_bundle *b)
{
    return b ? b->created : 0;
}

void vg_bundle_digest(const vg_bundle *b, uint8_t out[32])
{
    memcpy(out, b->digest, 32);
}

const char *vg_bundle_manifest_json(const vg_bundle *b)
{
    return b ? b->manifest : NULL;
}

const uint8_t *vg_bundle_bytes(const vg_bundle *b, size_t *len)
{
    *len = b->len;
    return b->bytes;
}

size_t vg_bundle_file_count(const vg_bundle *b)
{
    return b ? b->n_files : 0;
}

vg_error vg_bundle_file_get(const vg_bundle *b, size_t i, vg_bundle_file *out)
{
    if (b == NULL || out == NULL || i >= b->n_files)
        return VG_ERR_INVALID_ARG;
    const vgi_bundle_entry *e = &b->files[i];
    out->name = e->name;
    out->data = b->bytes + e->off;
    out->size = e->size;
    memcpy(out->sha256, e->sha256, 32);
    out->signatures = e->signatures;
    out->upload_triggers = e->upload_triggers;
    return VG_OK;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int vg_bundle_may_upload(const vg_bundle *b, const char *signame)
{
    if (b == NULL || signame == NULL || b->n_triggers == 0)
        return 0;
    return bsearch(&signame, b->triggers, b->n_triggers, sizeof *b->triggers, cmp_name) != NULL;
}

size_t vg_bundle_trigger_count(const vg_bundle *b)
{
    return b ? b->n_triggers : 0;
}

const char *vg_bundle_trigger(const vg_bundle *b, size_t i)
{
    return b != NULL && i < b->n_triggers ? b->triggers[i] : NULL;
}
