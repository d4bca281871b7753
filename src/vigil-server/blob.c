/* Sealed sample blobs (see blob.h).
 *
 *     offset  size
 *     0       8     magic "VGBLOB\x01\0"
 *     8       24    crypto_secretstream_xchacha20poly1305 header
 *     32      ...   chunks: 64 KiB of plaintext + 17 bytes each, the last
 *                   one shorter (possibly empty) and tagged FINAL
 *
 * Every chunk carries the sample's SHA-256 (hex) as additional data, so a
 * blob renamed to another sample's name fails even under the right key.
 * The stream state chains the chunks: one dropped, reordered, altered or
 * cut off fails; "FINAL and nothing after it" catches truncation at a chunk
 * boundary. */
#include "blob.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

#define ABYTES  crypto_secretstream_xchacha20poly1305_ABYTES
#define HBYTES  crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define TAG_MSG crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FIN crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define MAGIC   "VGBLOB\x01"
#define MAGICN  8

static vg_error errno_error(int e)
{
    return (e == ENOSPC || e == EDQUOT) ? VG_ERR_NOSPACE : VG_ERR_IO;
}

static vg_error write_full(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno_error(errno);
        }
        p += w;
        n -= (size_t)w;
    }
    return VG_OK;
}

/* Reads up to n bytes, fewer only at end of file; -1 on error. */
static ssize_t read_full(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static vg_error fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return VG_ERR_IO;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? VG_OK : VG_ERR_IO;
}

/* mkdir 0700; *created says whether it is new. */
static vg_error make_dir(const char *path, int *created)
{
    *created = 0;
    if (mkdir(path, 0700) == 0) {
        *created = 1;
        return VG_OK;
    }
    if (errno == EEXIST)
        return VG_OK;
    vsi_log("cannot create %s: %s", path, strerror(errno));
    return errno_error(errno);
}

vg_error vs_blob_init_dirs(const char *data_dir)
{
    char p[4096];
    int created;
    vg_error err;
    const char *subs[] = {"blobs", "tmp"};
    for (size_t i = 0; i < 2; i++) {
        if (snprintf(p, sizeof p, "%s/%s", data_dir, subs[i]) >= (int)sizeof p)
            return VG_ERR_INVALID_ARG;
        if ((err = make_dir(p, &created)) != VG_OK)
            return err;
    }
    return VG_OK;
}

int vs_blob_path(const char *data_dir, const char *sha256, char *path, size_t cap)
{
    if (strlen(sha256) != 64)
        return -1;
    int n = snprintf(path, cap, "%s/blobs/%.2s/%.2s/%s", data_dir, sha256, sha256 + 2, sha256);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

static vg_error seal_into(int fd, const char *sha256, const uint8_t *content, size_t len,
                          const uint8_t *key)
{
    crypto_secretstream_xchacha20poly1305_state stt;
    uint8_t head[MAGICN + HBYTES];
    memcpy(head, MAGIC, MAGICN);
    crypto_secretstream_xchacha20poly1305_init_push(&stt, head + MAGICN, key);
    vg_error err = write_full(fd, head, sizeof head);
    uint8_t *c = malloc(VS_BLOB_CHUNK + ABYTES);
    if (c == NULL)
        err = err ? err : VG_ERR_NOMEM;
    size_t off = 0;
    while (err == VG_OK) {
        size_t n = len - off > VS_BLOB_CHUNK ? VS_BLOB_CHUNK : len - off;
        uint8_t tag = off + n == len ? TAG_FIN : TAG_MSG;
        unsigned long long clen = 0;
        const uint8_t *src = n > 0 ? content + off : (const uint8_t *)"";
        crypto_secretstream_xchacha20poly1305_push(&stt, c, &clen, src, n, (const uint8_t *)sha256,
                                                   64, tag);
        err = write_full(fd, c, (size_t)clen);
        off += n;
        if (tag == TAG_FIN)
            break;
    }
    free(c);
    sodium_memzero(&stt, sizeof stt);
    if (err == VG_OK && fsync(fd) != 0)
        err = errno_error(errno);
    return err;
}

vg_error vs_blob_seal(const char *data_dir, const char *sha256, const uint8_t *content, size_t len,
                      uint8_t key[VS_BLOB_KEYBYTES], vs_blob_tmp *out)
{
    uint8_t rnd[16];
    char name[33];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(name, sizeof name, rnd, sizeof rnd);
    out->fd = -1;
    if (snprintf(out->path, sizeof out->path, "%s/tmp/%s", data_dir, name) >= (int)sizeof out->path)
        return VG_ERR_INVALID_ARG;
    out->fd = open(out->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out->fd < 0) {
        vsi_log("cannot create %s: %s", out->path, strerror(errno));
        return errno_error(errno);
    }
    (void)flock(out->fd, LOCK_EX);
    crypto_secretstream_xchacha20poly1305_keygen(key);
    vg_error err = seal_into(out->fd, sha256, content, len, key);
    if (err != VG_OK) {
        vsi_log("cannot write %s: %s", out->path, vg_strerror(err));
        sodium_memzero(key, VS_BLOB_KEYBYTES);
        vs_blob_discard(out);
    }
    return err;
}

void vs_blob_discard(vs_blob_tmp *t)
{
    if (t->fd >= 0) {
        unlink(t->path);
        close(t->fd);
        t->fd = -1;
    }
}

vg_error vs_blob_install(const char *data_dir, const char *sha256, vs_blob_tmp *t)
{
    char d1[4096], d2[4096], final[4096];
    int c1 = 0, c2 = 0;
    vg_error err = VG_ERR_INVALID_ARG;
    if (vs_blob_path(data_dir, sha256, final, sizeof final) != 0)
        goto fail;
    snprintf(d1, sizeof d1, "%s/blobs/%.2s", data_dir, sha256);
    snprintf(d2, sizeof d2, "%s/blobs/%.2s/%.2s", data_dir, sha256, sha256 + 2);
    if ((err = make_dir(d1, &c1)) != VG_OK || (err = make_dir(d2, &c2)) != VG_OK)
        goto fail;
    if (rename(t->path, final) != 0) {
        vsi_log("cannot rename %s to %s: %s", t->path, final, strerror(errno));
        err = errno_error(errno);
        goto fail;
    }
    close(t->fd);
    t->fd = -1;
    /* The new name, then any new fan-out directory, must reach the disk. */
    char top[4096];
    snprintf(top, sizeof top, "%s/blobs", data_dir);
    if (fsync_dir(d2) != VG_OK || (c2 && fsync_dir(d1) != VG_OK) ||
        (c1 && fsync_dir(top) != VG_OK)) {
        vsi_log("cannot fsync the directories of %s: %s", final, strerror(errno));
        unlink(final);
        return VG_ERR_IO;
    }
    return VG_OK;
fail:
    vs_blob_discard(t);
    return err;
}

vg_error vs_blob_open(const char *data_dir, const char *sha256, int *fd)
{
    char path[4096];
    *fd = -1;
    if (vs_blob_path(data_dir, sha256, path, sizeof path) != 0)
        return VG_ERR_INVALID_ARG;
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) {
        if (errno == ENOENT)
            return VG_ERR_NOT_FOUND;
        vsi_log("cannot open %s: %s", path, strerror(errno));
        return VG_ERR_IO;
    }
    return VG_OK;
}

vg_error vs_blob_read(int fd, const char *sha256, const uint8_t key[VS_BLOB_KEYBYTES],
                      uint64_t size, uint8_t **out, size_t *len)
{
    crypto_secretstream_xchacha20poly1305_state stt;
    uint8_t head[MAGICN + HBYTES], extra;
    uint8_t *c = NULL, *m = NULL;
    size_t pos = 0;
    vg_error err = VG_ERR_CRYPTO;
    *out = NULL;
    *len = 0;
    if (size > SIZE_MAX - 1)
        return VG_ERR_LIMIT;
    if (read_full(fd, head, sizeof head) != (ssize_t)sizeof head ||
        memcmp(head, MAGIC, MAGICN) != 0 ||
        crypto_secretstream_xchacha20poly1305_init_pull(&stt, head + MAGICN, key) != 0)
        goto done;
    c = malloc(VS_BLOB_CHUNK + ABYTES);
    m = malloc((size_t)size);
    if (c == NULL || m == NULL) {
        err = VG_ERR_NOMEM;
        goto done;
    }
    for (;;) {
        ssize_t n = read_full(fd, c, VS_BLOB_CHUNK + ABYTES);
        if (n < 0) {
            err = VG_ERR_IO;
            goto done;
        }
        if (n < (ssize_t)ABYTES || (size_t)n - ABYTES > size - pos)
            goto done; /* cut off, or longer than the sample */
        unsigned long long mlen = 0;
        uint8_t tag = 0;
        if (crypto_secretstream_xchacha20poly1305_pull(&stt, m + pos, &mlen, &tag, c, (size_t)n,
                                                       (const uint8_t *)sha256, 64) != 0)
            goto done;
        pos += (size_t)mlen;
        if (tag == TAG_FIN)
            break;
        if ((size_t)n < VS_BLOB_CHUNK + ABYTES)
            goto done; /* a short chunk that is not the last: truncated */
    }
    if (pos != size || read_full(fd, &extra, 1) != 0)
        goto done; /* shorter than recorded, or data after FINAL */
    *out = m;
    *len = pos;
    m = NULL;
    err = VG_OK;
done:
    sodium_memzero(&stt, sizeof stt);
    free(c);
    if (m != NULL) {
        sodium_memzero(m, (size_t)size);
        free(m);
    }
    return err;
}

vg_error vs_blob_unlink(const char *data_dir, const char *sha256)
{
    char path[4096], dir[4096];
    if (vs_blob_path(data_dir, sha256, path, sizeof path) != 0)
        return VG_ERR_INVALID_ARG;
    if (unlink(path) != 0 && errno != ENOENT) {
        vsi_log("cannot remove %s: %s", path, strerror(errno));
        return VG_ERR_IO;
    }
    snprintf(dir, sizeof dir, "%s/blobs/%.2s/%.2s", data_dir, sha256, sha256 + 2);
    (void)fsync_dir(dir);
    return VG_OK;
}
