/* MAPI property lists inside TNEF attributes (attMAPIProps, attAttachment).
 *
 *     u32 count
 *     count times:
 *       u32 tag                 type (low 16 bits) | id << 16
 *       [id >= 0x8000: named]   GUID[16], u32 kind, (kind 0: u32 id |
 *                               kind 1: u32 n, UTF-16 name[n], pad to 4)
 *       [type & 0x1000: multi]  u32 number of values
 *       value(s)                fixed types: 4, 8 or 16 bytes
 *                               string/binary/object: u32 number of values,
 *                               then each: u32 size, bytes, pad to 4
 *
 * The walker reads the list in place through the fmap and hands each
 * variable-size value (strings, binaries, objects) to a callback as an
 * offset and length inside the map; it never copies values. */
#ifndef VGI_FMT_TNEF_MAPI_H
#define VGI_FMT_TNEF_MAPI_H

#include <stdint.h>
#include <vigil/fmap.h>

#define VGI_PT_STRING8 0x001e
#define VGI_PT_UNICODE 0x001f
#define VGI_PT_BINARY  0x0102
#define VGI_PT_OBJECT  0x000d

typedef struct vgi_tnef_prop {
    uint16_t type; /* without the multi-value flag */
    uint16_t id;
    int named;    /* id is a named property's slot, not a standard tag */
    uint64_t off; /* the value's bytes in the map */
    uint64_t len; /* as declared, cut to what the list holds */
} vgi_tnef_prop;

/* Returns nonzero to stop the walk. */
typedef int (*vgi_tnef_prop_fn)(void *user, const vgi_tnef_prop *prop);

/* Walks the list in map[off, off + len). VG_OK at its end or when fn stops
 * it; VG_ERR_MALFORMED (unknown type, count or size past the list) with
 * *where set to the offending offset. Work is bounded by len: every value
 * read consumes at least 4 bytes of the list. */
vg_error vgi_tnef_mapi_walk(vg_fmap *map, uint64_t off, uint64_t len, vgi_tnef_prop_fn fn,
                            void *user, uint64_t *where);

#endif
