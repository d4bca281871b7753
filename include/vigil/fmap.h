/* fmap: the only way the engine reads an object's bytes.
 *
 * A map is a random-access, read-only view of one object: a memory buffer,
 * a file descriptor read through pread windows (never mmap: a file truncated
 * mid-scan would raise SIGBUS), or a sub-range of another map. Parsers ask
 * for exactly the bytes they need:
 *
 *     const uint8_t *p = vg_fmap_need(map, off, 64);
 *     if (p == NULL)
 *         return VG_ERR_TRUNCATED;           short object: a finding, not a crash
 *
 * Threads: a map is used by one thread at a time. */
#ifndef VIGIL_FMAP_H
#define VIGIL_FMAP_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_fmap vg_fmap;

/* Largest span one vg_fmap_need() call may ask of a file-backed map. */
#define VG_FMAP_NEED_MAX ((size_t)1 << 20)

/* View of buf[0..len); buf is borrowed and must outlive the map. */
vg_error vg_fmap_open_mem(const void *buf, size_t len, vg_fmap **out);

/* Like vg_fmap_open_mem, but the map takes buf (allocated with vg_malloc)
 * and frees it on close, also when this call fails. */
vg_error vg_fmap_open_mem_take(void *buf, size_t len, vg_fmap **out);

/* View of the regular file open on fd, whose size is taken now. fd is
 * borrowed. window is how many bytes a need() may keep resident: objects up
 * to this size are read once and served from memory (0 = VG_FMAP_NEED_MAX). */
vg_error vg_fmap_open_fd(int fd, size_t window, vg_fmap **out);

/* Zero-copy view of parent[off..off+len). The parent must outlive it. */
vg_error vg_fmap_sub(vg_fmap *parent, uint64_t off, uint64_t len, vg_fmap **out);

/* NULL is a no-op. */
void vg_fmap_close(vg_fmap *map);

uint64_t vg_fmap_size(const vg_fmap *map);

/* Pointer to bytes [off, off+len), valid until the next need/read on this
 * map or its close. NULL when the range is not inside the object (offset +
 * length overflow included), on I/O error, or when len exceeds what a
 * file-backed map can hold at once. len == 0 returns a non-NULL pointer when
 * off <= size. */
const uint8_t *vg_fmap_need(vg_fmap *map, uint64_t off, size_t len);

/* Copies up to len bytes from off into dst; returns how many were copied
 * (short only at the end of the object or on I/O error). Does not disturb
 * pointers returned by need() for memory maps; for file maps it does not
 * touch the window either. */
size_t vg_fmap_read(vg_fmap *map, uint64_t off, void *dst, size_t len);

/* The whole object as one resident block, or NULL when it is file-backed and
 * larger than its window. The pointer follows need()'s lifetime rules. */
const uint8_t *vg_fmap_data(vg_fmap *map);

#ifdef __cplusplus
}
#endif
#endif
