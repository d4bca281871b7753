/* File typing for signature target types (ClamAV's numbering). */
#ifndef VGI_SCAN_FTYPE_H
#define VGI_SCAN_FTYPE_H

#include <stdint.h>
#include <vigil/fmap.h>

/* Bit (1u << target) for every ClamAV target type the object satisfies;
 * bit 0 (any) is always set. */
uint32_t vgi_ftype_targets(vg_fmap *map);

#endif
