/* The standard security handler of PDF, for the empty user password. */
#ifndef VGI_FMT_PDF_CRYPT_H
#define VGI_FMT_PDF_CRYPT_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#include "pdf_lex.h"

typedef enum pdf_crypt_method {
    PDF_CRYPT_NONE = 0,
    PDF_CRYPT_RC4,
    PDF_CRYPT_AES128,
    PDF_CRYPT_AES256,
} pdf_crypt_method;

typedef struct pdf_crypt {
    int on;
    pdf_crypt_method stm, str;
    int encrypt_metadata;
    uint8_t key[32];
    size_t key_len;
} pdf_crypt;

/* Sets c up from the /Encrypt dictionary and the first string of the
 * trailer's /ID. VG_OK when the empty user password opens the document;
 * VG_ERR_UNSUPPORTED for another handler, revision or a real password. */
vg_error pdf_crypt_init(pdf_crypt *c, const pdf_obj *enc, const uint8_t *id0, size_t id0_len);

/* Decrypts a string of object num/gen in place; returns its new length. */
size_t pdf_crypt_string(const pdf_crypt *c, uint32_t num, uint32_t gen, uint8_t *s, size_t n);

/* Streaming decryption of one stream. */
typedef struct pdf_cipher pdf_cipher;
vg_error pdf_cipher_new(const pdf_crypt *c, uint32_t num, uint32_t gen, pdf_cipher **out);
/* Decrypts n bytes into out (room for n + 16); returns how many came out. */
size_t pdf_cipher_update(pdf_cipher *x, const uint8_t *in, size_t n, uint8_t *out);
/* The last block (AES padding removed); returns its length. */
size_t pdf_cipher_final(pdf_cipher *x, uint8_t *out);
void pdf_cipher_free(pdf_cipher *x);

#endif
