/* VBA macros of Office files (MS-OVBA): module sources, decompressed. */
#ifndef VGI_FMT_OLE2_VBA_H
#define VGI_FMT_OLE2_VBA_H

#include "ole2_cfb.h"

/* Reads len bytes at off of some input into dst; returns how many. */
typedef size_t (*vgi_ovba_reader)(void *ud, uint64_t off, void *dst, size_t len);
/* Takes decompressed bytes; anything but VG_OK stops the decompression. */
typedef vg_error (*vgi_ovba_sink)(void *ud, const uint8_t *data, size_t len);

/* MS-OVBA 2.4.1 CompressedContainer in [start, end) of the input: a 0x01
 * signature byte, then chunks of at most 4098 bytes, each decompressing to
 * at most 4096 (so memory is two chunk buffers on the stack). Hands each
 * chunk's bytes to sink as it is done. Returns the sink's error, or
 * VG_ERR_MALFORMED on a bad signature or copy token (after handing over
 * what decoded before it). */
vg_error vgi_ovba_decompress(vgi_ovba_reader rd, void *rud, uint64_t start, uint64_t end,
                             vgi_ovba_sink sink, void *sud);

/* The VBA project in storage idx (holding "dir" and the module streams):
 * decompresses "dir", and each module's source from its stream at its
 * MODULEOFFSET, emitted as "vba:<ModuleName>". Damage is reported.
 * Returns VG_ERR_ABORTED, VG_ERR_NOMEM or VG_ERR_LIMIT when nothing more
 * should be emitted (as vgi_ole2_emit()), else VG_OK. */
vg_error vgi_ole2_vba(vgi_ole2 *o, uint32_t storage);

#endif
