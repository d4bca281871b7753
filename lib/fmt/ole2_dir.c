/* The directory tree and the names of its entries.
 *
 * Each storage's children form a red-black tree through left/right links,
 * and the child link leads from a storage to the root of its own tree:
 *
 *     Root Entry --child--> WordDocument --left--> 1Table
 *                                        --right--> ObjectPool --child--> _1234 ...
 *
 * A hostile file makes these links point back up (a cycle), share a
 * subtree between storages, or nest storages a million deep. The walk
 * keeps its own stack (each visited entry pushes at most three links, so
 * 3n + 1 slots suffice), visits each entry once through a bitmap and does
 * not enter storages nested deeper than VGI_OLE2_MAX_NEST.
 *
 * Names are UTF-16. Control characters (the \1 of "\1Ole10Native", the \5
 * of "\5SummaryInformation") are shown as \x01, and MSI's packed names
 * are decoded: MSI stores its table and stream names with two base-64
 * characters per code unit in 0x3800..0x47FF, one in 0x4800..0x483F, and
 * 0x4840 in front of table names (shown as '!', as msitools does). */
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "ole2_cfb.h"

typedef struct walk_item {
    uint32_t idx, parent;
} walk_item;

vg_error vgi_ole2_walk(vgi_ole2 *o)
{
    uint32_t n = o->ndir;
    if (n == 0)
        return VG_OK;
    vg_error err = VG_ERR_NOMEM;
    uint8_t *seen = vg_calloc(n, 1), *depth = vg_calloc(n, 1);
    walk_item *stk = vg_malloc(((size_t)3 * n + 1) * sizeof *stk);
    o->order = vg_malloc((size_t)n * sizeof *o->order);
    o->parent = vg_malloc((size_t)n * sizeof *o->parent);
    if (seen == NULL || depth == NULL || stk == NULL || o->order == NULL || o->parent == NULL)
        goto done;
    for (uint32_t i = 0; i < n; i++)
        o->parent[i] = VGI_OLE2_FREE;
    o->parent[0] = 0;
    seen[0] = 1;
    size_t sp = 0;
    stk[sp++] = (walk_item){o->dir[0].child, 0};
    int bad = 0, cycle = 0, deep = 0;
    while (sp > 0) {
        walk_item it = stk[--sp];
        if (it.idx == VGI_OLE2_FREE)
            continue;
        if (it.idx >= n) {
            if (!bad++)
                vgi_ole2_report(o, VG_ERR_MALFORMED,
                                "directory link to entry %u; there are %u entries", it.idx, n);
            continue;
        }
        if (seen[it.idx]) {
            if (!cycle++)
                vgi_ole2_report(o, VG_ERR_MALFORMED,
                                "directory tree reaches entry %u twice (a cycle or shared subtree)",
                                it.idx);
            continue;
        }
        seen[it.idx] = 1;
        const vgi_ole2_entry *e = &o->dir[it.idx];
        if (e->type != VGI_OLE2_STORAGE && e->type != VGI_OLE2_STREAM && e->type != VGI_OLE2_ROOT)
            continue; /* unused or unknown: its links mean nothing */
        o->parent[it.idx] = it.parent;
        o->order[o->norder++] = it.idx;
        stk[sp++] = (walk_item){e->right, it.parent};
        stk[sp++] = (walk_item){e->left, it.parent};
        if (e->type != VGI_OLE2_STREAM) {
            if (depth[it.parent] + 1 >= VGI_OLE2_MAX_NEST) {
                if (!deep++)
                    vgi_scan_report_limit(o->ctx, VG_LIMIT_DEPTH, "ole2",
                                          "storages nested deeper than %u; not entered",
                                          VGI_OLE2_MAX_NEST);
                continue;
            }
            depth[it.idx] = (uint8_t)(depth[it.parent] + 1);
            stk[sp++] = (walk_item){e->child, it.idx};
        }
    }
    err = VG_OK;
done:
    vg_free(seen);
    vg_free(depth);
    vg_free(stk);
    return err;
}

typedef struct out_buf {
    char *p;
    size_t len, cap; /* cap includes the NUL */
} out_buf;

static void put(out_buf *b, const char *s, size_t n)
{
    if (b->len + n >= b->cap)
        n = b->cap - 1 - b->len; /* cut; the caller's cap bounds the name */
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static char mime_char(unsigned x)
{
    static const char tab[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._";
    return tab[x & 63];
}

static void put_unit(out_buf *b, uint32_t c)
{
    char s[8];
    if (c >= 0x3800 && c < 0x4800) {
        s[0] = mime_char(c - 0x3800);
        s[1] = mime_char((c - 0x3800) >> 6);
        put(b, s, 2);
    } else if (c >= 0x4800 && c < 0x4840) {
        s[0] = mime_char(c - 0x4800);
        put(b, s, 1);
    } else if (c == 0x4840) {
        put(b, "!", 1);
    } else if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || (c >= 0x80 && c < 0xa0)) {
        snprintf(s, sizeof s, "\\x%02x", (unsigned)c);
        put(b, s, 4);
    } else if (c < 0x80) {
        s[0] = (char)c;
        put(b, s, 1);
    } else if (c < 0x800) {
        s[0] = (char)(0xc0 | c >> 6);
        s[1] = (char)(0x80 | (c & 0x3f));
        put(b, s, 2);
    } else if (c < 0x10000) {
        s[0] = (char)(0xe0 | c >> 12);
        s[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        s[2] = (char)(0x80 | (c & 0x3f));
        put(b, s, 3);
    } else {
        s[0] = (char)(0xf0 | c >> 18);
        s[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        s[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        s[3] = (char)(0x80 | (c & 0x3f));
        put(b, s, 4);
    }
}

static void put_name(out_buf *b, const vgi_ole2_entry *e)
{
    for (unsigned i = 0; i < e->name_len; i++) {
        uint32_t c = e->name[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < e->name_len && e->name[i + 1] >= 0xdc00 &&
            e->name[i + 1] < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (e->name[i + 1] - 0xdc00u);
            i++;
        } else if (c >= 0xd800 && c < 0xe000) { /* lone surrogate: no UTF-8 for it */
            char s[8];
            snprintf(s, sizeof s, "\\u%04x", (unsigned)c);
            put(b, s, 6);
            continue;
        }
        put_unit(b, c);
    }
    if (e->name_len == 0)
        put(b, "?", 1);
}

void vgi_ole2_name(const vgi_ole2_entry *e, char *out, size_t cap)
{
    out_buf b = {out, 0, cap};
    out[0] = '\0';
    put_name(&b, e);
}

void vgi_ole2_path(const vgi_ole2 *o, uint32_t idx, char *out, size_t cap)
{
    uint32_t up[VGI_OLE2_MAX_NEST + 2];
    unsigned k = 0;
    /* Parents were visited first, so this ends at the root (0), or at an
     * entry the walk never reached (parent FREE). */
    for (uint32_t x = idx; x != 0 && x < o->ndir && k < VGI_OLE2_MAX_NEST + 2; x = o->parent[x])
        up[k++] = x;
    out_buf b = {out, 0, cap};
    out[0] = '\0';
    while (k > 0) {
        put_name(&b, &o->dir[up[--k]]);
        if (k > 0)
            put(&b, "/", 1);
    }
}

int vgi_ole2_name_is(const vgi_ole2_entry *e, const char *s)
{
    size_t n = strlen(s);
    if (n != e->name_len)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t c = e->name[i];
        if (c >= 'A' && c <= 'Z')
            c = (uint16_t)(c + 32);
        unsigned char d = (unsigned char)s[i];
        if (d >= 'A' && d <= 'Z')
            d = (unsigned char)(d + 32);
        if (c != d)
            return 0;
    }
    return 1;
}
