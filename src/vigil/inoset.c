/* Open addressing with linear probing, kept at most half full; a slot with
 * used == 0 is empty. Nothing is ever removed, which keeps probing simple:
 * the set only grows for the length of one scan. */
#include "inoset.h"

#include <stdint.h>
#include <stdlib.h>

struct inoset_slot {
    dev_t dev;
    ino_t ino;
    int used;
};

static size_t slot_of(dev_t dev, ino_t ino, size_t cap)
{
    /* Inode numbers are often sequential; mix them so probes spread. */
    uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;
    h ^= h >> 29;
    return (size_t)h & (cap - 1);
}

static int insert(struct inoset_slot *slot, size_t cap, dev_t dev, ino_t ino)
{
    for (size_t i = slot_of(dev, ino, cap);; i = (i + 1) & (cap - 1)) {
        if (!slot[i].used) {
            slot[i] = (struct inoset_slot){dev, ino, 1};
            return 1;
        }
        if (slot[i].dev == dev && slot[i].ino == ino)
            return 0;
    }
}

static int grow(inoset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    struct inoset_slot *slot = calloc(cap, sizeof *slot);
    if (slot == NULL)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i].used)
            insert(slot, cap, s->slot[i].dev, s->slot[i].ino);
    free(s->slot);
    s->slot = slot;
    s->cap = cap;
    return 0;
}

int inoset_add(inoset *s, dev_t dev, ino_t ino)
{
    if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
        return -1;
    int added = insert(s->slot, s->cap, dev, ino);
    s->n += (size_t)added;
    return added;
}

void inoset_cleanup(inoset *s)
{
    free(s->slot);
    s->slot = NULL;
    s->cap = s->n = 0;
}
