/* yEnc decoding (see yenc.h): a byte-wise subtraction with one escape. */
#include "yenc.h"

#include <string.h>

size_t vgi_yenc_decode(vgi_yenc *st, const uint8_t *in, size_t len, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = in[i];
        if (st->esc) {
            st->esc = 0;
            out[o++] = (uint8_t)(c - 64 - 42);
        } else if (c == '=') {
            st->esc = 1;
        } else if (c != '\r' && c != '\n') {
            out[o++] = (uint8_t)(c - 42);
        }
    }
    return o;
}

void vgi_yenc_line_end(vgi_yenc *st)
{
    st->esc = 0;
}

int vgi_yenc_begin(const uint8_t *line, size_t len, char *name, size_t cap)
{
    static const char tag[] = "=ybegin ";
    if (len < sizeof tag - 1 || memcmp(line, tag, sizeof tag - 1) != 0)
        return 0;
    name[0] = '\0';
    for (size_t i = sizeof tag - 1; i + 5 <= len; i++) {
        if (memcmp(line + i, "name=", 5) != 0 || line[i - 1] != ' ')
            continue;
        size_t n = len - i - 5;
        if (n > cap - 1)
            n = cap - 1;
        memcpy(name, line + i + 5, n);
        name[n] = '\0';
        break;
    }
    return 1;
}
