/* fmap front end: range checks shared by every backend.
 *
 * A parser that computes `off = hdr->table + n * 16` from hostile fields may
 * ask for any range; the check `len > size - off` (after `off > size`) can
 * not overflow the way `off + len > size` would. */
#include "fmap_int.h"

uint64_t vg_fmap_size(const vg_fmap *map)
{
    return map->size;
}

const uint8_t *vg_fmap_need(vg_fmap *map, uint64_t off, size_t len)
{
    if (map == NULL || off > map->size || len > map->size - off)
        return NULL;
    return map->ops->need(map, off, len);
}

size_t vg_fmap_read(vg_fmap *map, uint64_t off, void *dst, size_t len)
{
    if (map == NULL || off >= map->size)
        return 0;
    if (len > map->size - off)
        len = (size_t)(map->size - off);
    if (len == 0)
        return 0;
    return map->ops->read(map, off, dst, len);
}

const uint8_t *vg_fmap_data(vg_fmap *map)
{
    return map ? map->ops->data(map) : NULL;
}

void vg_fmap_close(vg_fmap *map)
{
    if (map != NULL)
        map->ops->close(map);
}
