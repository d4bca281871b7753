/* Writing a bundle's signature files into a directory.
 *
 *     vg_bundle_extract(b, "/var/lib/vigil/db/v42.tmp")
 *       -> v42.tmp/daily.ndb, v42.tmp/daily.hdb ... each fsynced, then the dir
 *
 * The updater extracts into a fresh directory and then switches a symlink
 * to it, so the directory must be empty: a leftover file from an earlier
 * attempt would otherwise be loaded with the new signatures. Names were
 * checked when the bundle was opened (plain names, no "..", no '/'); files
 * are still created relative to the directory's descriptor with O_EXCL and
 * O_NOFOLLOW, so a symlink planted in the directory cannot redirect a write.
 * A failure removes what was written, leaving the directory empty again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_int.h"

static vg_error io_error(int e)
{
    return e == ENOSPC || e == EDQUOT ? VG_ERR_NOSPACE : VG_ERR_IO;
}

static int dir_is_empty(int dfd)
{
    int fd = dup(dfd);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return -1;
    }
    int empty = 1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    closedir(d);
    return empty;
}

static vg_error write_all(int fd, const uint8_t *p, uint64_t n)
{
    while (n > 0) {
        size_t chunk = n > (1u << 20) ? (1u << 20) : (size_t)n;
        ssize_t w = write(fd, p, chunk);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return io_error(w < 0 ? errno : ENOSPC);
        p += w;
        n -= (uint64_t)w;
    }
    return VG_OK;
}

vg_error vg_bundle_extract(const vg_bundle *b, const char *dir)
{
    if (b == NULL || dir == NULL)
        return VG_ERR_INVALID_ARG;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return errno == ENOENT ? VG_ERR_NOT_FOUND : VG_ERR_IO;
    vg_error rc = VG_OK;
    size_t done = 0;
    int empty = dir_is_empty(dfd);
    if (empty != 1) {
        rc = empty < 0 ? VG_ERR_IO : VG_ERR_EXISTS;
        goto out;
    }
    for (; done < b->n_files; done++) {
        const vgi_bundle_entry *e = &b->files[done];
        int fd = openat(dfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = errno == EEXIST ? VG_ERR_EXISTS : io_error(errno);
            goto out;
        }
        rc = write_all(fd, b->bytes + e->off, e->size);
        if (rc == VG_OK && fsync(fd) != 0)
            rc = io_error(errno);
        if (close(fd) != 0 && rc == VG_OK)
            rc = io_error(errno);
        if (rc != VG_OK) {
            done++; /* remove this one too */
            goto out;
        }
    }
    if (fsync(dfd) != 0)
        rc = io_error(errno);
out:
    if (rc != VG_OK)
        for (size_t i = 0; i < done; i++)
            unlinkat(dfd, b->files[i].name, 0);
    close(dfd);
    return rc;
}
