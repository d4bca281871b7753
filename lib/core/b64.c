/* Base64 decoding for mail bodies, data: URIs and uuencode's base64 variant. */
#include "b64.h"

int vgi_b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

void vgi_b64_init(vgi_b64 *st, int lenient)
{
    st->acc = 0;
    st->bits = 0;
    st->lenient = lenient;
    st->done = 0;
    st->bad = 0;
}

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

size_t vgi_b64_decode(vgi_b64 *st, const uint8_t *in, size_t len, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len && !st->done; i++) {
        uint8_t c = in[i];
        if (c == '=') {
            st->done = 1;
            break;
        }
        int v = vgi_b64_value(c);
        if (v < 0) {
            if (is_space(c))
                continue;
            if (!st->lenient) {
                st->done = 1;
                break;
            }
            st->bad++;
            continue;
        }
        st->acc = (st->acc << 6 | (uint32_t)v) & 0xffffff;
        st->bits += 6;
        if (st->bits >= 8) {
            st->bits -= 8;
            out[o++] = (uint8_t)(st->acc >> st->bits);
        }
    }
    return o;
}
