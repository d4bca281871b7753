/* Internals of the quarantine vault, shared by lib/vault/.
 *
 *     vault_key.c      the key file: load, or create 0600 with O_EXCL
 *     vault_crypto.c   secretstream sealing of one entry file (header, records)
 *     vault_entry.c    the metadata record: JSON in, JSON out
 *     vault_fs.c       fsync, temp files, identity checks, checked unlink
 *     vault_fault.c    VIGIL_FAULT: test-only crash points of the protocols
 *     vault.c          open, close, list, get, purge, verify
 *     vault_put.c      put and quarantine (into the vault)
 *     vault_restore.c  restore (out of the vault) */
#ifndef VGI_VAULT_INT_H
#define VGI_VAULT_INT_H

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <vigil/vault.h>

#include "../core/mem.h"

#define VGI_VAULT_KEY_LEN   crypto_secretstream_xchacha20poly1305_KEYBYTES
#define VGI_VAULT_KEYID_LEN 8
#define VGI_VAULT_MAGIC     "VGVAULT\x01" /* 8 bytes: format version 1 */
#define VGI_VAULT_MAGIC_LEN 8
/* magic, key id, secretstream header */
#define VGI_VAULT_HEAD_LEN                                                                         \
    (VGI_VAULT_MAGIC_LEN + VGI_VAULT_KEYID_LEN + crypto_secretstream_xchacha20poly1305_HEADERBYTES)
#define VGI_VAULT_CHUNK    ((size_t)64 << 10) /* plaintext bytes per content record */
#define VGI_VAULT_META_MAX ((size_t)64 << 10) /* largest metadata record */
#define VGI_VAULT_EXT      ".vq"

struct vg_vault {
    int dirfd;
    char *dir;
    uint8_t key[VGI_VAULT_KEY_LEN];
    uint8_t keyid[VGI_VAULT_KEYID_LEN];
};

/* ---- vault_key.c ---- */
/* Loads the key at path, or creates it (when create and the vault holds no
 * entries yet). dirfd is the vault directory, to look for entries. */
vg_error vgi_vault_key_load(const char *path, int dirfd, bool create, uint8_t *key, uint8_t *keyid,
                            vg_diag *diag);

/* ---- vault_crypto.c ---- */
typedef struct vgi_sealer {
    crypto_secretstream_xchacha20poly1305_state st;
    int fd;
    uint8_t *buf; /* one ciphertext record */
} vgi_sealer;

/* Writes the head and the metadata record to fd. */
vg_error vgi_seal_begin(vgi_sealer *s, const vg_vault *v, int fd, const char *id, const char *meta,
                        size_t meta_len, vg_diag *diag);
/* Seals everything in_fd holds from offset 0, ending with the FINAL tag;
 * returns its SHA-256 and length. */
vg_error vgi_seal_content(vgi_sealer *s, int in_fd, uint8_t sha256[32], uint64_t *size,
                          vg_diag *diag);
void vgi_seal_end(vgi_sealer *s);

typedef struct vgi_opener {
    crypto_secretstream_xchacha20poly1305_state st;
    int fd;
    uint8_t *buf;
} vgi_opener;

/* Reads the head and the metadata record of the entry on fd; *meta is a
 * NUL-terminated vg_malloc'd JSON text. */
vg_error vgi_open_begin(vgi_opener *o, const vg_vault *v, int fd, const char *id, char **meta,
                        vg_diag *diag);
/* Decrypts the content records to out_fd (-1: nowhere), checking the FINAL
 * tag and that nothing follows it. */
vg_error vgi_open_content(vgi_opener *o, int out_fd, uint8_t sha256[32], uint64_t *size,
                          vg_diag *diag);
void vgi_open_end(vgi_opener *o);

/* ---- vault_entry.c ---- */
/* The metadata record of a new entry. */
char *vgi_entry_encode(const char *id, const vg_vault_meta *meta, const struct stat *st,
                       const uint8_t sha256[32]);
vg_error vgi_entry_decode(const char *json, vg_vault_entry *e, vg_diag *diag);

/* Opens <id>.vq and decrypts its metadata into e; with o != NULL the
 * opener is left positioned at the content (caller ends it and closes
 * *fd_out). */
vg_error vgi_entry_read(const vg_vault *v, const char *id, vg_vault_entry *e, vgi_opener *o,
                        int *fd_out, vg_diag *diag);

/* ---- vault_fs.c ---- */
bool vgi_id_valid(const char *id);
void vgi_id_new(char id[VG_VAULT_ID_LEN + 1]);
vg_error vgi_errno_error(int e);
vg_error vgi_write_all(int fd, const void *buf, size_t len, const char *fault_step);
/* fsync; on EINTR retried. */
vg_error vgi_fsync(int fd);
/* mkdir -p with mode 0700 for the missing parts. */
int vgi_mkdir_p(const char *path);
/* Creates dirfd/name exclusively (0600) and takes an flock on it, so a
 * cleaner can tell a live temporary file from a crashed writer's. */
int vgi_temp_create(int dirfd, const char *name);
/* Removes dirfd/<prefix>* files no process holds locked. */
void vgi_temp_sweep(int dirfd, const char *prefix);
bool vgi_file_id_equal(const vg_file_id *a, const vg_file_id *b);
/* Opens dirfd/name read-only without following a symlink, checks it is a
 * regular file matching seen (when given), and that the name still links
 * to it; fills st. */
vg_error vgi_open_checked(int dirfd, const char *name, const vg_file_id *seen, int *fd_out,
                          struct stat *st, vg_diag *diag);
/* Does dirfd/name still name the inode of st, unchanged? */
vg_error vgi_name_still_is(int dirfd, const char *name, const struct stat *st, vg_diag *diag);

/* ---- vault_fault.c ---- */
/* Test-only crash points: VIGIL_FAULT=<step>[:kill|exit|stop] makes the
 * process die (SIGKILL), _exit(99) or stop (SIGSTOP) when it reaches step. */
void vgi_fault_point(const char *step);
/* VIGIL_FAULT=<step>:enospc: the errno a write at step must fail with, or 0. */
int vgi_fault_errno(const char *step);

#endif
