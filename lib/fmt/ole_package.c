/* OLE Package native data (see ole_package.h). Every read is bounds-checked
 * against the input; names are copied cut and made printable. */
#include "ole_package.h"

#include <string.h>

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Skips a NUL-terminated string at *off, copying it (cut, printable) to
 * name when name != NULL. -1 when no NUL before the end. */
static int skip_cstr(const uint8_t *p, size_t len, size_t *off, char *name)
{
    const uint8_t *nul = memchr(p + *off, 0, len - *off);
    if (nul == NULL)
        return -1;
    size_t n = (size_t)(nul - (p + *off));
    if (name != NULL) {
        size_t k = n < VGI_OLE_NAME_MAX ? n : VGI_OLE_NAME_MAX;
        for (size_t i = 0; i < k; i++) {
            uint8_t c = p[*off + i];
            name[i] = c >= 0x20 && c < 0x7f && c != '/' ? (char)c : '_';
        }
        name[k] = '\0';
    }
    *off += n + 1;
    return 0;
}

int vgi_ole_package_parse(const uint8_t *p, size_t len, vgi_ole_package *out)
{
    memset(out, 0, sizeof *out);
    size_t off = 0;
    if (len < 2 || p[0] != 2 || p[1] != 0)
        return -1;
    off = 2;
    if (skip_cstr(p, len, &off, out->label) < 0 || skip_cstr(p, len, &off, NULL) < 0)
        return -1;
    if (len - off < 8)
        return -1;
    unsigned kind = p[off + 2] | p[off + 3] << 8;
    if (kind != 3)
        return -1; /* a link: no embedded data */
    off += 4;
    uint32_t n = rd32(p + off);
    off += 4;
    if (n > len - off)
        return -1;
    off += n;
    if (len - off < 4)
        return -1;
    uint32_t size = rd32(p + off);
    off += 4;
    out->data_off = off;
    out->data_len = size <= len - off ? size : len - off;
    out->truncated = size > len - off;
    return 0;
}

int vgi_ole10native_parse(const uint8_t *p, size_t len, vgi_ole_package *out)
{
    if (len < 4)
        return -1;
    if (vgi_ole_package_parse(p + 4, len - 4, out) < 0)
        return -1;
    out->data_off += 4;
    return 0;
}
