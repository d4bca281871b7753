/* Sealed sample blobs: one file per sample under blobs/ab/cd/<sha256>,
 * encrypted with the sample's own key (see blob.c for the format).
 *
 * Writing is two steps so the store can commit the database row in
 * between: vs_blob_seal() writes tmp/<random> (fsynced, locked against the
 * recovery sweep of another process), vs_blob_install() renames it into
 * place and fsyncs the directories. Errors: VG_ERR_NOSPACE for ENOSPC /
 * EDQUOT (nothing left behind), VG_ERR_IO otherwise, VG_ERR_CRYPTO for a
 * blob that does not open with its key (altered, truncated, swapped). */
#ifndef VIGIL_SERVER_BLOB_H
#define VIGIL_SERVER_BLOB_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#define VS_BLOB_KEYBYTES 32
#define VS_BLOB_CHUNK    (64u * 1024u)

/* A blob written to tmp/ but not yet installed. */
typedef struct vs_blob_tmp {
    char path[4096];
    int fd; /* holds the flock that keeps the recovery sweep away */
} vs_blob_tmp;

/* Creates data_dir/blobs and data_dir/tmp (0700) if missing. */
vg_error vs_blob_init_dirs(const char *data_dir);

/* Seals content for sha256 with a fresh random key (key out) into tmp/. On
 * failure nothing is left in tmp/ and key is wiped. */
vg_error vs_blob_seal(const char *data_dir, const char *sha256, const uint8_t *content, size_t len,
                      uint8_t key[VS_BLOB_KEYBYTES], vs_blob_tmp *out);
/* Renames the sealed tmp file to blobs/ab/cd/<sha256> (creating the fan-out
 * dirs 0700), fsyncs the directories and releases t. On failure the tmp
 * file is removed. */
vg_error vs_blob_install(const char *data_dir, const char *sha256, vs_blob_tmp *t);
/* Removes a tmp blob that will not be installed. */
void vs_blob_discard(vs_blob_tmp *t);

/* path gets data_dir/blobs/ab/cd/<sha256>; -1 if it does not fit. */
int vs_blob_path(const char *data_dir, const char *sha256, char *path, size_t cap);
/* Opens the blob read-only: VG_ERR_NOT_FOUND when missing. */
vg_error vs_blob_open(const char *data_dir, const char *sha256, int *fd);
/* Decrypts an opened blob of a sample of size bytes; *out is malloc'd (free()).
 * Does not close fd. */
vg_error vs_blob_read(int fd, const char *sha256, const uint8_t key[VS_BLOB_KEYBYTES],
                      uint64_t size, uint8_t **out, size_t *len);
/* Unlinks the blob (a missing one is fine) and fsyncs its directory. */
vg_error vs_blob_unlink(const char *data_dir, const char *sha256);

/* Recovery: removes every file in tmp/ that no live writer holds, and every
 * blob for which known(ud, sha256) returns 0. Counts what it removed. */
typedef int (*vs_blob_known_fn)(void *ud, const char *sha256);
vg_error vs_blob_sweep(const char *data_dir, vs_blob_known_fn known, void *ud,
                       unsigned *tmp_removed, unsigned *orphans_removed);

#endif
