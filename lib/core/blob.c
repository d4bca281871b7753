/* Binary images: written with vgi_blob, read with vgi_reader.
 *
 *     vgi_blob_put_u64(&b, n);  vgi_blob_put(&b, arr, n * sizeof *arr);
 *     n = vgi_reader_u64(&r);   arr = vgi_reader_take_array(&r, n, sizeof *arr);
 *
 * The reader never trusts a count: count * size is checked for overflow and
 * against what is left before a pointer is handed out, and one failure
 * poisons the reader so a caller can check once at the end. */
#include "blob.h"

#include <string.h>

#include "mem.h"

static size_t pad8(size_t n)
{
    return (8 - (n & 7)) & 7;
}

void vgi_blob_init(vgi_blob *b)
{
    memset(b, 0, sizeof *b);
}

void vgi_blob_cleanup(vgi_blob *b)
{
    vg_free(b->p);
    memset(b, 0, sizeof *b);
}

void vgi_blob_put(vgi_blob *b, const void *data, size_t len)
{
    if (b->err != VG_OK)
        return;
    size_t need = len + pad8(len);
    if (need < len || b->len + need < b->len) {
        b->err = VG_ERR_LIMIT;
        return;
    }
    if (b->len + need > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->len + need)
            nc *= 2;
        uint8_t *np = vg_realloc(b->p, nc);
        if (np == NULL) {
            b->err = VG_ERR_NOMEM;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    if (len)
        memcpy(b->p + b->len, data, len);
    memset(b->p + b->len + len, 0, pad8(len));
    b->len += need;
}

void vgi_blob_put_u64(vgi_blob *b, uint64_t v)
{
    vgi_blob_put(b, &v, sizeof v);
}

void vgi_reader_init(vgi_reader *r, const void *data, size_t len)
{
    r->p = data;
    r->len = len;
    r->pos = 0;
    r->bad = 0;
}

const void *vgi_reader_take(vgi_reader *r, size_t len)
{
    size_t need = len + pad8(len);
    if (r->bad || need < len || need > r->len - r->pos) {
        r->bad = 1;
        return NULL;
    }
    const void *p = r->p + r->pos;
    r->pos += need;
    return p;
}

const void *vgi_reader_take_array(vgi_reader *r, uint64_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        r->bad = 1;
        return NULL;
    }
    return vgi_reader_take(r, (size_t)count * size);
}

uint64_t vgi_reader_u64(vgi_reader *r)
{
    const uint64_t *p = vgi_reader_take(r, sizeof *p);
    return p ? *p : 0;
}
