/* Compressed RTF (MS-OXRTFCP), the PR_RTF_COMPRESSED body of a TNEF message.
 *
 *     u32 compressed size (of what follows this field)
 *     u32 raw size
 *     u32 magic           "LZFu" compressed | "MELA" stored
 *     u32 crc
 *     data                LZFu: a control byte, then 8 items, LSB first:
 *                         bit 0 = one literal byte, bit 1 = a big-endian
 *                         u16 reference (12-bit dictionary offset, 4-bit
 *                         length - 2) into a 4 KiB ring preloaded with
 *                         207 bytes of common RTF; a reference to the
 *                         current write position ends the stream.
 *
 * The ring is the whole state, so the output is bounded only by the raw
 * size (cut there) and the input (at most 8.5 bytes per input byte). */
#ifndef VGI_FMT_TNEF_RTF_H
#define VGI_FMT_TNEF_RTF_H

#include <stdint.h>
#include <vigil/fmap.h>

#include "fmt.h"

/* Decodes map[off, off + len) into child. VG_OK when the stream ended as
 * it should; VG_ERR_TRUNCATED when the input ran out first,
 * VG_ERR_MALFORMED for an unknown magic or too short a header (nothing
 * written), VG_ERR_LIMIT (or another error) when a write to child failed. */
vg_error vgi_tnef_rtf_decode(vg_fmap *map, uint64_t off, uint64_t len, vgi_child *child);

#endif
