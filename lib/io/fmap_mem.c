/* fmap over a memory buffer: need() is pointer arithmetic after the range
 * check in fmap.c. The map either borrows the buffer or owns it (_take). */
#include <string.h>

#include "../core/mem.h"
#include "fmap_int.h"

typedef struct mem_map {
    vg_fmap base;
    const uint8_t *buf;
    void *owned;
} mem_map;

static const uint8_t *mem_need(vg_fmap *map, uint64_t off, size_t len)
{
    (void)len;
    return ((mem_map *)map)->buf + off;
}

static size_t mem_read(vg_fmap *map, uint64_t off, void *dst, size_t len)
{
    memcpy(dst, ((mem_map *)map)->buf + off, len);
    return len;
}

static const uint8_t *mem_data(vg_fmap *map)
{
    return ((mem_map *)map)->buf;
}

static void mem_close(vg_fmap *map)
{
    vg_free(((mem_map *)map)->owned);
    vg_free(map);
}

static const vgi_fmap_ops mem_ops = {mem_need, mem_read, mem_data, mem_close};

static const uint8_t empty_buf[1];

static vg_error open_mem(const void *buf, size_t len, void *owned, vg_fmap **out)
{
    *out = NULL;
    if (buf == NULL && len != 0) {
        vg_free(owned);
        return VG_ERR_INVALID_ARG;
    }
    mem_map *m = vg_calloc(1, sizeof *m);
    if (m == NULL) {
        vg_free(owned);
        return VG_ERR_NOMEM;
    }
    m->base.ops = &mem_ops;
    m->base.size = len;
    m->buf = buf ? buf : empty_buf;
    m->owned = owned;
    *out = &m->base;
    return VG_OK;
}

vg_error vg_fmap_open_mem(const void *buf, size_t len, vg_fmap **out)
{
    return open_mem(buf, len, NULL, out);
}

vg_error vg_fmap_open_mem_take(void *buf, size_t len, vg_fmap **out)
{
    return open_mem(buf, len, buf, out);
}
