/* Hash signatures as compact sorted tables.
 *
 * A million SHA-256 signatures are a million (digest, size, name) triples.
 * Per digest kind the set keeps parallel arrays sorted by digest: the first
 * eight digest bytes as integers (binary search touches only this array,
 * 8 MB for a million entries), the full digests, the sizes and the name
 * offsets. A second sorted array holds the distinct sizes, so the scanner
 * asks "is there any MD5 signature for a 544-byte object?" before it spends
 * time hashing: most objects need no digest at all.
 *
 *     kinds = vgi_hash_set_kinds_for_size(set, 544);      MD5|SHA256
 *     ... hash the object once for those kinds ...
 *     vgi_hash_set_lookup(set, VGI_HASH_SHA256, d, 544, &name)  */
#include <stdlib.h>
#include <string.h>

#include "../core/blob.h"
#include "../core/mem.h"
#include "match.h"

typedef struct kind_table {
    size_t n;
    uint64_t *prefix;
    uint8_t *digests; /* n * hash_len */
    uint64_t *sizes;
    uint32_t *names;
    uint64_t *distinct_sizes;
    size_t n_sizes;
    int any_size;
} kind_table;

struct vgi_hash_set {
    kind_table t[VGI_HASH_KINDS];
    size_t total;
    int borrowed; /* arrays point into an engine image, not owned */
};

static uint64_t prefix_of(const uint8_t *d)
{
    uint64_t p = 0;
    for (int i = 0; i < 8; i++)
        p = p << 8 | d[i];
    return p;
}

static int cmp_entry(const void *a, const void *b)
{
    const vgi_hash_entry *x = a, *y = b;
    int c = memcmp(x->digest, y->digest, VGI_HASH_MAX);
    if (c != 0)
        return c;
    return x->size < y->size ? -1 : x->size > y->size;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static vg_error build_kind(kind_table *t, vgi_sigdb *db, vgi_hash_kind kind, int allow)
{
    size_t n = vgi_sigdb_hash_count(db, kind, allow);
    vgi_hash_entry *e = vgi_sigdb_hashes(db, kind, allow);
    size_t hl = vgi_hash_len(kind);
    if (n == 0)
        return VG_OK;
    /* Digests are zero-padded to VGI_HASH_MAX, so comparing all of it orders
     * them as comparing hl bytes would. */
    qsort(e, n, sizeof *e, cmp_entry);
    t->prefix = vg_malloc(n * sizeof *t->prefix);
    t->digests = vg_malloc(n * hl);
    t->sizes = vg_malloc(n * sizeof *t->sizes);
    t->names = vg_malloc(n * sizeof *t->names);
    t->distinct_sizes = vg_malloc(n * sizeof *t->distinct_sizes);
    if (!t->prefix || !t->digests || !t->sizes || !t->names || !t->distinct_sizes)
        return VG_ERR_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = vgi_sigdb_name(db, e[i].name);
        if (!allow && vgi_sigdb_is_ignored(db, name))
            continue;
        /* Exact duplicates (same digest and size) add nothing. */
        if (m > 0 && e[i].size == t->sizes[m - 1] &&
            memcmp(e[i].digest, t->digests + (m - 1) * hl, hl) == 0)
            continue;
        t->prefix[m] = prefix_of(e[i].digest);
        memcpy(t->digests + m * hl, e[i].digest, hl);
        t->sizes[m] = e[i].size;
        t->names[m] = e[i].name;
        if (e[i].size == VGI_SIZE_ANY)
            t->any_size = 1;
        else
            t->distinct_sizes[t->n_sizes++] = e[i].size;
        m++;
    }
    t->n = m;
    qsort(t->distinct_sizes, t->n_sizes, sizeof *t->distinct_sizes, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < t->n_sizes; i++)
        if (u == 0 || t->distinct_sizes[u - 1] != t->distinct_sizes[i])
            t->distinct_sizes[u++] = t->distinct_sizes[i];
    t->n_sizes = u;
    return VG_OK;
}

void vgi_hash_set_free(vgi_hash_set *set)
{
    if (set == NULL)
        return;
    for (int k = 0; k < VGI_HASH_KINDS && !set->borrowed; k++) {
        kind_table *t = &set->t[k];
        vg_free(t->prefix);
        vg_free(t->digests);
        vg_free(t->sizes);
        vg_free(t->names);
        vg_free(t->distinct_sizes);
    }
    vg_free(set);
}

vg_error vgi_hash_set_build(vgi_sigdb *db, int allow, vgi_hash_set **out)
{
    *out = NULL;
    vgi_hash_set *set = vg_calloc(1, sizeof *set);
    if (set == NULL)
        return VG_ERR_NOMEM;
    for (int k = 0; k < VGI_HASH_KINDS; k++) {
        vg_error err = build_kind(&set->t[k], db, (vgi_hash_kind)k, allow);
        if (err != VG_OK) {
            vgi_hash_set_free(set);
            return err;
        }
        set->total += set->t[k].n;
    }
    *out = set;
    return VG_OK;
}

size_t vgi_hash_set_count(const vgi_hash_set *set)
{
    return set ? set->total : 0;
}

static int has_size(const kind_table *t, uint64_t size)
{
    size_t lo = 0, hi = t->n_sizes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->distinct_sizes[mid] < size)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n_sizes && t->distinct_sizes[lo] == size;
}

unsigned vgi_hash_set_kinds_for_size(const vgi_hash_set *set, uint64_t size)
{
    unsigned kinds = 0;
    if (set == NULL)
        return 0;
    for (int k = 0; k < VGI_HASH_KINDS; k++) {
        const kind_table *t = &set->t[k];
        if (t->n && (t->any_size || has_size(t, size)))
            kinds |= 1u << k;
    }
    return kinds;
}

int vgi_hash_set_lookup(const vgi_hash_set *set, vgi_hash_kind kind, const uint8_t *digest,
                        uint64_t size, uint32_t *name_off)
{
    if (set == NULL || (unsigned)kind >= VGI_HASH_KINDS)
        return 0;
    const kind_table *t = &set->t[kind];
    size_t hl = vgi_hash_len(kind);
    uint64_t p = prefix_of(digest);
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->prefix[mid] < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < t->n && t->prefix[i] == p; i++) {
        if (memcmp(t->digests + i * hl, digest, hl) != 0)
            continue;
        if (t->sizes[i] == size || t->sizes[i] == VGI_SIZE_ANY) {
            *name_off = t->names[i];
            return 1;
        }
    }
    return 0;
}

void vgi_hash_set_write(const vgi_hash_set *set, vgi_blob *b)
{
    for (int k = 0; k < VGI_HASH_KINDS; k++) {
        const kind_table *t = &set->t[k];
        size_t hl = vgi_hash_len((vgi_hash_kind)k);
        vgi_blob_put_u64(b, t->n);
        vgi_blob_put_u64(b, t->n_sizes);
        vgi_blob_put_u64(b, (uint64_t)t->any_size);
        vgi_blob_put(b, t->prefix, t->n * sizeof *t->prefix);
        vgi_blob_put(b, t->digests, t->n * hl);
        vgi_blob_put(b, t->sizes, t->n * sizeof *t->sizes);
        vgi_blob_put(b, t->names, t->n * sizeof *t->names);
        vgi_blob_put(b, t->distinct_sizes, t->n_sizes * sizeof *t->distinct_sizes);
    }
}

vg_error vgi_hash_set_read(vgi_reader *r, uint64_t names_len, vgi_hash_set **out)
{
    *out = NULL;
    vgi_hash_set *set = vg_calloc(1, sizeof *set);
    if (set == NULL)
        return VG_ERR_NOMEM;
    set->borrowed = 1;
    for (int k = 0; k < VGI_HASH_KINDS; k++) {
        kind_table *t = &set->t[k];
        size_t hl = vgi_hash_len((vgi_hash_kind)k);
        uint64_t n = vgi_reader_u64(r), n_sizes = vgi_reader_u64(r);
        t->any_size = vgi_reader_u64(r) != 0;
        t->prefix = (uint64_t *)vgi_reader_take_array(r, n, sizeof *t->prefix);
        t->digests = (uint8_t *)vgi_reader_take_array(r, n, hl);
        t->sizes = (uint64_t *)vgi_reader_take_array(r, n, sizeof *t->sizes);
        t->names = (uint32_t *)vgi_reader_take_array(r, n, sizeof *t->names);
        t->distinct_sizes = (uint64_t *)vgi_reader_take_array(r, n_sizes, sizeof *t->sizes);
        if (r->bad || n_sizes > n)
            goto bad;
        t->n = (size_t)n;
        t->n_sizes = (size_t)n_sizes;
        for (size_t i = 0; i < t->n; i++)
            if (t->names[i] >= names_len)
                goto bad;
        set->total += t->n;
    }
    *out = set;
    return VG_OK;
bad:
    vg_free(set);
    return VG_ERR_MALFORMED;
}
