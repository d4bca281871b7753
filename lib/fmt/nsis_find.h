/* Where an NSIS installer's firstheader is: at a multiple of 512 bytes in
 * a PE, normally where its last section ends (the overlay). */
#ifndef VGI_FMT_NSIS_FIND_H
#define VGI_FMT_NSIS_FIND_H

#include <stdint.h>
#include <vigil/fmap.h>

#define VGI_NSIS_FH_SIZE 28

/* 1 and the firstheader's offset in *out when map is a PE carrying one
 * (all 28 bytes of it inside map); 0 otherwise. Cheap: it is the probe. */
int vgi_nsis_find(vg_fmap *map, uint64_t *out);

#endif
