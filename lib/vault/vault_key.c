/* The vault key: 32 random bytes in a file of their own.
 *
 * The file is created with O_CREAT|O_EXCL and mode 0600 (two processes
 * creating a vault at once cannot both win, and neither can be tricked into
 * writing through a planted symlink: O_NOFOLLOW), written and fsynced before
 * any entry can be sealed with it. Loading refuses what ssh refuses for its
 * private keys: a symlink, a non-regular file, a file others may read, or
 * anything but exactly 32 bytes.
 *
 * A key is never created next to existing entries: they were sealed with
 * another key, and a fresh one would make the vault look healthy while
 * every old entry is unreadable. That case is an error naming the key.
 *
 * Entries record a key id, an 8-byte BLAKE2b of the key, so "wrong key" can
 * be told apart from "damaged entry" without revealing anything about the
 * key itself. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../core/diag_int.h"
#include "vault_int.h"

static void key_id(const uint8_t *key, uint8_t *keyid)
{
    static const uint8_t ctx[] = "vigil vault key id";
    crypto_generichash(keyid, VGI_VAULT_KEYID_LEN, ctx, sizeof ctx - 1, key, VGI_VAULT_KEY_LEN);
}

static size_t count_entries(int dirfd)
{
    int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (d == NULL) {
        if (dfd >= 0)
            close(dfd);
        return 0;
    }
    size_t n = 0, elen = strlen(VGI_VAULT_EXT);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len > elen && strcmp(de->d_name + len - elen, VGI_VAULT_EXT) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static vg_error read_key(int fd, const char *path, uint8_t *key, vg_diag *diag)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return vgi_diag_set(diag, VG_ERR_IO, path, 0, 0, "cannot stat the vault key: %s",
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, path, 0, 0,
                            "the vault key is not a regular file");
    if (st.st_mode & 077)
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, path, 0, 0,
                            "the vault key is accessible by others (mode %04o); "
                            "it must be private: chmod 600",
                            (unsigned)(st.st_mode & 07777));
    if (st.st_size != VGI_VAULT_KEY_LEN)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, path, 0, 0,
                            "the vault key has %lld bytes, not %d: damaged or not a vault key",
                            (long long)st.st_size, VGI_VAULT_KEY_LEN);
    ssize_t n = pread(fd, key, VGI_VAULT_KEY_LEN, 0);
    if (n != VGI_VAULT_KEY_LEN)
        return vgi_diag_set(diag, VG_ERR_IO, path, 0, 0, "cannot read the vault key: %s",
                            n < 0 ? strerror(errno) : "short read");
    return VG_OK;
}

/* Syncs the directory holding path, so the new key's name is durable. */
static vg_error sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL   ? vg_strdup(".")
                : slash == path ? vg_strdup("/")
                                : vg_strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return VG_ERR_NOMEM;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    vg_free(dir);
    if (dfd < 0)
        return vgi_errno_error(errno);
    vg_error err = vgi_fsync(dfd);
    close(dfd);
    return err;
}

static vg_error create_key(const char *path, uint8_t *key, vg_diag *diag)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return vgi_diag_set(diag, vgi_errno_error(errno), path, 0, 0,
                            "cannot create the vault key: %s", strerror(errno));
    randombytes_buf(key, VGI_VAULT_KEY_LEN);
    vg_error err = vgi_write_all(fd, key, VGI_VAULT_KEY_LEN, NULL);
    if (err == VG_OK)
        err = vgi_fsync(fd);
    if (err == VG_OK)
        err = sync_parent(path);
    close(fd);
    if (err != VG_OK) {
        unlink(path);
        sodium_memzero(key, VGI_VAULT_KEY_LEN);
        return vgi_diag_set(diag, err, path, 0, 0, "cannot write the vault key: %s",
                            strerror(errno));
    }
    return VG_OK;
}

vg_error vgi_vault_key_load(const char *path, int dirfd, bool create, uint8_t *key, uint8_t *keyid,
                            vg_diag *diag)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            vg_error err = read_key(fd, path, key, diag);
            close(fd);
            if (err == VG_OK)
                key_id(key, keyid);
            else
                sodium_memzero(key, VGI_VAULT_KEY_LEN);
            return err;
        }
        if (errno == ELOOP)
            return vgi_diag_set(diag, VG_ERR_INVALID_ARG, path, 0, 0,
                                "the vault key is a symbolic link; refusing it");
        if (errno != ENOENT)
            return vgi_diag_set(diag, vgi_errno_error(errno), path, 0, 0,
                                "cannot open the vault key: %s", strerror(errno));
        size_t entries = count_entries(dirfd);
        if (entries > 0)
            return vgi_diag_set(diag, VG_ERR_NOT_FOUND, path, 0, 0,
                                "the vault key is missing; the %zu entries in the vault cannot be "
                                "read without it (give its location with --vault-key)",
                                entries);
        if (!create)
            return vgi_diag_set(diag, VG_ERR_NOT_FOUND, path, 0, 0, "no vault key");
        vg_error err = create_key(path, key, diag);
        if (err == VG_OK) {
            key_id(key, keyid);
            return VG_OK;
        }
        if (err != VG_ERR_EXISTS)
            return err;
        /* Another process created it first: load theirs. */
    }
    return vgi_diag_set(diag, VG_ERR_IO, path, 0, 0, "the vault key keeps changing");
}
