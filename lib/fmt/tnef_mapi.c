/* MAPI property list walker (see tnef_mapi.h for the layout).
 *
 * Every length comes from the input: each is checked against what is left
 * of the list before it is used, so a property that claims 4 GiB ends the
 * walk with an error instead of a read past the attribute. */
#include "tnef_mapi.h"

#define MV_FLAG 0x1000

typedef struct cursor {
    vg_fmap *map;
    uint64_t pos, end;
} cursor;

static int get_u32(cursor *c, uint32_t *v)
{
    if (c->end - c->pos < 4)
        return -1;
    const uint8_t *p = vg_fmap_need(c->map, c->pos, 4);
    if (p == NULL)
        return -1;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    c->pos += 4;
    return 0;
}

static int skip(cursor *c, uint64_t n)
{
    if (c->end - c->pos < n)
        return -1;
    c->pos += n;
    return 0;
}

/* Size of one value of a fixed-size type; 0 for variable types, -1 unknown. */
static int fixed_size(uint16_t type)
{
    switch (type) {
    case 0x0002: /* I2, padded */
    case 0x0003: /* LONG */
    case 0x0004: /* R4 */
    case 0x000a: /* ERROR */
    case 0x000b: /* BOOLEAN, padded */
        return 4;
    case 0x0005: /* DOUBLE */
    case 0x0006: /* CURRENCY */
    case 0x0007: /* APPTIME */
    case 0x0014: /* I8 */
    case 0x0040: /* SYSTIME */
        return 8;
    case 0x0048: /* CLSID */
        return 16;
    case VGI_PT_STRING8:
    case VGI_PT_UNICODE:
    case VGI_PT_BINARY:
    case VGI_PT_OBJECT:
        return 0;
    default:
        return -1;
    }
}

static int skip_name(cursor *c)
{
    uint32_t kind, v;
    if (skip(c, 16) < 0 || get_u32(c, &kind) < 0 || get_u32(c, &v) < 0)
        return -1;
    if (kind == 0)
        return 0; /* v was the numeric id */
    if (kind != 1)
        return -1;
    return skip(c, ((uint64_t)v + 3) & ~(uint64_t)3);
}

vg_error vgi_tnef_mapi_walk(vg_fmap *map, uint64_t off, uint64_t len, vgi_tnef_prop_fn fn,
                            void *user, uint64_t *where)
{
    cursor c = {map, off, off + len};
    uint32_t count;
    if (get_u32(&c, &count) < 0)
        goto bad;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t tag;
        uint64_t at = c.pos;
        if (get_u32(&c, &tag) < 0)
            goto bad;
        vgi_tnef_prop prop = {.type = (uint16_t)(tag & 0xffff & ~MV_FLAG),
                              .id = (uint16_t)(tag >> 16)};
        int multi = (tag & MV_FLAG) != 0;
        if (prop.id >= 0x8000) {
            prop.named = 1;
            if (skip_name(&c) < 0)
                goto bad;
        }
        int fsize = fixed_size(prop.type);
        if (fsize < 0) {
            c.pos = at;
            goto bad;
        }
        uint32_t nvalues = 1;
        /* Variable types always carry a count; fixed ones only when multi. */
        if ((multi || fsize == 0) && get_u32(&c, &nvalues) < 0)
            goto bad;
        if (fsize > 0) {
            /* Checked before the loop: a count of 2^32 costs nothing. */
            if ((uint64_t)nvalues * (uint64_t)fsize > c.end - c.pos ||
                skip(&c, (uint64_t)nvalues * (uint64_t)fsize) < 0)
                goto bad;
            continue;
        }
        for (uint32_t k = 0; k < nvalues; k++) {
            uint32_t size;
            if (get_u32(&c, &size) < 0)
                goto bad;
            prop.off = c.pos;
            prop.len = size;
            uint64_t padded = ((uint64_t)size + 3) & ~(uint64_t)3;
            if (padded > c.end - c.pos) {
                /* The last value may lack its padding; anything more is
                 * a size past the list. */
                if (size > c.end - c.pos)
                    goto bad;
                padded = size;
            }
            if (fn(user, &prop))
                return VG_OK;
            c.pos += padded;
        }
    }
    return VG_OK;
bad:
    *where = c.pos;
    return VG_ERR_MALFORMED;
}
