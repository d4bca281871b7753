/* The quarantine vault: flagged files, encrypted, with their metadata.
 *
 *     vg_vault *v;
 *     vg_vault_opts o = {.create = 1};                  key: <dir>/vault.key
 *     vg_vault_open("/var/lib/vigil/quarantine", &o, &diag, &v);
 *     vg_vault_meta m = {.original_path = "/home/u/a.zip", .detection = "Eicar-Test-Signature"};
 *     vg_vault_quarantine(v, parent_fd, "a.zip", &seen, &m, id, &diag);   file moved in
 *     vg_vault_restore(v, id, NULL, 0, &diag);                            and back out
 *     vg_vault_close(v);
 *
 * Every entry is one file <dir>/<id>.vq, sealed with libsodium's
 * crypto_secretstream_xchacha20poly1305 under the vault key: the metadata
 * (original path, owner, mode, times, SHA-256, detection, date) and the
 * content, so the vault cannot be executed or re-detected by accident, and
 * the vault directory without the key reveals nothing but sizes. Format,
 * key handling and the crash-safety protocol: docs/quarantine.md.
 *
 * A move is crash-safe: the entry is written, fsynced and renamed into place
 * (and the directory fsynced) before the original is unlinked; a restore is
 * written, fsynced and linked into place before the entry is removed. A
 * crash at any point leaves the file in at least one of the two places.
 *
 * Threads: an open vault is immutable; any number of threads may call put,
 * quarantine, list, get, restore and purge on it at once (each entry is a
 * separate file, published by an atomic rename). */
#ifndef VIGIL_VAULT_H
#define VIGIL_VAULT_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/diag.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_vault vg_vault;

/* Entry ids: 32 lowercase hex digits (128 random bits). */
#define VG_VAULT_ID_LEN 32

/* What identifies a file between the scan and the action: if any of these
 * changed, the file is not the one that was scanned. */
typedef struct vg_file_id {
    uint64_t dev, ino, size;
    int64_t mtime_sec;
    long mtime_nsec;
} vg_file_id;

/* Fills id from a struct stat (passed as void * to keep <sys/stat.h> out). */
void vg_file_id_from_stat(const void *st, vg_file_id *id);

typedef struct vg_vault_opts {
    const char *key_path; /* NULL: <dir>/vault.key */
    int create;           /* create the directory (0700) and the key when missing */
} vg_vault_opts;

/* Opens (or with opts->create, creates) the vault in dir. Fails with
 * VG_ERR_NOT_FOUND when the directory or the key is missing (a key is never
 * created next to existing entries: they would become unreadable), and
 * VG_ERR_INVALID_ARG for an unsafe key file (not 0600-like, not 32 bytes,
 * a symlink). Leftover temporary files of crashed writers are removed.
 * opts may be NULL. */
vg_error vg_vault_open(const char *dir, const vg_vault_opts *opts, vg_diag *diag, vg_vault **out);
/* NULL is a no-op. The key is wiped from memory. */
void vg_vault_close(vg_vault *vault);
const char *vg_vault_dir(const vg_vault *vault);

/* What the caller knows about an object; the rest is taken from the file. */
typedef struct vg_vault_meta {
    const char *original_path; /* absolute path the file had; required */
    const char *detection;     /* signature name; required */
    const char *found_in;      /* member chain inside a container ("a.zip//x.exe"), or NULL */
    int64_t date;              /* quarantine time, seconds since 1970; 0 = now */
    /* The access time before the scan read the file (which may have moved
     * it); recorded instead of the current one when has_atime is set. */
    int has_atime;
    int64_t atime_sec;
    long atime_nsec;
} vg_vault_meta;

/* One entry's metadata, decrypted. Strings are owned by the entry. */
typedef struct vg_vault_entry {
    char id[VG_VAULT_ID_LEN + 1];
    vg_error status; /* VG_OK, or why the metadata could not be read (then only id is set) */
    char *original_path;
    char *detection;
    char *found_in;      /* NULL when the detection was the file itself */
    char *owner, *group; /* names at quarantine time, or NULL */
    uint32_t uid, gid, mode;
    uint64_t size;
    int64_t atime_sec, mtime_sec, ctime_sec;
    long atime_nsec, mtime_nsec, ctime_nsec;
    char sha256[65]; /* hex */
    int64_t date;
    uint64_t entry_bytes; /* size of the sealed file in the vault */
} vg_vault_entry;

/* Seals the regular file open on fd (read from offset 0) as a new entry.
 * When seen is given, fd's identity must match it (VG_ERR_CHANGED). Nothing
 * is removed. On success id holds the new entry's id. A full disk fails with
 * VG_ERR_NOSPACE and leaves nothing behind. */
vg_error vg_vault_put(vg_vault *vault, int fd, const vg_file_id *seen, const vg_vault_meta *meta,
                      char id[VG_VAULT_ID_LEN + 1], vg_diag *diag);

/* Moves dirfd/name into the vault: opens it with O_NOFOLLOW, checks it is
 * the regular file seen (device, inode, size, mtime) and that the name
 * still links to it, seals it (vg_vault_put), then unlinks the name after
 * checking again, and fsyncs dirfd. A symlink, another file under that
 * name, or a file modified while it was being sealed is refused
 * (VG_ERR_CHANGED) and left alone; so is any failure of the sealing. */
vg_error vg_vault_quarantine(vg_vault *vault, int dirfd, const char *name, const vg_file_id *seen,
                             const vg_vault_meta *meta, char id[VG_VAULT_ID_LEN + 1],
                             vg_diag *diag);

/* Every entry, sorted by date then id. *out is freed with vg_vault_list_free.
 * Entries whose metadata cannot be opened are listed with status set. */
vg_error vg_vault_list(vg_vault *vault, vg_vault_entry **out, size_t *count, vg_diag *diag);
void vg_vault_list_free(vg_vault_entry *entries, size_t count);

/* One entry's metadata; free with vg_vault_entry_cleanup. */
vg_error vg_vault_get(vg_vault *vault, const char *id, vg_vault_entry *out, vg_diag *diag);
void vg_vault_entry_cleanup(vg_vault_entry *entry);

enum {
    VG_VAULT_FORCE = 1u << 0, /* replace an existing file at the target */
};

/* Writes the entry back to `to` (NULL: its original path; an existing
 * directory: that directory with the original name) with its content,
 * mode, atime and mtime (and owner when running as root), then removes the
 * entry. An existing target is refused with VG_ERR_EXISTS unless
 * VG_VAULT_FORCE. Nothing appears at the target unless the whole entry
 * decrypted and authenticated: a truncated or altered entry fails with
 * VG_ERR_CRYPTO or VG_ERR_TRUNCATED and leaves the target untouched.
 * restored_path (optional, size path_size) receives where it went. */
vg_error vg_vault_restore(vg_vault *vault, const char *id, const char *to, unsigned flags,
                          char *restored_path, size_t path_size, vg_diag *diag);

/* Decrypts the whole entry and checks its SHA-256; writes nothing. */
vg_error vg_vault_verify(vg_vault *vault, const char *id, vg_diag *diag);

/* Removes one entry. */
vg_error vg_vault_purge(vg_vault *vault, const char *id, vg_diag *diag);
/* Removes entries quarantined before `before` (seconds since 1970); entries
 * whose metadata cannot be read are kept. all != 0 removes every entry,
 * readable or not (no key needed). *removed counts them. */
vg_error vg_vault_purge_older(vg_vault *vault, int64_t before, int all, size_t *removed,
                              vg_diag *diag);

/* Removes dirfd/name after the same identity checks as vg_vault_quarantine,
 * and fsyncs dirfd: the --action delete of `vigil scan`. */
vg_error vg_file_unlink_checked(int dirfd, const char *name, const vg_file_id *seen, vg_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
