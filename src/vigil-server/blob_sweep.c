/* Recovery sweep of the blob directory (see vs_blob_sweep in blob.h): what
 * a crash between sealing a blob and committing its row leaves behind. */
#include "blob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "store_int.h"

static int is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

static vg_error sweep_tmp(const char *data_dir, unsigned *removed)
{
    char dir[4096], path[4096 + 256];
    snprintf(dir, sizeof dir, "%s/tmp", data_dir);
    DIR *d = opendir(dir);
    if (d == NULL) {
        vsi_log("cannot open %s: %s", dir, strerror(errno));
        return VG_ERR_IO;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        /* A writer (this or another process) holds the lock until it has
         * renamed the file into place: leave that one alone. */
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            continue;
        }
        if (unlink(path) == 0)
            (*removed)++;
        if (fd >= 0)
            close(fd);
    }
    closedir(d);
    return VG_OK;
}

static vg_error sweep_leaf(const char *dir, vs_blob_known_fn known, void *ud, unsigned *removed)
{
    char path[8192];
    DIR *d = opendir(dir);
    if (d == NULL)
        return VG_OK; /* not a directory: not ours */
    struct dirent *de;
    vg_error err = VG_OK;
    while (err == VG_OK && (de = readdir(d)) != NULL) {
        if (!is_hex64(de->d_name))
            continue;
        int k = known(ud, de->d_name);
        if (k < 0)
            err = VG_ERR_IO;
        else if (k == 0) {
            if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) < (int)sizeof path &&
                unlink(path) == 0)
                (*removed)++;
        }
    }
    closedir(d);
    return err;
}

static int is_fan(const char *name)
{
    return strlen(name) == 2 && name[0] != '.';
}

vg_error vs_blob_sweep(const char *data_dir, vs_blob_known_fn known, void *ud,
                       unsigned *tmp_removed, unsigned *orphans_removed)
{
    char top[4096], l1[4096 + 256], l2[4096 + 512];
    *tmp_removed = *orphans_removed = 0;
    vg_error err = sweep_tmp(data_dir, tmp_removed);
    if (err != VG_OK)
        return err;
    snprintf(top, sizeof top, "%s/blobs", data_dir);
    DIR *d1 = opendir(top);
    if (d1 == NULL) {
        vsi_log("cannot open %s: %s", top, strerror(errno));
        return VG_ERR_IO;
    }
    struct dirent *a;
    while (err == VG_OK && (a = readdir(d1)) != NULL) {
        if (!is_fan(a->d_name))
            continue;
        snprintf(l1, sizeof l1, "%s/%s", top, a->d_name);
        DIR *d2 = opendir(l1);
        if (d2 == NULL)
            continue;
        struct dirent *b;
        while (err == VG_OK && (b = readdir(d2)) != NULL) {
            if (!is_fan(b->d_name))
                continue;
            snprintf(l2, sizeof l2, "%s/%s", l1, b->d_name);
            err = sweep_leaf(l2, known, ud, orphans_removed);
        }
        closedir(d2);
    }
    closedir(d1);
    return err;
}
