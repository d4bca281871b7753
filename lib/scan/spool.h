/* Spool: bytes kept in memory up to a threshold, then in an anonymous
 * temporary file, and finally opened as an fmap. Used for inflated
 * container members and for non-seekable input (stdin, sockets). */
#ifndef VGI_SCAN_SPOOL_H
#define VGI_SCAN_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/fmap.h>

typedef struct vgi_spool {
    uint8_t *buf;
    size_t len, cap;
    size_t threshold; /* bytes kept in memory before spilling to a file */
    int fd;           /* -1 until spilled */
    uint64_t size;
} vgi_spool;

void vgi_spool_init(vgi_spool *sp, size_t threshold);
vg_error vgi_spool_write(vgi_spool *sp, const void *data, size_t len);
/* Opens the spooled bytes as a map. The spool keeps the file descriptor:
 * close the map before vgi_spool_cleanup(). On success the memory buffer
 * belongs to the map. */
vg_error vgi_spool_open_map(vgi_spool *sp, vg_fmap **out);
void vgi_spool_cleanup(vgi_spool *sp);

#endif
