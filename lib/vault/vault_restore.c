/* Out of the vault: decrypt an entry back to a file, exactly.
 *
 * The content is decrypted into a temporary file in the target directory,
 * given its owner (as root), mode and times, fsynced, and only then given
 * its name, without replacing anything unless forced; the vault entry is
 * removed last.
 *
 *     restore-tmp-created    .vigil-restore.<id> exists (flocked)   entry intact
 *     restore-written        content decrypted and authenticated    entry intact
 *     restore-synced         mode, times set, fsynced               entry intact
 *     restore-linked         the target name exists                 entry intact
 *     restore-dir-synced     target directory fsynced: durable      entry intact
 *     restore-entry-removed  entry unlinked, vault not yet synced   file durable
 *
 * A truncated or altered entry fails authentication before the temporary
 * file gets a name, so a partial file never appears at the target. The
 * temporary name is fixed per entry, so the next restore of the same entry
 * sweeps what a crash left behind. No-replace is renameat2(RENAME_NOREPLACE)
 * where the file system supports it, link() + unlink() elsewhere; both fail
 * with EEXIST instead of overwriting a file that appeared meanwhile. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/diag_int.h"
#include "vault_int.h"

typedef struct target {
    char *path; /* full path restored to */
    char *dir;
    const char *base; /* inside path */
    int dirfd;
} target;

static vg_error resolve_target(const vg_vault_entry *e, const char *to, target *t, vg_diag *diag)
{
    memset(t, 0, sizeof *t);
    t->dirfd = -1;
    const char *orig_base = strrchr(e->original_path, '/');
    orig_base = orig_base != NULL ? orig_base + 1 : e->original_path;
    struct stat st;
    if (to != NULL && stat(to, &st) == 0 && S_ISDIR(st.st_mode)) {
        size_t len = strlen(to) + strlen(orig_base) + 2;
        if ((t->path = vg_malloc(len)) != NULL)
            snprintf(t->path, len, "%s%s%s", to, to[strlen(to) - 1] == '/' ? "" : "/", orig_base);
    } else {
        t->path = vg_strdup(to != NULL ? to : e->original_path);
    }
    if (t->path == NULL)
        return VG_ERR_NOMEM;
    char *slash = strrchr(t->path, '/');
    t->base = slash != NULL ? slash + 1 : t->path;
    t->dir = slash == NULL      ? vg_strdup(".")
             : slash == t->path ? vg_strdup("/")
                                : vg_strndup(t->path, (size_t)(slash - t->path));
    if (t->dir == NULL)
        return VG_ERR_NOMEM;
    if (t->base[0] == '\0' || strcmp(t->base, ".") == 0 || strcmp(t->base, "..") == 0)
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, t->path, 0, 0, "not a file name");
    t->dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t->dirfd < 0)
        return vgi_diag_set(diag, vgi_errno_error(errno), t->dir, 0, 0,
                            "cannot open the target directory: %s", strerror(errno));
    return VG_OK;
}

static void target_cleanup(target *t)
{
    if (t->dirfd >= 0)
        close(t->dirfd);
    vg_free(t->path);
    vg_free(t->dir);
}

/* Owner, mode, times: in this order, as chown clears set-id bits and any
 * later write would move mtime. */
static vg_error set_attributes(int fd, const vg_vault_entry *e, vg_diag *diag)
{
    if (geteuid() == 0 && fchown(fd, (uid_t)e->uid, (gid_t)e->gid) != 0)
        return vgi_diag_set(diag, VG_ERR_IO, e->id, 0, 0, "cannot restore the owner: %s",
                            strerror(errno));
    if (fchmod(fd, (mode_t)(e->mode & 07777)) != 0)
        return vgi_diag_set(diag, VG_ERR_IO, e->id, 0, 0, "cannot restore the mode: %s",
                            strerror(errno));
    struct timespec times[2] = {{.tv_sec = (time_t)e->atime_sec, .tv_nsec = e->atime_nsec},
                                {.tv_sec = (time_t)e->mtime_sec, .tv_nsec = e->mtime_nsec}};
    if (futimens(fd, times) != 0)
        return vgi_diag_set(diag, VG_ERR_IO, e->id, 0, 0, "cannot restore the times: %s",
                            strerror(errno));
    return VG_OK;
}

/* Gives tmp its final name; EEXIST unless force. */
static int publish(int dirfd, const char *tmp, const char *name, bool force)
{
    if (force)
        return renameat(dirfd, tmp, dirfd, name);
    if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return -1;
    if (linkat(dirfd, tmp, dirfd, name, 0) != 0)
        return -1;
    unlinkat(dirfd, tmp, 0);
    return 0;
}

/* Decrypts into a temporary file in t and gives it its name. */
static vg_error write_target(vgi_opener *o, const vg_vault_entry *e, target *t, bool force,
                             vg_diag *diag)
{
    char tmp[VG_VAULT_ID_LEN + 32];
    snprintf(tmp, sizeof tmp, ".vigil-restore.%s", e->id);
    vgi_temp_sweep(t->dirfd, tmp);
    int fd = vgi_temp_create(t->dirfd, tmp);
    if (fd < 0)
        return vgi_diag_set(diag, vgi_errno_error(errno), t->dir, 0, 0,
                            "cannot create a file there: %s", strerror(errno));
    vgi_fault_point("restore-tmp-created");
    uint8_t sha[32];
    uint64_t size = 0;
    vg_error err = vgi_open_content(o, fd, sha, &size, diag);
    if (err == VG_ERR_NOSPACE)
        vgi_diag_set(diag, err, t->dir, 0, 0,
                     "no space left to restore %s there; the entry is "
                     "kept in the vault",
                     e->id);
    if (err != VG_OK)
        goto fail;
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
    if (size != e->size || strcmp(hex, e->sha256) != 0) {
        err = vgi_diag_set(diag, VG_ERR_CRYPTO, e->id, 0, 0,
                           "content does not match its recorded size and SHA-256");
        goto fail;
    }
    vgi_fault_point("restore-written");
    if ((err = set_attributes(fd, e, diag)) != VG_OK)
        goto fail;
    if ((err = vgi_fsync(fd)) != VG_OK) {
        vgi_diag_set(diag, err, t->path, 0, 0, "cannot sync: %s", strerror(errno));
        goto fail;
    }
    vgi_fault_point("restore-synced");
    if (publish(t->dirfd, tmp, t->base, force) != 0) {
        err = vgi_diag_set(diag, vgi_errno_error(errno), t->path, 0, 0, "%s",
                           errno == EEXIST ? "exists; not overwritten (use --force)"
                                           : strerror(errno));
        goto fail;
    }
    close(fd);
    vgi_fault_point("restore-linked");
    if (vgi_fsync(t->dirfd) != VG_OK)
        return vgi_diag_set(diag, VG_ERR_IO, t->dir, 0, 0,
                            "restored, but the directory could not be synced (%s); the entry "
                            "is kept in the vault",
                            strerror(errno));
    vgi_fault_point("restore-dir-synced");
    return VG_OK;
fail:
    unlinkat(t->dirfd, tmp, 0);
    close(fd);
    return err;
}

vg_error vg_vault_restore(vg_vault *v, const char *id, const char *to, unsigned flags,
                          char *restored_path, size_t path_size, vg_diag *diag)
{
    if (restored_path != NULL && path_size > 0)
        restored_path[0] = '\0';
    bool force = (flags & VG_VAULT_FORCE) != 0;
    vg_vault_entry e;
    vgi_opener o;
    int fd = -1;
    vg_error err = vgi_entry_read(v, id, &e, &o, &fd, diag);
    if (err != VG_OK)
        return err;
    target t;
    if ((err = resolve_target(&e, to, &t, diag)) != VG_OK)
        goto done;
    struct stat st;
    if (fstatat(t.dirfd, t.base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!force) {
            err = vgi_diag_set(diag, VG_ERR_EXISTS, t.path, 0, 0,
                               "exists; not overwritten (use --force)");
            goto done;
        }
        if (S_ISDIR(st.st_mode)) {
            err = vgi_diag_set(diag, VG_ERR_EXISTS, t.path, 0, 0, "is a directory; not replaced");
            goto done;
        }
    }
    if ((err = write_target(&o, &e, &t, force, diag)) != VG_OK)
        goto done;
    if (restored_path != NULL && path_size > 0)
        snprintf(restored_path, path_size, "%s", t.path);
    char name[VG_VAULT_ID_LEN + sizeof VGI_VAULT_EXT];
    snprintf(name, sizeof name, "%s%s", e.id, VGI_VAULT_EXT);
    if (unlinkat(v->dirfd, name, 0) != 0 && errno != ENOENT) {
        err = vgi_diag_set(diag, VG_ERR_IO, e.id, 0, 0,
                           "restored to %s, but the entry could not be removed: %s", t.path,
                           strerror(errno));
        goto done;
    }
    vgi_fault_point("restore-entry-removed");
    vgi_fsync(v->dirfd); /* the file is durable at the target: nothing can be lost now */
done:
    target_cleanup(&t);
    vgi_open_end(&o);
    close(fd);
    vg_vault_entry_cleanup(&e);
    return err;
}
