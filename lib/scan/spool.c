/* Spooling inflated bytes: memory first, an unlinked temporary file past
 * the threshold. The file is created with O_TMPFILE where the filesystem
 * allows it (no name ever exists, so nothing is left behind on a crash),
 * otherwise with mkstemp and an immediate unlink. */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/mem.h"

void vgi_spool_init(vgi_spool *sp, size_t threshold)
{
    memset(sp, 0, sizeof *sp);
    sp->threshold = threshold;
    sp->fd = -1;
}

static int open_tmp(void)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char path[4096];
    snprintf(path, sizeof path, "%s/vigil-spool-XXXXXX", dir);
    fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    return fd;
}

static vg_error write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return VG_ERR_IO;
        p += w;
        len -= (size_t)w;
    }
    return VG_OK;
}

vg_error vgi_spool_write(vgi_spool *sp, const void *data, size_t len)
{
    if (len == 0)
        return VG_OK;
    if (sp->fd < 0 && sp->len + len <= sp->threshold) {
        if (sp->len + len > sp->cap) {
            size_t nc = sp->cap ? sp->cap : 65536;
            while (nc < sp->len + len)
                nc *= 2;
            if (nc > sp->threshold)
                nc = sp->threshold;
            uint8_t *nb = vg_realloc(sp->buf, nc);
            if (nb == NULL)
                return VG_ERR_NOMEM;
            sp->buf = nb;
            sp->cap = nc;
        }
        memcpy(sp->buf + sp->len, data, len);
        sp->len += len;
        sp->size += len;
        return VG_OK;
    }
    if (sp->fd < 0) {
        if ((sp->fd = open_tmp()) < 0)
            return VG_ERR_IO;
        vg_error err = write_all(sp->fd, sp->buf, sp->len);
        vg_free(sp->buf);
        sp->buf = NULL;
        sp->len = sp->cap = 0;
        if (err != VG_OK)
            return err;
    }
    vg_error err = write_all(sp->fd, data, len);
    if (err == VG_OK)
        sp->size += len;
    return err;
}

vg_error vgi_spool_open_map(vgi_spool *sp, vg_fmap **out)
{
    if (sp->fd >= 0)
        return vg_fmap_open_fd(sp->fd, sp->threshold, out);
    uint8_t *buf = sp->buf;
    sp->buf = NULL;
    sp->cap = 0;
    if (buf == NULL)
        return vg_fmap_open_mem(NULL, 0, out);
    return vg_fmap_open_mem_take(buf, sp->len, out);
}

void vgi_spool_cleanup(vgi_spool *sp)
{
    vg_free(sp->buf);
    sp->buf = NULL;
    if (sp->fd >= 0)
        close(sp->fd);
    sp->fd = -1;
}
