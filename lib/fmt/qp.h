/* Quoted-printable (RFC 2045 6.7) decoding, one line at a time.
 *
 *     "caf=C3=A9 =\n"          -> "caf\xc3\xa9 " and no newline (soft break)
 *     "end of line   \n"       -> "end of line" + a hard break (trailing blanks dropped)
 *
 * A line may come in several pieces (a reader that cuts long lines): the
 * state carries a pending "=X" and held-back blanks across pieces. Broken
 * escapes ("=G1", "=" mid-line) are kept literally, as mail readers do. */
#ifndef VGI_FMT_QP_H
#define VGI_FMT_QP_H

#include <stddef.h>
#include <stdint.h>

/* Blanks held back at most; beyond, they are written (a line of 10 KiB of
 * spaces must not need 10 KiB of state). */
#define VGI_QP_WS_MAX 80
/* Room decode() may need in out beyond the input length. */
#define VGI_QP_SLACK (VGI_QP_WS_MAX + 4)

typedef struct vgi_qp {
    uint8_t pend[2]; /* '=' and maybe one hex digit, waiting for the rest */
    unsigned npend;
    int eq_blank; /* "= " seen: a soft break padded with blanks, unless more follows */
    size_t ws;    /* blanks held back: trailing blanks are not data */
    uint8_t wsbuf[VGI_QP_WS_MAX];
} vgi_qp;

void vgi_qp_init(vgi_qp *st);

/* Decodes a piece of one line (no line terminator) into out, which has
 * room for len + VGI_QP_SLACK bytes; returns the bytes written. */
size_t vgi_qp_decode(vgi_qp *st, const uint8_t *in, size_t len, uint8_t *out);

/* Ends the current line: writes what a dangling escape leaves (at most 2
 * bytes) to out and its count to *n. Returns 1 for a soft break ('=' at
 * the end: no newline belongs here), 0 for a hard break. */
int vgi_qp_line_end(vgi_qp *st, uint8_t out[2], size_t *n);

#endif
