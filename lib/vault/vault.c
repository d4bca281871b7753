/* The vault as a whole: a directory of sealed entries and a key.
 *
 *     <dir>/                     0700
 *     <dir>/vault.key            0600, 32 random bytes (or --vault-key elsewhere)
 *     <dir>/<id>.vq              one sealed entry per quarantined file
 *     <dir>/tmp.<id>             an entry being written (flock held), never read
 *
 * Nothing in the directory is ever edited in place: entries appear by
 * rename() and disappear by unlink(), each followed by an fsync of the
 * directory. So listing needs no lock, and two processes (the scanner and
 * the daemon) can share one vault. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/diag_int.h"
#include "vault_int.h"

vg_error vg_vault_open(const char *dir, const vg_vault_opts *opts, vg_diag *diag, vg_vault **out)
{
    vg_vault_opts o = opts != NULL ? *opts : (vg_vault_opts){0};
    *out = NULL;
    if (dir == NULL || dir[0] == '\0')
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, "", 0, 0, "no vault directory");
    if (sodium_init() < 0)
        return vgi_diag_set(diag, VG_ERR_IO, dir, 0, 0, "libsodium could not initialise");
    if (o.create && vgi_mkdir_p(dir) != 0)
        return vgi_diag_set(diag, vgi_errno_error(errno), dir, 0, 0,
                            "cannot create the vault directory: %s", strerror(errno));
    vg_vault *v = vg_calloc(1, sizeof *v);
    if (v == NULL || (v->dir = vg_strdup(dir)) == NULL) {
        vg_free(v); /* vg_free(NULL) is a no-op */
        return VG_ERR_NOMEM;
    }
    vg_error err = VG_OK;
    char *key_path = NULL;
    v->dirfd = -1;
    v->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (v->dirfd < 0) {
        err = vgi_diag_set(diag, errno == ENOENT ? VG_ERR_NOT_FOUND : vgi_errno_error(errno), dir,
                           0, 0, "%s", errno == ENOENT ? "no vault here" : strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(v->dirfd, &st) != 0 || (st.st_mode & S_IWOTH)) {
        /* Anyone could rename entries or plant temp files there. */
        err = vgi_diag_set(diag, VG_ERR_INVALID_ARG, dir, 0, 0,
                           "the vault directory is writable by everyone; refusing it");
        goto fail;
    }
    if (o.key_path == NULL) {
        size_t len = strlen(dir) + sizeof "/vault.key";
        if ((key_path = vg_malloc(len)) == NULL) {
            err = VG_ERR_NOMEM;
            goto fail;
        }
        snprintf(key_path, len, "%s/vault.key", dir);
    }
    err = vgi_vault_key_load(o.key_path ? o.key_path : key_path, v->dirfd, o.create != 0, v->key,
                             v->keyid, diag);
    if (err != VG_OK)
        goto fail;
    vg_free(key_path);
    vgi_temp_sweep(v->dirfd, "tmp.");
    *out = v;
    return VG_OK;
fail:
    vg_free(key_path);
    vg_vault_close(v);
    return err;
}

void vg_vault_close(vg_vault *v)
{
    if (v == NULL)
        return;
    if (v->dirfd >= 0)
        close(v->dirfd);
    sodium_memzero(v->key, sizeof v->key);
    vg_free(v->dir);
    vg_free(v);
}

const char *vg_vault_dir(const vg_vault *v)
{
    return v->dir;
}

/* "<32 hex>.vq" -> the id, else false. */
static bool entry_name(const char *name, char id[VG_VAULT_ID_LEN + 1])
{
    if (strlen(name) != VG_VAULT_ID_LEN + strlen(VGI_VAULT_EXT) ||
        strcmp(name + VG_VAULT_ID_LEN, VGI_VAULT_EXT) != 0)
        return false;
    memcpy(id, name, VG_VAULT_ID_LEN);
    id[VG_VAULT_ID_LEN] = '\0';
    return vgi_id_valid(id);
}

static int by_date(const void *a, const void *b)
{
    const vg_vault_entry *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    return strcmp(x->id, y->id);
}

vg_error vg_vault_list(vg_vault *v, vg_vault_entry **out, size_t *count, vg_diag *diag)
{
    *out = NULL;
    *count = 0;
    int dfd = openat(v->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (d == NULL) {
        if (dfd >= 0)
            close(dfd);
        return vgi_diag_set(diag, VG_ERR_IO, v->dir, 0, 0, "cannot list: %s", strerror(errno));
    }
    vg_vault_entry *list = NULL;
    size_t n = 0, cap = 0;
    vg_error err = VG_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char id[VG_VAULT_ID_LEN + 1];
        if (!entry_name(de->d_name, id))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            vg_vault_entry *grown = vg_realloc(list, ncap * sizeof *grown);
            if (grown == NULL) {
                err = VG_ERR_NOMEM;
                break;
            }
            list = grown;
            cap = ncap;
        }
        vg_error e = vgi_entry_read(v, id, &list[n], NULL, NULL, NULL);
        if (e == VG_ERR_NOT_FOUND) /* purged or restored meanwhile */
            continue;
        n++;
    }
    closedir(d);
    if (err != VG_OK) {
        vg_vault_list_free(list, n);
        return err;
    }
    if (n > 1)
        qsort(list, n, sizeof *list, by_date);
    *out = list;
    *count = n;
    return VG_OK;
}

void vg_vault_list_free(vg_vault_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        vg_vault_entry_cleanup(&entries[i]);
    vg_free(entries);
}

vg_error vg_vault_get(vg_vault *v, const char *id, vg_vault_entry *out, vg_diag *diag)
{
    return vgi_entry_read(v, id, out, NULL, NULL, diag);
}

vg_error vg_vault_verify(vg_vault *v, const char *id, vg_diag *diag)
{
    vg_vault_entry e;
    vgi_opener o;
    int fd;
    vg_error err = vgi_entry_read(v, id, &e, &o, &fd, diag);
    if (err != VG_OK)
        return err;
    uint8_t sha[32];
    uint64_t size = 0;
    err = vgi_open_content(&o, -1, sha, &size, diag);
    if (err == VG_OK) {
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
        if (size != e.size || strcmp(hex, e.sha256) != 0)
            err = vgi_diag_set(diag, VG_ERR_CRYPTO, id, 0, 0,
                               "content does not match its recorded size and SHA-256");
    }
    vgi_open_end(&o);
    close(fd);
    vg_vault_entry_cleanup(&e);
    return err;
}

vg_error vg_vault_purge(vg_vault *v, const char *id, vg_diag *diag)
{
    if (!vgi_id_valid(id))
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, id, 0, 0, "not an entry id (32 hex digits)");
    char name[VG_VAULT_ID_LEN + sizeof VGI_VAULT_EXT];
    snprintf(name, sizeof name, "%s%s", id, VGI_VAULT_EXT);
    if (unlinkat(v->dirfd, name, 0) != 0)
        return vgi_diag_set(diag, errno == ENOENT ? VG_ERR_NOT_FOUND : vgi_errno_error(errno), id,
                            0, 0, "%s", errno == ENOENT ? "no such entry" : strerror(errno));
    if (vgi_fsync(v->dirfd) != VG_OK)
        return vgi_diag_set(diag, VG_ERR_IO, id, 0, 0, "purged, but fsync failed: %s",
                            strerror(errno));
    return VG_OK;
}

vg_error vg_vault_purge_older(vg_vault *v, int64_t before, int all, size_t *removed, vg_diag *diag)
{
    *removed = 0;
    vg_vault_entry *list = NULL;
    size_t n = 0;
    vg_error err = vg_vault_list(v, &list, &n, diag);
    if (err != VG_OK)
        return err;
    for (size_t i = 0; i < n && err == VG_OK; i++) {
        if (!all && (list[i].status != VG_OK || list[i].date >= before))
            continue;
        err = vg_vault_purge(v, list[i].id, diag);
        if (err == VG_ERR_NOT_FOUND)
            err = VG_OK; /* someone else removed it first */
        else if (err == VG_OK)
            (*removed)++;
    }
    vg_vault_list_free(list, n);
    return err;
}
