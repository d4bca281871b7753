/* RFC 822/2045 header blocks: fields, unfolding, tokens and parameters.
 *
 *     Content-Type: application/octet-stream;
 *      name*0*=utf-8''clam%2E;  name*1="exe"
 *
 * gives the token "application/octet-stream" and the parameter name
 * "clam.exe". Parameters follow RFC 2045 (token or quoted string), RFC 2231
 * (name*=charset'lang'%XX, continuations name*0, name*1*, ... in any order)
 * and, for the plain form, RFC 2047 encoded words (=?utf-8?B?...?=), which
 * many mailers put in file names against the rules. Bytes are not
 * converted between charsets: a UTF-8 name stays UTF-8.
 *
 * Everything works on a header block the caller collected (bounded by it)
 * and writes into caller buffers with a capacity: values are cut, never
 * overrun. */
#ifndef VGI_FMT_MIME_HDR_H
#define VGI_FMT_MIME_HDR_H

#include <stddef.h>
#include <stdint.h>

/* 1 when p[0..len) starts with a field name and ':' ("X-Foo: bar"). */
int vgi_mime_header_line(const uint8_t *p, size_t len);

/* Length of the field name when p[0..len) is "Name:", else 0. */
size_t vgi_mime_field_name(const uint8_t *p, size_t len);

/* Finds the first field called name (case-insensitive) in the block (lines
 * separated by '\n', continuation lines start with a blank) and writes its
 * unfolded value, blanks trimmed, NUL-terminated, cut to cap - 1 bytes.
 * Returns 1 when found. */
int vgi_mime_header_get(const uint8_t *blk, size_t len, const char *name, char *out, size_t cap);

/* The value's first token (up to ';' or a blank), lowercased: the type of
 * Content-Type ("multipart/mixed"), the Content-Transfer-Encoding, the
 * Content-Disposition. */
void vgi_mime_token(const char *value, char *out, size_t cap);

/* Parameter name of a field value (after its first ';'), decoded as the
 * comment at the top says, into out (cut to cap - 1 bytes). 1 when found. */
int vgi_mime_param(const char *value, const char *name, char *out, size_t cap);

/* Decodes RFC 2047 encoded words in s, in place (the result is never
 * longer). Blanks between two encoded words are dropped. */
void vgi_mime_decode_words(char *s);

/* What an entity's header block says about its body (mime_entity.c). */
#define VGI_MIME_BOUNDARY_MAX 200 /* RFC 2046 allows 70 */
#define VGI_MIME_NAME_MAX     256
typedef struct vgi_mime_entity {
    char type[128];                           /* lowercased; the default when absent */
    char boundary[VGI_MIME_BOUNDARY_MAX + 1]; /* multipart/ only; "" when none or too long */
    char encoding[64];                        /* Content-Transfer-Encoding, lowercased */
    char disposition[64];                     /* "attachment", "inline", "" */
    char filename[VGI_MIME_NAME_MAX];         /* last path component, control bytes as '?' */
} vgi_mime_entity;

/* Reads the fields of a header block. digest: the entity is a part of a
 * multipart/digest, whose default type is message/rfc822. scratch (any
 * size; VAL_MAX-ish) holds one unfolded value at a time. */
void vgi_mime_entity_read(const uint8_t *hdr, size_t len, int digest, vgi_mime_entity *e,
                          char *scratch, size_t cap);

/* Copies a file name fit for a path chain into dst: its last path
 * component, control bytes replaced by '?', trailing blanks dropped. */
void vgi_mime_clean_name(char *dst, size_t cap, const char *src);

#endif
