/* One entry file, sealed with crypto_secretstream_xchacha20poly1305.
 *
 *     offset  size
 *     0       8     magic "VGVAULT\x01" (format version 1)
 *     8       8     key id: BLAKE2b-64 of the vault key (wrong key vs. damage)
 *     16      24    secretstream header (random nonce material)
 *     40      ...   records: u32 little-endian ciphertext length, ciphertext
 *
 *     record 0       metadata JSON, tag MESSAGE, additional data = the first
 *                    16 bytes + the entry id: an entry renamed to another id,
 *                    or with its key id edited, fails to authenticate
 *     records 1..n   content, at most 64 KiB of plaintext each, tag MESSAGE
 *     last record    empty, tag FINAL
 *
 * Each record carries a Poly1305 tag and the stream state chains them, so a
 * record dropped, reordered, altered or cut off fails; the FINAL tag plus
 * "nothing after it" catches truncation at a record boundary. A reader
 * never trusts a length before checking it against the largest record. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../core/diag_int.h"
#include "vault_int.h"

#define ABYTES  crypto_secretstream_xchacha20poly1305_ABYTES
#define TAG_MSG crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FIN crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define REC_MAX (VGI_VAULT_META_MAX > VGI_VAULT_CHUNK ? VGI_VAULT_META_MAX : VGI_VAULT_CHUNK)

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Bytes read (short only at end of file), or -1. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (uint8_t *)buf + got, len - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static void make_ad(const vg_vault *v, const char *id, uint8_t ad[16 + VG_VAULT_ID_LEN])
{
    memcpy(ad, VGI_VAULT_MAGIC, VGI_VAULT_MAGIC_LEN);
    memcpy(ad + VGI_VAULT_MAGIC_LEN, v->keyid, VGI_VAULT_KEYID_LEN);
    memcpy(ad + 16, id, VG_VAULT_ID_LEN);
}

/* Seals one record from plain[0..len) and writes it. */
static vg_error push_record(vgi_sealer *s, const uint8_t *plain, size_t len, const uint8_t *ad,
                            size_t ad_len, unsigned char tag)
{
    unsigned long long clen = 0;
    crypto_secretstream_xchacha20poly1305_push(&s->st, s->buf + 4, &clen, plain, len, ad, ad_len,
                                               tag);
    put_u32(s->buf, (uint32_t)clen);
    return vgi_write_all(s->fd, s->buf, (size_t)clen + 4, "put-write");
}

vg_error vgi_seal_begin(vgi_sealer *s, const vg_vault *v, int fd, const char *id, const char *meta,
                        size_t meta_len, vg_diag *diag)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
    if (meta_len > VGI_VAULT_META_MAX)
        return vgi_diag_set(diag, VG_ERR_LIMIT, id, 0, 0, "metadata too large");
    s->buf = vg_malloc(4 + REC_MAX + ABYTES);
    if (s->buf == NULL)
        return VG_ERR_NOMEM;
    uint8_t head[VGI_VAULT_HEAD_LEN];
    memcpy(head, VGI_VAULT_MAGIC, VGI_VAULT_MAGIC_LEN);
    memcpy(head + VGI_VAULT_MAGIC_LEN, v->keyid, VGI_VAULT_KEYID_LEN);
    crypto_secretstream_xchacha20poly1305_init_push(&s->st, head + 16, v->key);
    vg_error err = vgi_write_all(fd, head, sizeof head, "put-write");
    uint8_t ad[16 + VG_VAULT_ID_LEN];
    make_ad(v, id, ad);
    if (err == VG_OK)
        err = push_record(s, (const uint8_t *)meta, meta_len, ad, sizeof ad, TAG_MSG);
    if (err != VG_OK)
        return vgi_diag_set(diag, err, id, 0, 0, "cannot write the vault entry: %s",
                            strerror(errno));
    return VG_OK;
}

vg_error vgi_seal_content(vgi_sealer *s, int in_fd, uint8_t sha256[32], uint64_t *size,
                          vg_diag *diag)
{
    uint8_t *plain = vg_malloc(VGI_VAULT_CHUNK);
    if (plain == NULL)
        return VG_ERR_NOMEM;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    uint64_t off = 0;
    vg_error err = VG_OK;
    for (;;) {
        ssize_t n = pread(in_fd, plain, VGI_VAULT_CHUNK, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = vgi_diag_set(diag, VG_ERR_IO, "", 0, 0, "cannot read the file: %s",
                               strerror(errno));
            break;
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&h, plain, (size_t)n);
        if ((err = push_record(s, plain, (size_t)n, NULL, 0, TAG_MSG)) != VG_OK)
            break;
        off += (uint64_t)n;
    }
    if (err == VG_OK)
        err = push_record(s, NULL, 0, NULL, 0, TAG_FIN);
    if (err != VG_OK && diag != NULL && diag->code == VG_OK)
        vgi_diag_set(diag, err, "", 0, 0, "cannot write the vault entry: %s", strerror(errno));
    crypto_hash_sha256_final(&h, sha256);
    sodium_memzero(plain, VGI_VAULT_CHUNK);
    vg_free(plain);
    *size = off;
    return err;
}

void vgi_seal_end(vgi_sealer *s)
{
    if (s->buf != NULL)
        vg_free(s->buf);
    sodium_memzero(&s->st, sizeof s->st);
    s->buf = NULL;
}

/* Reads and decrypts one record into o->buf (plaintext at o->buf). */
static vg_error pull_record(vgi_opener *o, size_t max_plain, const uint8_t *ad, size_t ad_len,
                            size_t *len, unsigned char *tag, vg_diag *diag)
{
    uint8_t lenbuf[4];
    ssize_t n = read_full(o->fd, lenbuf, 4);
    if (n < 0)
        return vgi_diag_set(diag, VG_ERR_IO, "", 0, 0, "cannot read: %s", strerror(errno));
    if (n < 4)
        return vgi_diag_set(diag, VG_ERR_TRUNCATED, "", 0, 0,
                            "the entry ends before its final record (truncated)");
    uint32_t clen = get_u32(lenbuf);
    if (clen < ABYTES || clen > max_plain + ABYTES)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, "", 0, 0, "record length %u out of range",
                            (unsigned)clen);
    uint8_t *c = o->buf + REC_MAX; /* ciphertext after the plaintext area */
    n = read_full(o->fd, c, clen);
    if (n < 0)
        return vgi_diag_set(diag, VG_ERR_IO, "", 0, 0, "cannot read: %s", strerror(errno));
    if ((size_t)n < clen)
        return vgi_diag_set(diag, VG_ERR_TRUNCATED, "", 0, 0,
                            "the entry ends inside a record (truncated)");
    unsigned long long plen = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&o->st, o->buf, &plen, tag, c, clen, ad,
                                                   ad_len) != 0)
        return vgi_diag_set(diag, VG_ERR_CRYPTO, "", 0, 0,
                            "a record does not authenticate: the entry was altered");
    *len = (size_t)plen;
    return VG_OK;
}

vg_error vgi_open_begin(vgi_opener *o, const vg_vault *v, int fd, const char *id, char **meta,
                        vg_diag *diag)
{
    memset(o, 0, sizeof *o);
    o->fd = fd;
    *meta = NULL;
    uint8_t head[VGI_VAULT_HEAD_LEN];
    ssize_t n = read_full(fd, head, sizeof head);
    if (n < 0)
        return vgi_diag_set(diag, VG_ERR_IO, id, 0, 0, "cannot read: %s", strerror(errno));
    if ((size_t)n < sizeof head || memcmp(head, VGI_VAULT_MAGIC, VGI_VAULT_MAGIC_LEN) != 0)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, id, 0, 0, "not a vigil vault entry");
    if (sodium_memcmp(head + VGI_VAULT_MAGIC_LEN, v->keyid, VGI_VAULT_KEYID_LEN) != 0) {
        char want[2 * VGI_VAULT_KEYID_LEN + 1], have[2 * VGI_VAULT_KEYID_LEN + 1];
        sodium_bin2hex(want, sizeof want, head + VGI_VAULT_MAGIC_LEN, VGI_VAULT_KEYID_LEN);
        sodium_bin2hex(have, sizeof have, v->keyid, VGI_VAULT_KEYID_LEN);
        return vgi_diag_set(diag, VG_ERR_CRYPTO, id, 0, 0,
                            "sealed with another key (key id %s; this vault key is %s)", want,
                            have);
    }
    if (crypto_secretstream_xchacha20poly1305_init_pull(&o->st, head + 16, v->key) != 0)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, id, 0, 0, "bad stream header");
    o->buf = vg_malloc(REC_MAX + REC_MAX + ABYTES);
    if (o->buf == NULL)
        return VG_ERR_NOMEM;
    uint8_t ad[16 + VG_VAULT_ID_LEN];
    make_ad(v, id, ad);
    size_t len = 0;
    unsigned char tag = 0;
    vg_error err = pull_record(o, VGI_VAULT_META_MAX, ad, sizeof ad, &len, &tag, diag);
    if (err == VG_ERR_CRYPTO)
        return vgi_diag_set(diag, err, id, 0, 0,
                            "the metadata does not authenticate: the entry was altered or "
                            "renamed, or the key is wrong");
    if (err != VG_OK)
        return err;
    if (tag != TAG_MSG)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, id, 0, 0, "entry has no content records");
    char *m = vg_malloc(len + 1);
    if (m == NULL)
        return VG_ERR_NOMEM;
    memcpy(m, o->buf, len);
    m[len] = '\0';
    *meta = m;
    return VG_OK;
}

vg_error vgi_open_content(vgi_opener *o, int out_fd, uint8_t sha256[32], uint64_t *size,
                          vg_diag *diag)
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    uint64_t total = 0;
    vg_error err;
    for (;;) {
        size_t len = 0;
        unsigned char tag = 0;
        if ((err = pull_record(o, VGI_VAULT_CHUNK, NULL, 0, &len, &tag, diag)) != VG_OK)
            break;
        crypto_hash_sha256_update(&h, o->buf, len);
        total += len;
        if (out_fd >= 0 && len > 0 &&
            (err = vgi_write_all(out_fd, o->buf, len, "restore-write")) != VG_OK) {
            vgi_diag_set(diag, err, "", 0, 0, "cannot write the restored file: %s",
                         strerror(errno));
            break;
        }
        if (tag == TAG_FIN) {
            uint8_t extra;
            ssize_t n = read_full(o->fd, &extra, 1);
            if (n != 0)
                err = vgi_diag_set(diag, n < 0 ? VG_ERR_IO : VG_ERR_MALFORMED, "", 0, 0, "%s",
                                   n < 0 ? strerror(errno) : "data after the final record");
            break;
        }
        if (tag != TAG_MSG) {
            err = vgi_diag_set(diag, VG_ERR_MALFORMED, "", 0, 0, "unexpected record tag %u",
                               (unsigned)tag);
            break;
        }
    }
    crypto_hash_sha256_final(&h, sha256);
    *size = total;
    return err;
}

void vgi_open_end(vgi_opener *o)
{
    if (o->buf != NULL) {
        sodium_memzero(o->buf, REC_MAX);
        vg_free(o->buf);
    }
    sodium_memzero(&o->st, sizeof o->st);
    o->buf = NULL;
}
