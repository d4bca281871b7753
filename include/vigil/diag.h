/* Diagnostics: the context that goes with an error.
 *
 * Functions that parse user input (signature files, command-line values)
 * take an optional vg_diag * and fill it on failure, so the caller can print
 * "main.ndb:12:5: malformed hex: odd number of digits" instead of a bare
 * code. The struct is caller-owned; strings are copied into it. */
#ifndef VIGIL_DIAG_H
#define VIGIL_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_diag {
    vg_error code;
    char message[256]; /* what went wrong, without the location */
    char source[512];  /* file name (signature file, scanned object), or "" */
    unsigned line;     /* 1-based; 0 when not line-oriented */
    unsigned col;      /* 1-based; 0 when unknown */
    uint64_t offset;   /* byte offset in the source, when meaningful */
} vg_diag;

/* Resets d to "no error". NULL is a no-op. */
void vg_diag_clear(vg_diag *d);

/* Formats "source:line:col: message" (the parts that are known) into buf. */
void vg_diag_format(const vg_diag *d, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
