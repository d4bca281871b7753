/* Base64 (RFC 4648) decoding that survives what mail and web pages do to it.
 *
 * Incremental: feed any number of pieces, the state carries partial quads
 * across them. Whitespace and line breaks are skipped anywhere; the first
 * '=' ends the data (what follows is ignored, as mail readers do). Other
 * bytes outside the alphabet either end the data (strict) or are skipped
 * (lenient, as clamscan does for mail bodies). The URL-safe alphabet
 * ('-' '_') is accepted too.
 *
 *     vgi_b64 st;
 *     vgi_b64_init(&st, 0);
 *     size_t n = vgi_b64_decode(&st, in, in_len, out);      out >= in_len*3/4+3
 *     ... more pieces ...
 *     if (st.done) ...                                      '=' or a bad byte seen
 */
#ifndef VGI_CORE_B64_H
#define VGI_CORE_B64_H

#include <stddef.h>
#include <stdint.h>

typedef struct vgi_b64 {
    uint32_t acc;
    unsigned bits;
    int lenient; /* skip bytes outside the alphabet instead of stopping */
    int done;    /* '=' (or, strict, a byte outside the alphabet) was seen */
    size_t bad;  /* bytes outside the alphabet and whitespace skipped (lenient) */
} vgi_b64;

void vgi_b64_init(vgi_b64 *st, int lenient);

/* Decodes in into out (room for VGI_B64_OUT(len) bytes) and returns the
 * bytes written. After st->done it consumes nothing and returns 0. */
size_t vgi_b64_decode(vgi_b64 *st, const uint8_t *in, size_t len, uint8_t *out);
#define VGI_B64_OUT(len) ((len) / 4 * 3 + 3)

/* Value of one base64 character (standard or URL-safe alphabet), or -1. */
int vgi_b64_value(uint8_t c);

#endif
