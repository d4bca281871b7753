/* ARJ decompressors over an fmap, output pushed in chunks.
 *
 *     err = vgi_arj_decode(map, data_off, csize, method, orig_size, sink, ud);
 *
 * Methods 1-3 share one decoder ("decode": LZ77 with static Huffman blocks,
 * a 26 KiB dictionary); method 4 is "decode_f" (lengths and distances in
 * unary-prefixed fields, no Huffman). Memory: one 64 KiB window plus tables,
 * allocated per call with vg_malloc and freed before return. Input is read
 * through vg_fmap_read() and never past off + len. */
#ifndef VGI_FMT_ARJ_DECODE_H
#define VGI_FMT_ARJ_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>
#include <vigil/fmap.h>

/* Receives the output: data[0..len) is valid only during the call. Anything
 * but VG_OK stops decoding and vgi_arj_decode() returns that code. */
typedef vg_error (*vgi_arj_sink)(void *ud, const uint8_t *data, size_t len);

/* Decodes the stream in map[off, off + len) until out_size bytes are made
 * (an ARJ stream has no end marker: the header's original size is where it
 * stops). method: 1, 2, 3 or 4. Returns VG_OK once out_size bytes are made,
 * VG_ERR_MALFORMED on an invalid table or distance, VG_ERR_TRUNCATED when
 * the input ends first, VG_ERR_UNSUPPORTED for another method, VG_ERR_NOMEM,
 * or the sink's code. Output made before an error has been delivered. */
vg_error vgi_arj_decode(vg_fmap *map, uint64_t off, uint64_t len, unsigned method,
                        uint64_t out_size, vgi_arj_sink sink, void *ud);

#endif
