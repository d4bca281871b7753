/* What a MIME entity's header block says about its body.
 *
 *     Content-Type: application/octet-stream; name="a.exe"
 *     Content-Disposition: attachment; filename*=UTF-8''clam%2Eexe
 *     Content-Transfer-Encoding: base64
 *
 * gives type "application/octet-stream", encoding "base64", disposition
 * "attachment" and file name "clam.exe": Content-Disposition's filename
 * wins over Content-Type's name (the latter is the older, Outlook form).
 * Names are reduced to their last path component, so "C:\tmp\a.exe" and
 * "../../a.exe" both read "a.exe" in a path chain. */
#include <string.h>

#include "mime_hdr.h"

void vgi_mime_clean_name(char *dst, size_t cap, const char *src)
{
    const char *b = src;
    for (const char *p = src; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    size_t o = 0;
    for (; *b && o + 1 < cap; b++)
        dst[o++] = ((unsigned char)*b < 0x20 || *b == 0x7f) ? '?' : *b;
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    if (cap > 0)
        dst[o] = '\0';
}

void vgi_mime_entity_read(const uint8_t *hdr, size_t len, int digest, vgi_mime_entity *e, char *val,
                          size_t cap)
{
    char raw[VGI_MIME_NAME_MAX];
    memset(e, 0, sizeof *e);
    raw[0] = '\0';
    if (vgi_mime_header_get(hdr, len, "content-type", val, cap)) {
        vgi_mime_token(val, e->type, sizeof e->type);
        if (strncmp(e->type, "multipart/", 10) == 0 &&
            vgi_mime_param(val, "boundary", e->boundary, sizeof e->boundary) &&
            strlen(e->boundary) >= VGI_MIME_BOUNDARY_MAX)
            e->boundary[0] = '\0'; /* cut: it would never match */
        vgi_mime_param(val, "name", raw, sizeof raw);
    }
    if (e->type[0] == '\0')
        strcpy(e->type, digest ? "message/rfc822" : "text/plain");
    if (vgi_mime_header_get(hdr, len, "content-disposition", val, cap)) {
        char fn[VGI_MIME_NAME_MAX];
        vgi_mime_token(val, e->disposition, sizeof e->disposition);
        if (vgi_mime_param(val, "filename", fn, sizeof fn) && fn[0] != '\0')
            memcpy(raw, fn, sizeof fn);
    }
    if (vgi_mime_header_get(hdr, len, "content-transfer-encoding", val, cap))
        vgi_mime_token(val, e->encoding, sizeof e->encoding);
    vgi_mime_clean_name(e->filename, sizeof e->filename, raw);
}
