/* InstallShield 6+ cabinets ("ISc(": data1.hdr + dataN.cab), ishield_cab.c. */
#ifndef VGI_FMT_ISHIELD_CAB_H
#define VGI_FMT_ISHIELD_CAB_H

#include "ishield_emit.h"

typedef struct vgi_ishield_vol {
    unsigned no;        /* N of dataN.cab */
    uint64_t off, size; /* where it is in is->map */
} vgi_ishield_vol;

/* Emits every file the header [hdr_off, +hdr_size) describes whose data is
 * in one of the volumes. */
void vgi_ishield_cab(vgi_ishield *is, uint64_t hdr_off, uint64_t hdr_size,
                     const vgi_ishield_vol *vols, size_t nvols);

#endif
