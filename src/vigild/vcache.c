/* The clean-verdict cache: a fixed pool of entries per stripe, found through
 * a chained hash on (device, inode), ordered by an intrusive LRU list.
 *
 * Nothing is allocated after vd_vcache_new(): links are 32-bit indexes into
 * the stripe's entry array, so 64k entries cost ~4 MB and a lookup touches
 * one bucket and one entry. The stripe is chosen by the low bits of the
 * inode hash and the bucket by the next ones, so one lock guards a whole
 * chain and its LRU list. With one stripe this is a single mutex; on this
 * machine's 2 cores the difference is within noise (docs/performance.md),
 * so the daemon uses 16 stripes for machines with more. */
#include "vcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define NIL UINT32_MAX

typedef struct entry {
    vd_vkey key;
    uint64_t gen;
    uint32_t hnext;      /* next in the bucket's chain */
    uint32_t prev, next; /* LRU: head is the most recent */
} entry;

typedef struct stripe {
    pthread_mutex_t mu;
    entry *e;
    uint32_t *bucket;
    uint32_t nbuckets; /* power of two */
    uint32_t cap, used;
    uint32_t head, tail; /* LRU ends */
    uint32_t free_list;  /* through hnext */
} stripe;

struct vd_vcache {
    stripe *s;
    unsigned nstripes; /* power of two */
    unsigned shift;    /* log2(nstripes) */
    size_t capacity;
    _Atomic uint64_t hits, misses, inserts, evictions, drops;
};

void vd_vkey_from_stat(const struct stat *st, vd_vkey *k)
{
    k->dev = (uint64_t)st->st_dev;
    k->ino = (uint64_t)st->st_ino;
    k->size = (uint64_t)st->st_size;
    k->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    k->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

static uint64_t hash_inode(uint64_t dev, uint64_t ino)
{
    uint64_t h = ino * 0x9e3779b97f4a7c15ull ^ (dev + 0x632be59bd9b4e019ull);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return h;
}

static void stripe_reset(stripe *s)
{
    for (uint32_t i = 0; i < s->nbuckets; i++)
        s->bucket[i] = NIL;
    for (uint32_t i = 0; i < s->cap; i++)
        s->e[i].hnext = i + 1 < s->cap ? i + 1 : NIL;
    s->free_list = 0;
    s->used = 0;
    s->head = s->tail = NIL;
}

vd_vcache *vd_vcache_new(size_t capacity, unsigned stripes)
{
    unsigned n = 1, shift = 0;
    while (n < stripes && n < 1024) {
        n <<= 1;
        shift++;
    }
    if (capacity < n)
        capacity = n;
    vd_vcache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->s = calloc(n, sizeof *c->s);
    if (c->s == NULL) {
        free(c);
        return NULL;
    }
    c->nstripes = n;
    c->shift = shift;
    c->capacity = capacity;
    for (unsigned i = 0; i < n; i++) {
        stripe *s = &c->s[i];
        pthread_mutex_init(&s->mu, NULL);
        s->cap = (uint32_t)(capacity / n + (i < capacity % n));
        s->nbuckets = 1;
        while (s->nbuckets < s->cap * 2u)
            s->nbuckets <<= 1;
        s->e = calloc(s->cap, sizeof *s->e);
        s->bucket = malloc(s->nbuckets * sizeof *s->bucket);
        if (s->e == NULL || s->bucket == NULL) {
            c->nstripes = i + 1;
            vd_vcache_free(c);
            return NULL;
        }
        stripe_reset(s);
    }
    return c;
}

void vd_vcache_free(vd_vcache *c)
{
    if (c == NULL)
        return;
    for (unsigned i = 0; i < c->nstripes; i++) {
        free(c->s[i].e);
        free(c->s[i].bucket);
        pthread_mutex_destroy(&c->s[i].mu);
    }
    free(c->s);
    free(c);
}

static stripe *pick(vd_vcache *c, uint64_t dev, uint64_t ino, uint32_t *bucket)
{
    uint64_t h = hash_inode(dev, ino);
    stripe *s = &c->s[h & (c->nstripes - 1)];
    *bucket = (uint32_t)(h >> c->shift) & (s->nbuckets - 1);
    return s;
}

static void lru_unlink(stripe *s, uint32_t i)
{
    entry *e = &s->e[i];
    if (e->prev != NIL)
        s->e[e->prev].next = e->next;
    else
        s->head = e->next;
    if (e->next != NIL)
        s->e[e->next].prev = e->prev;
    else
        s->tail = e->prev;
}

static void lru_push_front(stripe *s, uint32_t i)
{
    entry *e = &s->e[i];
    e->prev = NIL;
    e->next = s->head;
    if (s->head != NIL)
        s->e[s->head].prev = i;
    s->head = i;
    if (s->tail == NIL)
        s->tail = i;
}

/* Finds the inode's entry; *link is the slot pointing at it (for unlinking). */
static uint32_t find(stripe *s, uint32_t b, uint64_t dev, uint64_t ino, uint32_t **link)
{
    uint32_t *l = &s->bucket[b];
    while (*l != NIL) {
        entry *e = &s->e[*l];
        if (e->key.ino == ino && e->key.dev == dev) {
            *link = l;
            return *l;
        }
        l = &e->hnext;
    }
    *link = l;
    return NIL;
}

/* Unlinks entry i (found through link) from its chain and the LRU. */
static void remove_at(stripe *s, uint32_t *link, uint32_t i)
{
    *link = s->e[i].hnext;
    lru_unlink(s, i);
    s->e[i].hnext = s->free_list;
    s->free_list = i;
    s->used--;
}

static bool key_eq(const vd_vkey *a, const vd_vkey *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

bool vd_vcache_lookup(vd_vcache *c, const vd_vkey *k, uint64_t gen)
{
    uint32_t b, *link;
    stripe *s = pick(c, k->dev, k->ino, &b);
    pthread_mutex_lock(&s->mu);
    uint32_t i = find(s, b, k->dev, k->ino, &link);
    bool hit = false;
    if (i != NIL) {
        if (s->e[i].gen == gen && key_eq(&s->e[i].key, k)) {
            hit = true;
            lru_unlink(s, i);
            lru_push_front(s, i);
        } else {
            remove_at(s, link, i); /* stale: the file or the engine changed */
        }
    }
    pthread_mutex_unlock(&s->mu);
    atomic_fetch_add_explicit(hit ? &c->hits : &c->misses, 1, memory_order_relaxed);
    return hit;
}

void vd_vcache_insert(vd_vcache *c, const vd_vkey *k, uint64_t gen)
{
    uint32_t b, *link;
    stripe *s = pick(c, k->dev, k->ino, &b);
    bool evicted = false;
    pthread_mutex_lock(&s->mu);
    uint32_t i = find(s, b, k->dev, k->ino, &link);
    if (i != NIL) {
        s->e[i].key = *k;
        s->e[i].gen = gen;
        lru_unlink(s, i);
        lru_push_front(s, i);
        pthread_mutex_unlock(&s->mu);
        atomic_fetch_add_explicit(&c->inserts, 1, memory_order_relaxed);
        return;
    }
    if (s->free_list == NIL) {
        /* Evict the least recently used; find its chain link first. */
        uint32_t victim = s->tail, vb, *vlink;
        pick(c, s->e[victim].key.dev, s->e[victim].key.ino, &vb);
        find(s, vb, s->e[victim].key.dev, s->e[victim].key.ino, &vlink);
        remove_at(s, vlink, victim);
        evicted = true;
        /* The victim may have shared our bucket: find the insertion link again. */
        find(s, b, k->dev, k->ino, &link);
    }
    i = s->free_list;
    s->free_list = s->e[i].hnext;
    s->e[i].key = *k;
    s->e[i].gen = gen;
    s->e[i].hnext = NIL;
    *link = i;
    lru_push_front(s, i);
    s->used++;
    pthread_mutex_unlock(&s->mu);
    atomic_fetch_add_explicit(&c->inserts, 1, memory_order_relaxed);
    if (evicted)
        atomic_fetch_add_explicit(&c->evictions, 1, memory_order_relaxed);
}

void vd_vcache_drop(vd_vcache *c, uint64_t dev, uint64_t ino)
{
    uint32_t b, *link;
    stripe *s = pick(c, dev, ino, &b);
    pthread_mutex_lock(&s->mu);
    uint32_t i = find(s, b, dev, ino, &link);
    if (i != NIL)
        remove_at(s, link, i);
    pthread_mutex_unlock(&s->mu);
    if (i != NIL)
        atomic_fetch_add_explicit(&c->drops, 1, memory_order_relaxed);
}

void vd_vcache_clear(vd_vcache *c)
{
    for (unsigned i = 0; i < c->nstripes; i++) {
        pthread_mutex_lock(&c->s[i].mu);
        stripe_reset(&c->s[i]);
        pthread_mutex_unlock(&c->s[i].mu);
    }
}

void vd_vcache_stats_get(vd_vcache *c, vd_vcache_stats *out)
{
    out->hits = atomic_load(&c->hits);
    out->misses = atomic_load(&c->misses);
    out->inserts = atomic_load(&c->inserts);
    out->evictions = atomic_load(&c->evictions);
    out->drops = atomic_load(&c->drops);
    out->capacity = c->capacity;
    out->entries = 0;
    for (unsigned i = 0; i < c->nstripes; i++) {
        pthread_mutex_lock(&c->s[i].mu);
        out->entries += c->s[i].used;
        pthread_mutex_unlock(&c->s[i].mu);
    }
}
