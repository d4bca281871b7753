/* Error codes of libvigil.
 *
 * One enum for the whole library. The numbers are ABI: append only, and
 * retire a code as VG_ERR_OBSOLETE_<n> instead of renumbering. A verdict
 * ("infected") is never an error; it lives in vg_result. */
#ifndef VIGIL_ERROR_H
#define VIGIL_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_error {
    VG_OK = 0,
    VG_ERR_NOMEM = 1,
    VG_ERR_INVALID_ARG = 2,
    VG_ERR_IO = 3,
    VG_ERR_MALFORMED = 4,
    VG_ERR_TRUNCATED = 5,
    VG_ERR_LIMIT = 6,
    VG_ERR_TIMEOUT = 7,
    VG_ERR_ABORTED = 8,
    VG_ERR_UNSUPPORTED = 9,
    VG_ERR_MATCHER = 10, /* the pattern matcher (Hyperscan) refused or failed */
    VG_ERR_NOT_FOUND = 11,
    VG_ERR_EXISTS = 12,  /* the target of a restore already exists */
    VG_ERR_CHANGED = 13, /* a file is not the one that was scanned (swapped, modified, a symlink) */
    VG_ERR_NOSPACE = 14, /* the disk or quota is full (ENOSPC, EDQUOT) */
    VG_ERR_CRYPTO = 15,  /* authentication failed: wrong key, or altered data */
} vg_error;

/* A static, human-readable name for code; never NULL. */
const char *vg_strerror(vg_error code);

#ifdef __cplusplus
}
#endif
#endif
