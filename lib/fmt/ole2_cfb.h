/* OLE2 / Compound File Binary (MS-CFB): a FAT file system inside a file.
 *
 *     header (512 bytes; v4 pads it to one 4096-byte sector)
 *       magic D0 CF 11 E0 A1 B1 1A E1, sector shift 9 (v3) or 12 (v4),
 *       first 109 DIFAT entries, chain starts of the directory, the miniFAT
 *       and further DIFAT sectors
 *     sector i at (i + 1) << shift
 *       FAT:      next[i] for every sector (chains end at 0xFFFFFFFE)
 *       DIFAT:    where the FAT sectors are
 *       directory: 128-byte entries forming a red-black tree per storage
 *       miniFAT:  next[] for the 64-byte mini sectors of the mini stream,
 *                 which is the root entry's chain and holds every stream
 *                 smaller than 4096 bytes
 *
 * Everything here is built from a hostile file: the FAT has exactly one
 * entry per sector that starts inside the file (so a FAT claiming more
 * sectors costs nothing), chains are walked with a per-walk stamp on each
 * sector (a loop is seen at its first repeat, in O(chain length)), and
 * what cannot be read is cut and reported, never fatal for other streams. */
#ifndef VGI_FMT_OLE2_CFB_H
#define VGI_FMT_OLE2_CFB_H

#include <stdint.h>
#include <vigil/fmap.h>

#include "../scan/scan_int.h"

#define VGI_OLE2_FREE    0xFFFFFFFFu /* FREESECT, and "no entry" in the tree */
#define VGI_OLE2_END     0xFFFFFFFEu /* ENDOFCHAIN */
#define VGI_OLE2_MAXREG  0xFFFFFFFAu /* sector numbers from here on are special */
#define VGI_OLE2_CUTOFF  4096u       /* streams below this live in the mini stream */
#define VGI_OLE2_MINI    64u         /* mini sector size */
#define VGI_OLE2_MAX_DIR 100000u     /* directory entries read at most */

enum { VGI_OLE2_EMPTY = 0, VGI_OLE2_STORAGE = 1, VGI_OLE2_STREAM = 2, VGI_OLE2_ROOT = 5 };

typedef struct vgi_ole2_entry {
    uint16_t name[32]; /* UTF-16 code units, name_len of them */
    uint8_t name_len;
    uint8_t type;
    uint32_t left, right, child, start;
    uint64_t size;
} vgi_ole2_entry;

typedef struct vgi_ole2 {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    uint64_t fsize;
    unsigned shift;  /* sector size = 1 << shift */
    uint32_t nsec;   /* sectors that start inside the file */
    uint32_t *fat;   /* nsec entries; FREE where no FAT sector said */
    uint32_t *stamp; /* nsec: chain walk that last passed each sector */
    uint32_t gen;    /* current chain walk */
    uint32_t *minifat;
    uint32_t nminifat;
    uint32_t *ministamp;
    uint32_t *ministream; /* sectors of the mini stream, in order */
    uint32_t nministream;
    uint64_t minisize; /* bytes of the mini stream that exist */
    vgi_ole2_entry *dir;
    uint32_t ndir;
    /* Filled by vgi_ole2_walk(): reachable entries in visit order and the
     * storage each one sits in (0 for the root's). */
    uint32_t *order, norder;
    uint32_t *parent;
    uint64_t walked; /* regular sectors followed so far, all chains */
    int over_budget; /* walked passed VGI_OLE2_WALK_BUDGET: stop */
    unsigned errors; /* reported so far (capped) */
    vg_error status; /* first error, returned by the handler */
} vgi_ole2;

/* Reads header, DIFAT, FAT, miniFAT, mini stream and directory. Damage is
 * reported and worked around; VG_ERR_MALFORMED only when nothing can be
 * read (bad header), VG_ERR_NOMEM. o is cleaned up on failure too. */
vg_error vgi_ole2_open(vgi_ole2 *o, vgi_scan_ctx *ctx, vg_fmap *map);
void vgi_ole2_close(vgi_ole2 *o);

/* Reports a problem with the file (the first 16 per file, then one note)
 * and keeps the first code as o->status. */
void vgi_ole2_report(vgi_ole2 *o, vg_error code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Follows the chain from start through next[] (n entries), stamping
 * stamp[]: appends at most max sectors to out. *why is NULL when the chain
 * ended normally (ENDOFCHAIN or max reached), else what stopped it.
 * Regular chains share a budget: in a sound file each sector is in one
 * chain, so following more than a few times the sector count means
 * streams that all point at the same sectors; past the budget, chains
 * are not followed (o->over_budget, reported once as a limit). */
#define VGI_OLE2_WALK_BUDGET(nsec) (8 * (uint64_t)(nsec) + ((uint64_t)1 << 20))
uint32_t vgi_ole2_chain(vgi_ole2 *o, const uint32_t *next, uint32_t *stamp, uint32_t n,
                        uint32_t start, uint32_t *out, uint32_t max, const char **why);

/* The directory tree from the root, with an explicit stack and a visited
 * bitmap: a cycle or a shared subtree is reported once and visited once.
 * Storages nested deeper than VGI_OLE2_MAX_NEST are not entered. */
#define VGI_OLE2_MAX_NEST 64
vg_error vgi_ole2_walk(vgi_ole2 *o);

/* Path of entry idx below the root, e.g. "ObjectPool/_1234/\x01Ole10Native"
 * (control characters as \xNN, MSI-encoded names decoded, others UTF-8),
 * cut to cap - 1 bytes. */
void vgi_ole2_path(const vgi_ole2 *o, uint32_t idx, char *out, size_t cap);
/* One entry's own name, rendered the same way. */
void vgi_ole2_name(const vgi_ole2_entry *e, char *out, size_t cap);
/* 1 when e's name is s (ASCII, case-insensitive). */
int vgi_ole2_name_is(const vgi_ole2_entry *e, const char *s);

/* ---- ole2_stream.c: reading one stream ---- */

typedef struct vgi_ole2_stream {
    vgi_ole2 *o;
    uint32_t *secs; /* regular or mini sectors, in order */
    uint32_t nsecs;
    int mini;
    uint64_t size; /* readable bytes: the declared size cut to the chain */
} vgi_ole2_stream;

/* Builds the sector list of entry idx. A chain that breaks or loops, or is
 * shorter than the declared size, is reported (naming path) and the stream
 * cut to what it holds. VG_ERR_NOMEM only. */
vg_error vgi_ole2_stream_open(vgi_ole2 *o, uint32_t idx, const char *path, vgi_ole2_stream *st);
void vgi_ole2_stream_close(vgi_ole2_stream *st);

/* Copies bytes [off, off+len) of the stream; returns how many (short at
 * the end of the stream or of a truncated file). */
size_t vgi_ole2_stream_read(vgi_ole2_stream *st, uint64_t off, void *dst, size_t len);

/* 1 when [off, off+len) lies in one piece of the file, at *file_off. */
int vgi_ole2_stream_contig(vgi_ole2_stream *st, uint64_t off, uint64_t len, uint64_t *file_off);

/* Scans bytes [off, off+len) of the stream as a member named name: a
 * zero-copy view when they are contiguous, else copied through buf (cap
 * bytes). Returns VG_ERR_ABORTED or VG_ERR_NOMEM (stop everything),
 * VG_ERR_LIMIT when no later member of this file can fit, else VG_OK. */
vg_error vgi_ole2_emit(vgi_ole2_stream *st, uint64_t off, uint64_t len, const char *name,
                       uint8_t *buf, size_t cap);

/* What a vgi_child_write()/finish() result means for the caller, as above. */
vg_error vgi_ole2_child_status(vg_error err, const vgi_child *child);

#endif
