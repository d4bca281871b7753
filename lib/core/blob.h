/* A growable byte buffer for writing binary images, and a bounds-checked
 * reader for reading them back. Every section is 8-byte aligned so arrays
 * of integers can be used in place after reading. */
#ifndef VGI_CORE_BLOB_H
#define VGI_CORE_BLOB_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

typedef struct vgi_blob {
    uint8_t *p;
    size_t len, cap;
    vg_error err; /* first failure; later puts are no-ops */
} vgi_blob;

void vgi_blob_init(vgi_blob *b);
void vgi_blob_cleanup(vgi_blob *b);
/* Appends len bytes, then pads with zeros to a multiple of 8. */
void vgi_blob_put(vgi_blob *b, const void *data, size_t len);
void vgi_blob_put_u64(vgi_blob *b, uint64_t v);

typedef struct vgi_reader {
    const uint8_t *p;
    size_t len, pos;
    int bad; /* a take went out of bounds: everything after is refused */
} vgi_reader;

void vgi_reader_init(vgi_reader *r, const void *data, size_t len);
/* Pointer to the next len bytes (then skips the padding), or NULL. */
const void *vgi_reader_take(vgi_reader *r, size_t len);
/* Like take, for count elements of size each, refusing overflow. */
const void *vgi_reader_take_array(vgi_reader *r, uint64_t count, size_t size);
uint64_t vgi_reader_u64(vgi_reader *r);

#endif
