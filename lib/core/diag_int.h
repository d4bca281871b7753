/* Internal helpers for filling a vg_diag. */
#ifndef VGI_CORE_DIAG_INT_H
#define VGI_CORE_DIAG_INT_H

#include <vigil/diag.h>

/* Sets code, location and a printf-style message; returns code so callers
 * can write `return vgi_diag_set(d, VG_ERR_MALFORMED, src, line, col, "...")`.
 * d may be NULL. */
vg_error vgi_diag_set(vg_diag *d, vg_error code, const char *source, unsigned line, unsigned col,
                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
