/* Digests through OpenSSL's EVP interface. One vgi_hasher computes every
 * kind a loaded signature could need in the same pass over the object, so
 * an object is read once however many hash formats are loaded. */
#include "hash.h"

#include <openssl/evp.h>

#include "mem.h"

struct vgi_hasher {
    EVP_MD_CTX *ctx[VGI_HASH_KINDS];
    unsigned kinds;
};

size_t vgi_hash_len(vgi_hash_kind kind)
{
    static const size_t len[VGI_HASH_KINDS] = {16, 20, 32};
    return (unsigned)kind < VGI_HASH_KINDS ? len[kind] : 0;
}

const char *vgi_hash_name(vgi_hash_kind kind)
{
    static const char *const n[VGI_HASH_KINDS] = {"md5", "sha1", "sha256"};
    return (unsigned)kind < VGI_HASH_KINDS ? n[kind] : "?";
}

static const EVP_MD *md_of(int kind)
{
    switch (kind) {
    case VGI_HASH_MD5:
        return EVP_md5();
    case VGI_HASH_SHA1:
        return EVP_sha1();
    default:
        return EVP_sha256();
    }
}

vg_error vgi_hasher_new(vgi_hasher **out)
{
    vgi_hasher *h = vg_calloc(1, sizeof *h);
    *out = NULL;
    if (h == NULL)
        return VG_ERR_NOMEM;
    for (int k = 0; k < VGI_HASH_KINDS; k++) {
        h->ctx[k] = EVP_MD_CTX_new();
        if (h->ctx[k] == NULL) {
            vgi_hasher_free(h);
            return VG_ERR_NOMEM;
        }
    }
    *out = h;
    return VG_OK;
}

void vgi_hasher_free(vgi_hasher *h)
{
    if (h == NULL)
        return;
    for (int k = 0; k < VGI_HASH_KINDS; k++)
        EVP_MD_CTX_free(h->ctx[k]);
    vg_free(h);
}

vg_error vgi_hasher_start(vgi_hasher *h, unsigned kinds)
{
    h->kinds = kinds;
    for (int k = 0; k < VGI_HASH_KINDS; k++)
        if ((kinds & (1u << k)) && EVP_DigestInit_ex(h->ctx[k], md_of(k), NULL) != 1)
            return VG_ERR_NOMEM;
    return VG_OK;
}

vg_error vgi_hasher_update(vgi_hasher *h, const void *data, size_t len)
{
    for (int k = 0; k < VGI_HASH_KINDS; k++)
        if ((h->kinds & (1u << k)) && EVP_DigestUpdate(h->ctx[k], data, len) != 1)
            return VG_ERR_NOMEM;
    return VG_OK;
}

vg_error vgi_hasher_finish(vgi_hasher *h, uint8_t out[VGI_HASH_KINDS][VGI_HASH_MAX])
{
    for (int k = 0; k < VGI_HASH_KINDS; k++) {
        if (!(h->kinds & (1u << k)))
            continue;
        unsigned n = 0;
        if (EVP_DigestFinal_ex(h->ctx[k], out[k], &n) != 1)
            return VG_ERR_NOMEM;
    }
    h->kinds = 0;
    return VG_OK;
}

int vgi_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int vgi_hex_decode(const char *hex, size_t len, uint8_t *out)
{
    for (size_t i = 0; i < len; i++) {
        int hi = vgi_hex_digit(hex[2 * i]), lo = vgi_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
