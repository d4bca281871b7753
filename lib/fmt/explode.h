/* PKWARE Implode decoder ("explode", zip method 6) over an fmap.
 *
 *     err = vgi_explode(map, data_off, csize, gp_flags, usize, sink, ud);
 *
 * Memory: one 8 KiB window plus three small trees and an input buffer,
 * allocated per call with vg_malloc and freed before return. Input is read
 * through vg_fmap_read() and never past off + len. */
#ifndef VGI_FMT_EXPLODE_H
#define VGI_FMT_EXPLODE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>
#include <vigil/fmap.h>

/* Receives the output: data[0..len) is valid only during the call. Anything
 * but VG_OK stops decoding and vgi_explode() returns that code. */
typedef vg_error (*vgi_explode_sink)(void *ud, const uint8_t *data, size_t len);

/* The zip general purpose flags that shape an imploded stream. */
#define VGI_EXPLODE_8K       0x0002u /* bit 1: 8 KiB dictionary (else 4 KiB) */
#define VGI_EXPLODE_LITERALS 0x0004u /* bit 2: three trees, literals coded */

/* Decodes the stream in map[off, off + len) until out_size bytes are made:
 * an imploded stream has no end marker, so the zip's uncompressed size is
 * where it stops. flags: the member's general purpose flags (other bits are
 * ignored). Returns VG_OK once out_size bytes are made, VG_ERR_MALFORMED on
 * an invalid tree or code, VG_ERR_TRUNCATED when the input ends first,
 * VG_ERR_NOMEM, or the sink's code. Output made before an error has been
 * delivered. */
vg_error vgi_explode(vg_fmap *map, uint64_t off, uint64_t len, unsigned flags, uint64_t out_size,
                     vgi_explode_sink sink, void *ud);

#endif
