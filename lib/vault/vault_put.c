/* Into the vault: seal a file as a new entry, then (quarantine) remove it.
 *
 * The order is what makes a crash harmless: the original is unlinked only
 * once the entry is durable under its final name.
 *
 *     put-tmp-created     tmp.<id> exists (flocked)           original intact
 *     put-written         entry written, not yet fsynced      original intact
 *     put-synced          tmp.<id> fsynced                    original intact
 *     put-renamed         renamed to <id>.vq                  original intact
 *     put-dir-synced      vault directory fsynced: durable    original intact
 *     quarantine-unlinked original name removed               entry durable
 *     quarantine-done     its directory fsynced               entry durable
 *
 * (the names are the VIGIL_FAULT steps, vault_fault.c). A temp file left by
 * a crash is removed by the next vg_vault_open, and an entry whose original
 * still exists is a harmless duplicate. The content is read twice: once to
 * hash it (the SHA-256 goes into the metadata record, which comes first so
 * that listing never reads content), once to seal it, hashing again; if the
 * two differ, or size or mtime moved, the file changed under us and nothing
 * is kept. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/diag_int.h"
#include "vault_int.h"

static vg_error hash_fd(int fd, uint8_t sha256[32], uint64_t *size, vg_diag *diag)
{
    uint8_t *buf = vg_malloc(VGI_VAULT_CHUNK);
    if (buf == NULL)
        return VG_ERR_NOMEM;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    uint64_t off = 0;
    vg_error err = VG_OK;
    for (;;) {
        ssize_t n = pread(fd, buf, VGI_VAULT_CHUNK, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = vgi_diag_set(diag, VG_ERR_IO, "", 0, 0, "cannot read the file: %s",
                               strerror(errno));
            break;
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&h, buf, (size_t)n);
        off += (uint64_t)n;
    }
    crypto_hash_sha256_final(&h, sha256);
    vg_free(buf);
    *size = off;
    return err;
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static vg_error nospace(vg_vault *v, vg_diag *diag)
{
    return vgi_diag_set(diag, VG_ERR_NOSPACE, v->dir, 0, 0,
                        "no space left in the vault (%s); the file was left in place",
                        strerror(errno == 0 ? ENOSPC : errno));
}

/* Writes the sealed entry to tmpfd and checks the file did not change. */
static vg_error seal_into(vg_vault *v, int tmpfd, int fd, const char *id, const vg_vault_meta *meta,
                          const struct stat *st, vg_diag *diag)
{
    uint8_t sha[32], sha2[32];
    uint64_t size = 0, size2 = 0;
    vg_error err = hash_fd(fd, sha, &size, diag);
    if (err != VG_OK)
        return err;
    char *json = vgi_entry_encode(id, meta, st, sha);
    if (json == NULL)
        return VG_ERR_NOMEM;
    vgi_sealer s;
    err = vgi_seal_begin(&s, v, tmpfd, id, json, strlen(json), diag);
    free(json);
    if (err == VG_OK)
        err = vgi_seal_content(&s, fd, sha2, &size2, diag);
    vgi_seal_end(&s);
    if (err == VG_ERR_NOSPACE)
        return nospace(v, diag);
    if (err != VG_OK)
        return err;
    struct stat now;
    if (size != (uint64_t)st->st_size || size2 != size || memcmp(sha, sha2, sizeof sha) != 0 ||
        fstat(fd, &now) != 0 || !same_file_state(st, &now))
        return vgi_diag_set(diag, VG_ERR_CHANGED, "", 0, 0,
                            "the file changed while it was being quarantined; left in place");
    vgi_fault_point("put-written");
    if ((err = vgi_fsync(tmpfd)) != VG_OK)
        return err == VG_ERR_NOSPACE
                   ? nospace(v, diag)
                   : vgi_diag_set(diag, err, v->dir, 0, 0, "cannot sync the vault entry: %s",
                                  strerror(errno));
    vgi_fault_point("put-synced");
    return VG_OK;
}

vg_error vg_vault_put(vg_vault *v, int fd, const vg_file_id *seen, const vg_vault_meta *meta,
                      char id[VG_VAULT_ID_LEN + 1], vg_diag *diag)
{
    id[0] = '\0';
    if (meta == NULL || meta->original_path == NULL || meta->detection == NULL)
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, "", 0, 0, "path and detection required");
    struct stat st;
    if (fstat(fd, &st) != 0)
        return vgi_diag_set(diag, VG_ERR_IO, meta->original_path, 0, 0, "cannot stat: %s",
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return vgi_diag_set(diag, VG_ERR_CHANGED, meta->original_path, 0, 0,
                            "is not a regular file");
    if (seen != NULL) {
        vg_file_id now;
        vg_file_id_from_stat(&st, &now);
        if (!vgi_file_id_equal(&now, seen))
            return vgi_diag_set(diag, VG_ERR_CHANGED, meta->original_path, 0, 0,
                                "not the file that was scanned");
    }
    char new_id[VG_VAULT_ID_LEN + 1], tmp[VG_VAULT_ID_LEN + 8], name[VG_VAULT_ID_LEN + 8];
    vgi_id_new(new_id);
    snprintf(tmp, sizeof tmp, "tmp.%s", new_id);
    snprintf(name, sizeof name, "%s%s", new_id, VGI_VAULT_EXT);
    int tmpfd = vgi_temp_create(v->dirfd, tmp);
    if (tmpfd < 0) {
        if (errno == ENOSPC || errno == EDQUOT)
            return nospace(v, diag);
        return vgi_diag_set(diag, vgi_errno_error(errno), v->dir, 0, 0,
                            "cannot create a file in the vault: %s", strerror(errno));
    }
    vgi_fault_point("put-tmp-created");
    vg_error err = seal_into(v, tmpfd, fd, new_id, meta, &st, diag);
    if (err != VG_OK)
        goto fail;
    if (renameat(v->dirfd, tmp, v->dirfd, name) != 0) {
        err = vgi_diag_set(diag, vgi_errno_error(errno), v->dir, 0, 0,
                           "cannot publish the vault entry: %s", strerror(errno));
        goto fail;
    }
    vgi_fault_point("put-renamed");
    if (vgi_fsync(v->dirfd) != VG_OK) {
        err = vgi_diag_set(diag, VG_ERR_IO, v->dir, 0, 0, "cannot sync the vault directory: %s",
                           strerror(errno));
        unlinkat(v->dirfd, name, 0);
        close(tmpfd);
        return err;
    }
    vgi_fault_point("put-dir-synced");
    close(tmpfd);
    memcpy(id, new_id, sizeof new_id);
    return VG_OK;
fail:
    unlinkat(v->dirfd, tmp, 0);
    close(tmpfd);
    return err;
}

/* The vault copy of a file we then could not remove: discard it, so an
 * error means "nothing happened". */
static void discard(vg_vault *v, const char *id)
{
    vg_vault_purge(v, id, NULL);
}

vg_error vg_vault_quarantine(vg_vault *v, int dirfd, const char *name, const vg_file_id *seen,
                             const vg_vault_meta *meta, char id[VG_VAULT_ID_LEN + 1], vg_diag *diag)
{
    id[0] = '\0';
    vgi_fault_point("quarantine-start");
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
    vg_file_id now;
    vg_file_id_from_stat(&st, &now);
    char new_id[VG_VAULT_ID_LEN + 1];
    err = vg_vault_put(v, fd, &now, meta, new_id, diag);
    close(fd);
    if (err != VG_OK)
        return err;
    if ((err = vgi_name_still_is(dirfd, name, &st, diag)) != VG_OK) {
        discard(v, new_id);
        return err;
    }
    if (unlinkat(dirfd, name, 0) != 0) {
        err = vgi_diag_set(diag, vgi_errno_error(errno), name, 0, 0,
                           "cannot remove the original: %s; the vault copy was discarded",
                           strerror(errno));
        discard(v, new_id);
        return err;
    }
    vgi_fault_point("quarantine-unlinked");
    memcpy(id, new_id, sizeof new_id);
    if (vgi_fsync(dirfd) != VG_OK) /* the entry is durable: the file is safe either way */
        return vgi_diag_set(diag, VG_ERR_IO, name, 0, 0,
                            "quarantined as %s, but its directory could not be synced: %s", new_id,
                            strerror(errno));
    vgi_fault_point("quarantine-done");
    return VG_OK;
}
