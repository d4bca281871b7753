/* PDF standard security handler, for documents that open without a
 * password (a user password that is empty), which is how malware ships:
 * the viewer opens it silently, and a naive scanner sees only ciphertext.
 *
 *     trailer << /Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 /P -44
 *                            /O <32 bytes> /U <32 bytes> >> /ID [<16 bytes> ...] >>
 *
 * R2-R4 (RC4 40-128 bits, and AES-128 through the /CF crypt filters of
 * V4): the file key is MD5(padding, O, P, ID[0]) (and 50 more rounds from
 * R3), it is right when it reproduces /U, and each object is encrypted with
 * MD5(key, num, gen [, "sAlT"]). R5/R6 (AES-256, V5): the key is /UE
 * decrypted with the SHA-256 (R5) or iterated SHA-2 (R6, ISO 32000-2
 * algorithm 2.B) hash of the empty password and /U's key salt, right when
 * the hash with /U's validation salt reproduces /U. AES streams start with
 * their 16-byte IV and end with PKCS#5 padding. RC4 is written here:
 * OpenSSL 3 keeps it in the legacy provider. */
#include "pdf_crypt.h"

#include <openssl/evp.h>
#include <string.h>

#include "../core/mem.h"

static const uint8_t pad[32] = {0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e,
                                0x56, 0xff, 0xfa, 0x01, 0x08, 0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68,
                                0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a};

typedef struct rc4 {
    uint8_t s[256];
    uint8_t i, j;
} rc4;

static void rc4_init(rc4 *r, const uint8_t *key, size_t n)
{
    for (int i = 0; i < 256; i++)
        r->s[i] = (uint8_t)i;
    uint8_t j = 0;
    for (int i = 0; i < 256; i++) {
        j = (uint8_t)(j + r->s[i] + key[(size_t)i % n]);
        uint8_t t = r->s[i];
        r->s[i] = r->s[j];
        r->s[j] = t;
    }
    r->i = r->j = 0;
}

static void rc4_apply(rc4 *r, const uint8_t *in, uint8_t *out, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        r->i++;
        r->j = (uint8_t)(r->j + r->s[r->i]);
        uint8_t t = r->s[r->i];
        r->s[r->i] = r->s[r->j];
        r->s[r->j] = t;
        out[k] = in[k] ^ r->s[(uint8_t)(r->s[r->i] + r->s[r->j])];
    }
}

static int digest(const EVP_MD *md, const void *a, size_t an, const void *b, size_t bn,
                  const void *c, size_t cn, uint8_t *out)
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    int ok = x != NULL && EVP_DigestInit_ex(x, md, NULL) && EVP_DigestUpdate(x, a, an) &&
             EVP_DigestUpdate(x, b, bn) && EVP_DigestUpdate(x, c, cn) &&
             EVP_DigestFinal_ex(x, out, NULL);
    EVP_MD_CTX_free(x);
    return ok;
}

static int aes_cbc(const EVP_CIPHER *cipher, int enc, const uint8_t *key, const uint8_t *iv,
                   const uint8_t *in, size_t n, uint8_t *out)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len = 0, len2 = 0;
    int ok = x != NULL && EVP_CipherInit_ex(x, cipher, NULL, key, iv, enc) &&
             EVP_CIPHER_CTX_set_padding(x, 0) && EVP_CipherUpdate(x, out, &len, in, (int)n) &&
             EVP_CipherFinal_ex(x, out + len, &len2);
    EVP_CIPHER_CTX_free(x);
    return ok;
}

static const pdf_obj *str_of(const pdf_obj *d, const char *key, size_t min)
{
    const pdf_obj *o = pdf_dict_get(d, key);
    return o != NULL && o->type == PDF_STRING && o->len >= min ? o : NULL;
}

static int64_t int_of(const pdf_obj *d, const char *key, int64_t dflt)
{
    const pdf_obj *o = pdf_dict_get(d, key);
    return o != NULL && o->type == PDF_INT ? o->i : dflt;
}

/* The method of crypt filter name (V4/V5 /StmF, /StrF). */
static pdf_crypt_method crypt_filter(const pdf_obj *enc, const char *key, pdf_crypt_method dflt)
{
    const pdf_obj *name = pdf_dict_get(enc, key);
    if (name == NULL || name->type != PDF_NAME || pdf_is_name(name, "Identity"))
        return PDF_CRYPT_NONE; /* V4: no /StmF means Identity */
    const pdf_obj *cf = pdf_dict_get(pdf_dict_get(enc, "CF"), (const char *)name->s);
    const pdf_obj *cfm = pdf_dict_get(cf, "CFM");
    if (pdf_is_name(cfm, "V2"))
        return PDF_CRYPT_RC4;
    if (pdf_is_name(cfm, "AESV2"))
        return PDF_CRYPT_AES128;
    if (pdf_is_name(cfm, "AESV3"))
        return PDF_CRYPT_AES256;
    if (pdf_is_name(cfm, "None"))
        return PDF_CRYPT_NONE;
    return dflt;
}

/* ISO 32000-2 algorithm 2.B with the empty password and no /U data. */
static int hash_r6(const uint8_t salt[8], uint8_t out[32])
{
    uint8_t k[64], e[64 * 64 + 16];
    size_t klen = 32;
    if (!digest(EVP_sha256(), salt, 8, "", 0, "", 0, k))
        return 0;
    for (unsigned round = 0;; round++) {
        uint8_t k1[64 * 64];
        for (int i = 0; i < 64; i++)
            memcpy(k1 + (size_t)i * klen, k, klen);
        size_t n = 64 * klen;
        if (!aes_cbc(EVP_aes_128_cbc(), 1, k, k + 16, k1, n, e))
            return 0;
        unsigned sum = 0;
        for (int i = 0; i < 16; i++)
            sum += e[i];
        const EVP_MD *md = sum % 3 == 0 ? EVP_sha256() : sum % 3 == 1 ? EVP_sha384() : EVP_sha512();
        klen = sum % 3 == 0 ? 32 : sum % 3 == 1 ? 48 : 64;
        if (!digest(md, e, n, "", 0, "", 0, k))
            return 0;
        if (round >= 63 && e[n - 1] <= round - 31)
            break;
        if (round > 1000)
            return 0;
    }
    memcpy(out, k, 32);
    return 1;
}

static vg_error init_v5(pdf_crypt *c, const pdf_obj *enc, int64_t r)
{
    const pdf_obj *u = str_of(enc, "U", 48), *ue = str_of(enc, "UE", 32);
    if (u == NULL || ue == NULL)
        return VG_ERR_UNSUPPORTED;
    uint8_t h[32], zero[16] = {0};
    if (r == 5 ? !digest(EVP_sha256(), u->s + 32, 8, "", 0, "", 0, h) : !hash_r6(u->s + 32, h))
        return VG_ERR_UNSUPPORTED;
    if (memcmp(h, u->s, 32) != 0)
        return VG_ERR_UNSUPPORTED; /* a real user password */
    if (r == 5 ? !digest(EVP_sha256(), u->s + 40, 8, "", 0, "", 0, h) : !hash_r6(u->s + 40, h))
        return VG_ERR_UNSUPPORTED;
    if (!aes_cbc(EVP_aes_256_cbc(), 0, h, zero, ue->s, 32, c->key))
        return VG_ERR_UNSUPPORTED;
    c->key_len = 32;
    c->stm = crypt_filter(enc, "StmF", PDF_CRYPT_AES256);
    c->str = crypt_filter(enc, "StrF", PDF_CRYPT_AES256);
    c->on = 1;
    return VG_OK;
}

vg_error pdf_crypt_init(pdf_crypt *c, const pdf_obj *enc, const uint8_t *id0, size_t id0_len)
{
    memset(c, 0, sizeof *c);
    if (!pdf_is_name(pdf_dict_get(enc, "Filter"), "Standard"))
        return VG_ERR_UNSUPPORTED;
    int64_t v = int_of(enc, "V", 0), r = int_of(enc, "R", 0);
    const pdf_obj *em = pdf_dict_get(enc, "EncryptMetadata");
    c->encrypt_metadata = !(em != NULL && em->type == PDF_BOOL && em->i == 0);
    if (v == 5 && (r == 5 || r == 6))
        return init_v5(c, enc, r);
    const pdf_obj *o = str_of(enc, "O", 32), *u = str_of(enc, "U", 16);
    if (o == NULL || u == NULL || r < 2 || r > 4 || (v != 1 && v != 2 && v != 4))
        return VG_ERR_UNSUPPORTED;
    int64_t bits = v == 1 ? 40 : int_of(enc, "Length", v == 4 ? 128 : 40);
    if (bits < 40 || bits > 128 || bits % 8 != 0)
        bits = v == 4 ? 128 : 40;
    size_t n = r == 2 ? 5 : (size_t)bits / 8;
    uint32_t p = (uint32_t)int_of(enc, "P", 0);
    uint8_t pb[8] = {
        (uint8_t)p, (uint8_t)(p >> 8), (uint8_t)(p >> 16), (uint8_t)(p >> 24), 0xff, 0xff, 0xff,
        0xff};
    size_t pn = r >= 4 && !c->encrypt_metadata ? 8 : 4;
    uint8_t h[16];
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    int ok = x != NULL && EVP_DigestInit_ex(x, EVP_md5(), NULL) && EVP_DigestUpdate(x, pad, 32) &&
             EVP_DigestUpdate(x, o->s, 32) && EVP_DigestUpdate(x, pb, 4) &&
             EVP_DigestUpdate(x, id0 ? id0 : pad, id0 ? id0_len : 0) &&
             EVP_DigestUpdate(x, pb + 4, pn - 4) && EVP_DigestFinal_ex(x, h, NULL);
    EVP_MD_CTX_free(x);
    if (!ok)
        return VG_ERR_UNSUPPORTED;
    for (int i = 0; r >= 3 && i < 50; i++)
        if (!digest(EVP_md5(), h, n, "", 0, "", 0, h))
            return VG_ERR_UNSUPPORTED;
    memcpy(c->key, h, n);
    c->key_len = n;

    /* Check the key against /U: only the empty password is tried. */
    uint8_t check[32];
    rc4 rc;
    if (r == 2) {
        rc4_init(&rc, c->key, n);
        rc4_apply(&rc, pad, check, 32);
        if (u->len < 32 || memcmp(check, u->s, 32) != 0)
            return VG_ERR_UNSUPPORTED;
    } else {
        if (!digest(EVP_md5(), pad, 32, id0 ? id0 : pad, id0 ? id0_len : 0, "", 0, check))
            return VG_ERR_UNSUPPORTED;
        for (int i = 0; i < 20; i++) {
            uint8_t k[16];
            for (size_t j = 0; j < n; j++)
                k[j] = c->key[j] ^ (uint8_t)i;
            rc4_init(&rc, k, n);
            rc4_apply(&rc, check, check, 16);
        }
        if (memcmp(check, u->s, 16) != 0)
            return VG_ERR_UNSUPPORTED;
    }
    c->stm = v == 4 ? crypt_filter(enc, "StmF", PDF_CRYPT_RC4) : PDF_CRYPT_RC4;
    c->str = v == 4 ? crypt_filter(enc, "StrF", PDF_CRYPT_RC4) : PDF_CRYPT_RC4;
    c->on = 1;
    return VG_OK;
}

/* Algorithm 1: the key of one object. */
static size_t object_key(const pdf_crypt *c, pdf_crypt_method m, uint32_t num, uint32_t gen,
                         uint8_t out[32])
{
    if (m == PDF_CRYPT_AES256) {
        memcpy(out, c->key, 32);
        return 32;
    }
    uint8_t ng[5] = {(uint8_t)num, (uint8_t)(num >> 8), (uint8_t)(num >> 16), (uint8_t)gen,
                     (uint8_t)(gen >> 8)};
    uint8_t h[16];
    if (!digest(EVP_md5(), c->key, c->key_len, ng, 5, "sAlT", m == PDF_CRYPT_AES128 ? 4 : 0, h))
        return 0;
    size_t n = c->key_len + 5 < 16 ? c->key_len + 5 : 16;
    memcpy(out, h, n);
    return n;
}

struct pdf_cipher {
    pdf_crypt_method m;
    rc4 rc;
    EVP_CIPHER_CTX *x;
    uint8_t key[32], iv[16];
    size_t niv;
    int started;
};

vg_error pdf_cipher_new(const pdf_crypt *c, uint32_t num, uint32_t gen, pdf_cipher **out)
{
    pdf_cipher *x = vg_calloc(1, sizeof *x);
    if (x == NULL)
        return VG_ERR_NOMEM;
    x->m = c->stm;
    size_t n = object_key(c, c->stm, num, gen, x->key);
    if (x->m == PDF_CRYPT_RC4)
        rc4_init(&x->rc, x->key, n ? n : 1);
    *out = x;
    return VG_OK;
}

size_t pdf_cipher_update(pdf_cipher *x, const uint8_t *in, size_t n, uint8_t *out)
{
    if (x->m == PDF_CRYPT_RC4) {
        rc4_apply(&x->rc, in, out, n);
        return n;
    }
    if (x->m == PDF_CRYPT_NONE) {
        memcpy(out, in, n);
        return n;
    }
    while (x->niv < 16 && n > 0) {
        x->iv[x->niv++] = *in++;
        n--;
    }
    if (x->niv < 16 || n == 0)
        return 0;
    if (!x->started) {
        x->started = 1;
        x->x = EVP_CIPHER_CTX_new();
        const EVP_CIPHER *ci = x->m == PDF_CRYPT_AES128 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
        if (x->x != NULL && !EVP_DecryptInit_ex(x->x, ci, NULL, x->key, x->iv)) {
            EVP_CIPHER_CTX_free(x->x);
            x->x = NULL;
        }
    }
    int len = 0;
    if (x->x == NULL || !EVP_DecryptUpdate(x->x, out, &len, in, (int)n))
        return 0;
    return (size_t)len;
}

size_t pdf_cipher_final(pdf_cipher *x, uint8_t *out)
{
    int len = 0;
    if (x->x == NULL || !EVP_DecryptFinal_ex(x->x, out, &len))
        return 0; /* bad padding: the last block is dropped */
    return (size_t)len;
}

void pdf_cipher_free(pdf_cipher *x)
{
    if (x == NULL)
        return;
    EVP_CIPHER_CTX_free(x->x);
    vg_free(x);
}

size_t pdf_crypt_string(const pdf_crypt *c, uint32_t num, uint32_t gen, uint8_t *s, size_t n)
{
    uint8_t key[32];
    size_t kn = object_key(c, c->str, num, gen, key);
    if (c->str == PDF_CRYPT_NONE || kn == 0)
        return n;
    if (c->str == PDF_CRYPT_RC4) {
        rc4 rc;
        rc4_init(&rc, key, kn);
        rc4_apply(&rc, s, s, n);
        return n;
    }
    if (n < 32 || n % 16 != 0)
        return 0;
    uint8_t *tmp = vg_malloc(n);
    if (tmp == NULL)
        return 0;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len = 0, len2 = 0;
    const EVP_CIPHER *ci = c->str == PDF_CRYPT_AES128 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
    int ok = x != NULL && EVP_DecryptInit_ex(x, ci, NULL, key, s) &&
             EVP_DecryptUpdate(x, tmp, &len, s + 16, (int)(n - 16)) &&
             EVP_DecryptFinal_ex(x, tmp + len, &len2);
    EVP_CIPHER_CTX_free(x);
    size_t out = ok ? (size_t)(len + len2) : 0;
    memcpy(s, tmp, out);
    vg_free(tmp);
    return out;
}
