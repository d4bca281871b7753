/* A window buffer a long-lived caller lends to file maps.
 *
 * Each file map needs a window as large as the file (up to the stream
 * threshold). Allocating and freeing one per file costs a page fault per
 * 4 KiB of every file scanned; a scanner instead keeps one buffer and lends
 * it to each map it opens, one map at a time. */
#ifndef VGI_IO_FMAP_BUF_H
#define VGI_IO_FMAP_BUF_H

#include <vigil/fmap.h>

typedef struct vgi_fmap_buf {
    uint8_t *p;
    size_t cap;
} vgi_fmap_buf;

/* As vg_fmap_open_fd, with the window taken from buf (grown as needed with
 * vg_realloc; it stays the caller's, to free with vg_free(buf->p)). The map
 * must be closed before buf is lent again. */
vg_error vgi_fmap_open_fd_buf(int fd, size_t window, vgi_fmap_buf *buf, vg_fmap **out);

#endif
