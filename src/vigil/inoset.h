/* A set of (device, inode) pairs: the directories already entered when
 * --follow-symlinks lets the walk reach one directory by several routes.
 * Single-threaded (the walker's own). */
#ifndef VIGIL_CLI_INOSET_H
#define VIGIL_CLI_INOSET_H

#include <stddef.h>
#include <sys/types.h>

typedef struct inoset {
    struct inoset_slot *slot;
    size_t cap; /* power of two, or 0 */
    size_t n;
} inoset;

/* Adds (dev, ino). Returns 1 when added, 0 when already present, -1 when
 * out of memory. */
int inoset_add(inoset *s, dev_t dev, ino_t ino);

void inoset_cleanup(inoset *s);

#endif
