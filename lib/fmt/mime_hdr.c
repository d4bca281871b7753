/* Header fields of a collected header block (see mime_hdr.h).
 *
 *     Content-Type: multipart/mixed;\n        a field: name, ':', value
 *     \tboundary="b1"\n                       folded: a line starting with a blank
 *
 * gives "multipart/mixed;\tboundary=\"b1\"" for Content-Type. Only the
 * first field of a name counts: a second Content-Type (a trick to make two
 * parsers disagree) is ignored, as most mail readers do. */
#include "mime_hdr.h"

#include <string.h>

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

size_t vgi_mime_field_name(const uint8_t *p, size_t len)
{
    /* RFC 5322 ftext: printable ASCII but ':'; names are short in practice,
     * and a long run of such bytes is text, not a header. */
    size_t i = 0;
    while (i < len && i < 128 && p[i] > ' ' && p[i] < 0x7f && p[i] != ':')
        i++;
    if (i == 0 || i >= len || p[i] != ':')
        return 0;
    return i;
}

int vgi_mime_header_line(const uint8_t *p, size_t len)
{
    return vgi_mime_field_name(p, len) != 0;
}

static int is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

int vgi_mime_header_get(const uint8_t *blk, size_t len, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    size_t i = 0;
    if (cap == 0)
        return 0;
    out[0] = '\0';
    while (i < len) {
        const uint8_t *nl = memchr(blk + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - blk) : len;
        size_t fl = vgi_mime_field_name(blk + i, end - i);
        int match = fl == nlen;
        for (size_t k = 0; match && k < nlen; k++)
            match = lower(blk[i + k]) == lower((unsigned char)name[k]);
        if (!match) {
            i = end + 1;
            continue;
        }
        /* the value and its continuation lines, newlines dropped */
        size_t o = 0;
        size_t j = i + fl + 1;
        for (;;) {
            for (; j < end; j++)
                if (o + 1 < cap && blk[j] != '\r')
                    out[o++] = (char)blk[j];
            if (end >= len || end + 1 >= len || !(blk[end + 1] == ' ' || blk[end + 1] == '\t'))
                break;
            j = end + 1;
            nl = memchr(blk + j, '\n', len - j);
            end = nl ? (size_t)(nl - blk) : len;
        }
        while (o > 0 && is_blank((uint8_t)out[o - 1]))
            o--;
        out[o] = '\0';
        size_t s = 0;
        while (s < o && is_blank((uint8_t)out[s]))
            s++;
        memmove(out, out + s, o - s + 1);
        return 1;
    }
    return 0;
}

void vgi_mime_token(const char *value, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = value;
    while (*p == ' ' || *p == '\t')
        p++;
    for (; *p && *p != ';' && *p != ' ' && *p != '\t' && *p != '(' && o + 1 < cap; p++)
        if (*p != '"')
            out[o++] = (char)lower((unsigned char)*p);
    if (cap > 0)
        out[o] = '\0';
}
