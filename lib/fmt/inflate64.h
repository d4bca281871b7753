/* Deflate and Deflate64 decoder over an fmap, output pushed in chunks.
 *
 *     err = vgi_inflate64(map, data_off, csize, VGI_INFLATE_DEFLATE64, sink, ud, &used);
 *
 * Memory: one 64 KiB window plus tables, allocated per call with vg_malloc
 * and freed before return. Input is read through vg_fmap_read() and never
 * past off + len. Threads: none shared; calls are independent. */
#ifndef VGI_FMT_INFLATE64_H
#define VGI_FMT_INFLATE64_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>
#include <vigil/fmap.h>

/* Receives the output: data[0..len) is valid only during the call. len == 0
 * is a heartbeat: the decoder is busy (empty blocks) but made nothing, so a
 * caller can still check its clock. Anything but VG_OK stops decoding and
 * vgi_inflate64() returns that code. */
typedef vg_error (*vgi_inflate_sink)(void *ud, const uint8_t *data, size_t len);

#define VGI_INFLATE_PLAIN     0u /* RFC 1951 deflate: 32 KiB window */
#define VGI_INFLATE_DEFLATE64 1u /* PKWARE Deflate64 (zip method 9) */

/* Decodes the raw stream in map[off, off + len) until its final block.
 * Returns VG_OK at the end of the stream, VG_ERR_MALFORMED on an invalid
 * stream, VG_ERR_TRUNCATED when the input ends first, VG_ERR_NOMEM, or the
 * sink's code. Output made before an error has been delivered. *used (may be
 * NULL) receives the input bytes consumed, the last partial byte included. */
vg_error vgi_inflate64(vg_fmap *map, uint64_t off, uint64_t len, unsigned flags,
                       vgi_inflate_sink sink, void *ud, uint64_t *used);

#endif
