/* Quoted-printable decoding (see qp.h). The decoder is a small state
 * machine so that a line cut into pieces decodes exactly as it would whole:
 * "=4" at the end of one piece and "1" at the start of the next give 'A'. */
#include "qp.h"

#include <string.h>

void vgi_qp_init(vgi_qp *st)
{
    memset(st, 0, sizeof *st);
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static size_t flush_ws(vgi_qp *st, uint8_t *out)
{
    size_t n = st->ws;
    memcpy(out, st->wsbuf, n);
    st->ws = 0;
    return n;
}

/* out has room for VGI_QP_SLACK + 1 bytes per call. */
static size_t put(vgi_qp *st, uint8_t c, uint8_t *out)
{
    size_t o = 0;
    if (c == ' ' || c == '\t') {
        if (st->ws == VGI_QP_WS_MAX)
            o = flush_ws(st, out);
        st->wsbuf[st->ws++] = c;
        return o;
    }
    o = flush_ws(st, out);
    out[o++] = c;
    return o;
}

size_t vgi_qp_decode(vgi_qp *st, const uint8_t *in, size_t len, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = in[i];
        if (st->eq_blank) {
            if (c == ' ' || c == '\t')
                continue;
            /* "=  x": not a soft break after all; keep the '=' */
            st->eq_blank = 0;
            o += put(st, '=', out + o);
        }
        if (st->npend == 0) {
            if (c == '=') {
                st->pend[0] = c;
                st->npend = 1;
            } else {
                o += put(st, c, out + o);
            }
            continue;
        }
        if (st->npend == 1 && (c == ' ' || c == '\t')) {
            st->npend = 0;
            st->eq_blank = 1;
            continue;
        }
        int v = hexval(c);
        if (v < 0) {
            /* broken escape: the pending bytes are data, c is looked at anew */
            for (unsigned k = 0; k < st->npend; k++)
                o += put(st, st->pend[k], out + o);
            st->npend = 0;
            i--;
            continue;
        }
        if (st->npend == 1) {
            st->pend[1] = c;
            st->npend = 2;
            continue;
        }
        st->npend = 0;
        o += put(st, (uint8_t)(hexval(st->pend[1]) << 4 | v), out + o);
    }
    return o;
}

int vgi_qp_line_end(vgi_qp *st, uint8_t out[2], size_t *n)
{
    *n = 0;
    st->ws = 0; /* trailing blanks were transport padding */
    if (st->eq_blank) {
        st->eq_blank = 0;
        return 1;
    }
    if (st->npend == 1) {
        st->npend = 0;
        return 1;
    }
    if (st->npend == 2) {
        out[0] = st->pend[0];
        out[1] = st->pend[1];
        *n = 2;
        st->npend = 0;
    }
    return 0;
}
