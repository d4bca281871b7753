/* Message digests (OpenSSL libcrypto), as the signature formats name them. */
#ifndef VGI_CORE_HASH_H
#define VGI_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

typedef enum vgi_hash_kind {
    VGI_HASH_MD5 = 0,
    VGI_HASH_SHA1 = 1,
    VGI_HASH_SHA256 = 2,
    VGI_HASH_KINDS = 3,
} vgi_hash_kind;

#define VGI_HASH_MAX 32

/* 16, 20, 32 */
size_t vgi_hash_len(vgi_hash_kind kind);
const char *vgi_hash_name(vgi_hash_kind kind);

/* Incremental digests of several kinds at once over one pass of the data. */
typedef struct vgi_hasher vgi_hasher;
vg_error vgi_hasher_new(vgi_hasher **out);
void vgi_hasher_free(vgi_hasher *h);
/* kinds: bit mask of (1u << vgi_hash_kind). */
vg_error vgi_hasher_start(vgi_hasher *h, unsigned kinds);
vg_error vgi_hasher_update(vgi_hasher *h, const void *data, size_t len);
/* Writes each requested digest to out[kind]. */
vg_error vgi_hasher_finish(vgi_hasher *h, uint8_t out[VGI_HASH_KINDS][VGI_HASH_MAX]);

/* Value of one hex digit (either case), or -1. */
int vgi_hex_digit(char c);

/* Parses 2*len hex digits (either case) into out; 0 on success, -1 otherwise. */
int vgi_hex_decode(const char *hex, size_t len, uint8_t *out);

#endif
