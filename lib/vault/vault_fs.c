/* File-system steps of the vault protocols, each one durable or checked.
 *
 * A file is addressed as (directory fd, name), never as a path: the
 * directory is the one the scan walked, so a parent swapped for a symlink
 * afterwards cannot redirect an unlink elsewhere. Before touching a name we
 * check that it still links to the inode the scan saw, with the size and
 * mtime it had:
 *
 *     openat(dirfd, name, O_NOFOLLOW)    a symlink fails here (ELOOP)
 *     fstat(fd)      == seen             same device, inode, size, mtime
 *     fstatat(dirfd, name, NOFOLLOW) == fstat(fd)   the name is still it
 *
 * One race remains and is documented in docs/quarantine.md: Linux has no
 * "unlink this inode", so between the last check and unlinkat() the name
 * could be replaced. Only a writer of that directory can do it, and they can
 * unlink that name themselves anyway. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "../core/diag_int.h"
#include "vault_int.h"

void vg_file_id_from_stat(const void *stv, vg_file_id *id)
{
    const struct stat *st = stv;
    id->dev = (uint64_t)st->st_dev;
    id->ino = (uint64_t)st->st_ino;
    id->size = (uint64_t)st->st_size;
    id->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    id->mtime_nsec = st->st_mtim.tv_nsec;
}

bool vgi_file_id_equal(const vg_file_id *a, const vg_file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

bool vgi_id_valid(const char *id)
{
    if (id == NULL || strlen(id) != VG_VAULT_ID_LEN)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

void vgi_id_new(char id[VG_VAULT_ID_LEN + 1])
{
    uint8_t raw[VG_VAULT_ID_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(id, VG_VAULT_ID_LEN + 1, raw, sizeof raw);
}

vg_error vgi_errno_error(int e)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT:
        return VG_ERR_NOSPACE;
    case ENOENT:
        return VG_ERR_NOT_FOUND;
    case EEXIST:
        return VG_ERR_EXISTS;
    case ENOMEM:
        return VG_ERR_NOMEM;
    case ELOOP:
        return VG_ERR_CHANGED;
    default:
        return VG_ERR_IO;
    }
}

vg_error vgi_write_all(int fd, const void *buf, size_t len, const char *fault_step)
{
    const uint8_t *p = buf;
    if (fault_step != NULL) {
        int e = vgi_fault_errno(fault_step);
        if (e != 0) {
            errno = e;
            return vgi_errno_error(e);
        }
    }
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return vgi_errno_error(errno);
        }
        if (n == 0) { /* a file system that accepts nothing: treat as full */
            errno = ENOSPC;
            return VG_ERR_NOSPACE;
        }
        p += n;
        len -= (size_t)n;
    }
    return VG_OK;
}

vg_error vgi_fsync(int fd)
{
    while (fsync(fd) != 0) {
        if (errno != EINTR)
            return vgi_errno_error(errno);
    }
    return VG_OK;
}

int vgi_mkdir_p(const char *path)
{
    char *p = vg_strdup(path);
    if (p == NULL) {
        errno = ENOMEM;
        return -1;
    }
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (p[0] != '\0' && mkdir(p, 0700) != 0 && errno != EEXIST) {
            rc = -1;
            break;
        }
        *s = saved;
        if (saved == '\0')
            break;
    }
    vg_free(p);
    return rc;
}

int vgi_temp_create(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) { /* just created: cannot be held elsewhere */
        int e = errno;
        unlinkat(dirfd, name, 0);
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

void vgi_temp_sweep(int dirfd, const char *prefix)
{
    int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (d == NULL) {
        if (dfd >= 0)
            close(dfd);
        return;
    }
    size_t plen = strlen(prefix);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, plen) != 0)
            continue;
        int fd = openat(dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat st;
        /* A writer holds its lock until the file is renamed or removed. */
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dirfd, de->d_name, 0);
        close(fd);
    }
    closedir(d);
}

vg_error vgi_name_still_is(int dirfd, const char *name, const struct stat *st, vg_diag *diag)
{
    struct stat now;
    if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) != 0)
        return vgi_diag_set(diag, VG_ERR_CHANGED, name, 0, 0, "vanished: %s", strerror(errno));
    if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
        return vgi_diag_set(diag, VG_ERR_CHANGED, name, 0, 0, "the name now links to another file");
    if (now.st_size != st->st_size || now.st_mtim.tv_sec != st->st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != st->st_mtim.tv_nsec)
        return vgi_diag_set(diag, VG_ERR_CHANGED, name, 0, 0, "the file was modified");
    return VG_OK;
}

vg_error vgi_open_checked(int dirfd, const char *name, const vg_file_id *seen, int *fd_out,
                          struct stat *st, vg_diag *diag)
{
    *fd_out = -1;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP)
            return vgi_diag_set(diag, VG_ERR_CHANGED, name, 0, 0, "is a symbolic link");
        return vgi_diag_set(diag, errno == ENOENT ? VG_ERR_CHANGED : vgi_errno_error(errno), name,
                            0, 0, "cannot open: %s", strerror(errno));
    }
    vg_error err = VG_OK;
    if (fstat(fd, st) != 0) {
        err = vgi_diag_set(diag, VG_ERR_IO, name, 0, 0, "cannot stat: %s", strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st->st_mode)) {
        err = vgi_diag_set(diag, VG_ERR_CHANGED, name, 0, 0, "is not a regular file");
        goto fail;
    }
    if (seen != NULL) {
        vg_file_id now;
        vg_file_id_from_stat(st, &now);
        if (now.dev != seen->dev || now.ino != seen->ino) {
            err = vgi_diag_set(diag, VG_ERR_CHANGED, name, 0, 0,
                               "another file has taken its place since the scan");
            goto fail;
        }
        if (!vgi_file_id_equal(&now, seen)) {
            err = vgi_diag_set(diag, VG_ERR_CHANGED, name, 0, 0,
                               "it was modified since the scan (size or mtime differ)");
            goto fail;
        }
    }
    if ((err = vgi_name_still_is(dirfd, name, st, diag)) != VG_OK)
        goto fail;
    *fd_out = fd;
    return VG_OK;
fail:
    close(fd);
    return err;
}

vg_error vg_file_unlink_checked(int dirfd, const char *name, const vg_file_id *seen, vg_diag *diag)
{
    vgi_fault_point("delete-start");
    int fd;
    struct stat st;
    vg_error err = vgi_open_checked(dirfd, name, seen, &fd, &st, diag);
    if (err != VG_OK)
        return err;
    if (st.st_nlink > 1) {
        close(fd);
        return vgi_diag_set(diag, VG_ERR_CHANGED, name, 0, 0,
                            "has %lu hard links; removing one name would leave the content in "
                            "place under the others",
                            (unsigned long)st.st_nlink);
    }
    vgi_fault_point("delete-checked");
    if ((err = vgi_name_still_is(dirfd, name, &st, diag)) == VG_OK) {
        if (unlinkat(dirfd, name, 0) != 0)
            err = vgi_diag_set(diag, vgi_errno_error(errno), name, 0, 0, "cannot remove: %s",
                               strerror(errno));
        else if (vgi_fsync(dirfd) != VG_OK)
            err =
                vgi_diag_set(diag, VG_ERR_IO, name, 0, 0,
                             "removed, but the directory could not be synced: %s", strerror(errno));
    }
    close(fd);
    return err;
}
