/* yEnc (yenc.org, version 1.3): 8-bit binaries in Usenet and mail text.
 *
 *     =ybegin part=1 line=128 size=544 name=clam.exe
 *     =ypart begin=1 end=544                  multipart posts only
 *     <data: each byte + 42 mod 256; NUL, LF, CR, '=' escaped as '=' + (c + 64)>
 *     =yend size=544 crc32=...
 *
 * Lines starting "=y" are control lines; data lines never do ("=y" would
 * escape a byte no encoder escapes). The decoder works on pieces of a line;
 * the caller recognises the control lines. */
#ifndef VGI_FMT_YENC_H
#define VGI_FMT_YENC_H

#include <stddef.h>
#include <stdint.h>

typedef struct vgi_yenc {
    int esc; /* an '=' ended the previous piece */
} vgi_yenc;

/* Decodes a piece of a data line into out (room for len bytes). */
size_t vgi_yenc_decode(vgi_yenc *st, const uint8_t *in, size_t len, uint8_t *out);

/* Ends a data line: an escape cannot span lines. */
void vgi_yenc_line_end(vgi_yenc *st);

/* 1 when line is a "=ybegin " line; its name= value (the rest of the line,
 * as the spec says, so names may hold blanks) is copied to name, cut to
 * cap - 1 bytes, "" when absent. */
int vgi_yenc_begin(const uint8_t *line, size_t len, char *name, size_t cap);

#endif
