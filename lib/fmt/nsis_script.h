/* File names from an NSIS installer's script (its decompressed header).
 *
 *     nsis_names *n;
 *     vgi_nsis_names_parse(hdr, hdr_len, 10000, &n);     n == NULL: none found
 *     const char *name = vgi_nsis_names_find(n, pos);     "$INSTDIR\clam.exe"
 *     vgi_nsis_names_free(n);
 *
 * pos is a data block's offset from the start of the data blocks, as the
 * script's extract-file commands refer to it. */
#ifndef VGI_FMT_NSIS_SCRIPT_H
#define VGI_FMT_NSIS_SCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

typedef struct nsis_names nsis_names;

/* *out is NULL (and VG_OK returned) when hdr is no header this parser
 * understands or names no file; VG_ERR_NOMEM otherwise the only error. At
 * most max_names names are kept. */
vg_error vgi_nsis_names_parse(const uint8_t *hdr, size_t len, unsigned max_names, nsis_names **out);

/* The name of the block at pos (borrowed from n), or NULL. n may be NULL. */
const char *vgi_nsis_names_find(const nsis_names *n, uint32_t pos);

/* NULL is a no-op. */
void vgi_nsis_names_free(nsis_names *n);

#endif
