/* fmap over a file descriptor, through pread windows.
 *
 * No mmap: a file truncated while it is mapped raises SIGBUS in whatever
 * code touches the lost page, and an attacker controls when that happens.
 * With pread a vanished byte is a short read and need() returns NULL.
 *
 * The map keeps one window. An object no larger than the window is read
 * once, whole, and every need() afterwards is served from memory (most
 * files). A larger object gets a window that slides to where it is asked:
 * at need(off, len) outside it, it is refilled starting at off. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/mem.h"
#include "fmap_buf.h"
#include "fmap_int.h"

typedef struct fd_map {
    vg_fmap base;
    int fd;
    uint8_t *win;
    vgi_fmap_buf *lent; /* window borrowed from the caller, or NULL */
    size_t cap;         /* window capacity */
    uint64_t wpos;      /* object offset of win[0] */
    size_t wlen;        /* valid bytes in win */
} fd_map;

static size_t pread_full(int fd, void *dst, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, (uint8_t *)dst + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

static const uint8_t *fd_need(vg_fmap *map, uint64_t off, size_t len)
{
    fd_map *m = (fd_map *)map;
    if (m->win != NULL && off >= m->wpos && off + len <= m->wpos + m->wlen)
        return m->win + (off - m->wpos);
    if (len > m->cap)
        return NULL;
    if (m->win == NULL && m->lent != NULL) {
        if (m->lent->cap < m->cap) {
            uint8_t *p = vg_realloc(m->lent->p, m->cap);
            if (p == NULL)
                return NULL;
            m->lent->p = p;
            m->lent->cap = m->cap;
        }
        m->win = m->lent->p;
    } else if (m->win == NULL) {
        m->win = vg_malloc(m->cap);
        if (m->win == NULL)
            return NULL;
    }
    uint64_t start = off;
    /* Whole small objects are read from 0 so later needs all hit. A reader
     * moving backwards (the verifier before an atom) gets the window ending
     * at its range, so its next steps back still hit. */
    if (map->size <= m->cap)
        start = 0;
    else if (off < m->wpos && m->wlen > 0)
        start = off + len > m->cap ? off + len - m->cap : 0;
    size_t want = map->size - start < m->cap ? (size_t)(map->size - start) : m->cap;
    size_t got = pread_full(m->fd, m->win, want, start);
    m->wpos = start;
    m->wlen = got;
    if (off + len > start + got)
        return NULL; /* the file shrank under us */
    return m->win + (off - start);
}

static size_t fd_read(vg_fmap *map, uint64_t off, void *dst, size_t len)
{
    fd_map *m = (fd_map *)map;
    return pread_full(m->fd, dst, len, off);
}

static const uint8_t *fd_data(vg_fmap *map)
{
    fd_map *m = (fd_map *)map;
    if (map->size > m->cap)
        return NULL;
    return fd_need(map, 0, (size_t)map->size);
}

static void fd_close(vg_fmap *map)
{
    fd_map *m = (fd_map *)map;
    if (m->lent == NULL)
        vg_free(m->win);
    vg_free(map);
}

static const vgi_fmap_ops fd_ops = {fd_need, fd_read, fd_data, fd_close};

vg_error vg_fmap_open_fd(int fd, size_t window, vg_fmap **out)
{
    return vgi_fmap_open_fd_buf(fd, window, NULL, out);
}

vg_error vgi_fmap_open_fd_buf(int fd, size_t window, vgi_fmap_buf *buf, vg_fmap **out)
{
    *out = NULL;
    struct stat st;
    if (fd < 0)
        return VG_ERR_INVALID_ARG;
    if (fstat(fd, &st) != 0)
        return VG_ERR_IO;
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return VG_ERR_INVALID_ARG;
    fd_map *m = vg_calloc(1, sizeof *m);
    if (m == NULL)
        return VG_ERR_NOMEM;
    m->base.ops = &fd_ops;
    m->base.size = (uint64_t)st.st_size;
    m->fd = fd;
    m->lent = buf;
    m->cap = window ? window : VG_FMAP_NEED_MAX;
    if (m->cap < VG_FMAP_NEED_MAX)
        m->cap = VG_FMAP_NEED_MAX;
    /* Never allocate more window than the object has bytes. */
    if (m->base.size < m->cap)
        m->cap = m->base.size ? (size_t)m->base.size : 1;
    *out = &m->base;
    return VG_OK;
}
