/* fmap view of a range of another map: members stored uncompressed inside
 * a container are scanned in place, without copying or temporary files. */
#include "../core/mem.h"
#include "fmap_int.h"

typedef struct sub_map {
    vg_fmap base;
    vg_fmap *parent;
    uint64_t start;
} sub_map;

static const uint8_t *sub_need(vg_fmap *map, uint64_t off, size_t len)
{
    sub_map *s = (sub_map *)map;
    return vg_fmap_need(s->parent, s->start + off, len);
}

static size_t sub_read(vg_fmap *map, uint64_t off, void *dst, size_t len)
{
    sub_map *s = (sub_map *)map;
    return vg_fmap_read(s->parent, s->start + off, dst, len);
}

static const uint8_t *sub_data(vg_fmap *map)
{
    sub_map *s = (sub_map *)map;
    const uint8_t *p = vg_fmap_data(s->parent);
    return p ? p + s->start : NULL;
}

static void sub_close(vg_fmap *map)
{
    vg_free(map);
}

static const vgi_fmap_ops sub_ops = {sub_need, sub_read, sub_data, sub_close};

vg_error vg_fmap_sub(vg_fmap *parent, uint64_t off, uint64_t len, vg_fmap **out)
{
    *out = NULL;
    if (parent == NULL || off > parent->size || len > parent->size - off)
        return VG_ERR_INVALID_ARG;
    sub_map *s = vg_calloc(1, sizeof *s);
    if (s == NULL)
        return VG_ERR_NOMEM;
    s->base.ops = &sub_ops;
    s->base.size = len;
    s->parent = parent;
    s->start = off;
    *out = &s->base;
    return VG_OK;
}
