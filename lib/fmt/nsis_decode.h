/* Pull decoder for the compressed streams of an NSIS installer.
 *
 *     nsis_dec *d;
 *     vgi_nsis_dec_new(map, NSIS_LZMA, 0, dict_cap, &d);
 *     vgi_nsis_dec_start(d, off, end);        one stream in map[off, end)
 *     while ((err = vgi_nsis_dec_read(d, buf, sizeof buf, &got)) == VG_OK && got > 0)
 *         ...                                  got == 0: the stream ended
 *     vgi_nsis_dec_start(d, off2, end2);      next non-solid block, state reused
 *     vgi_nsis_dec_free(d);
 *
 * A decoder is reused across the blocks of a non-solid installer so that
 * LZMA's dictionary is allocated once, not once per block. */
#ifndef VGI_FMT_NSIS_DECODE_H
#define VGI_FMT_NSIS_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/fmap.h>

typedef enum nsis_method {
    NSIS_COPY,    /* stored */
    NSIS_DEFLATE, /* raw deflate (NSIS's zlib) */
    NSIS_BZIP2,   /* NSIS's headerless, CRC-less bzip2: not decoded */
    NSIS_LZMA,    /* [filter flag] 5 property bytes, raw LZMA1 */
} nsis_method;

typedef struct nsis_dec nsis_dec;

/* A decoder of method m reading map. filter_flag: each LZMA stream starts
 * with a byte saying whether the x86 BCJ filter follows LZMA (the NSIS
 * builds of 7-Zip's installers). dict_cap bounds the LZMA dictionary a
 * stream may ask for (its declared size is attacker-chosen). */
vg_error vgi_nsis_dec_new(vg_fmap *map, nsis_method m, int filter_flag, uint32_t dict_cap,
                          nsis_dec **out);

/* Begins a stream in map[off, end): reads LZMA's properties. VG_ERR_TRUNCATED,
 * VG_ERR_MALFORMED (bad properties), VG_ERR_UNSUPPORTED (bzip2), VG_ERR_NOMEM. */
vg_error vgi_nsis_dec_start(nsis_dec *d, uint64_t off, uint64_t end);

/* Up to n decoded bytes into out; *got == 0 with VG_OK at the end of the
 * stream (LZMA: its end marker or the end of its input). VG_ERR_TRUNCATED:
 * the input ended inside a deflate stream; VG_ERR_MALFORMED: corrupt data.
 * Bytes decoded before an error come back with VG_OK first. */
vg_error vgi_nsis_dec_read(nsis_dec *d, uint8_t *out, size_t n, size_t *got);

/* Offset in map of the next compressed byte to be read (for messages). */
uint64_t vgi_nsis_dec_pos(const nsis_dec *d);

/* NULL is a no-op. */
void vgi_nsis_dec_free(nsis_dec *d);

#endif
