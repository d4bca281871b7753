/* fmap backends: a small vtable, one backend per file (mem, fd, sub).
 * fmap.c checks every range before a backend sees it, so backends may
 * assume off + len <= size without overflow. */
#ifndef VGI_IO_FMAP_INT_H
#define VGI_IO_FMAP_INT_H

#include <vigil/fmap.h>

typedef struct vgi_fmap_ops {
    const uint8_t *(*need)(vg_fmap *map, uint64_t off, size_t len);
    size_t (*read)(vg_fmap *map, uint64_t off, void *dst, size_t len);
    const uint8_t *(*data)(vg_fmap *map);
    void (*close)(vg_fmap *map);
} vgi_fmap_ops;

struct vg_fmap {
    const vgi_fmap_ops *ops;
    uint64_t size;
};

#endif
