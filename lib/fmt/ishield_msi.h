/* The encoded file records of an InstallShield MSI setup (ishield_msi.c). */
#ifndef VGI_FMT_ISHIELD_MSI_H
#define VGI_FMT_ISHIELD_MSI_H

#include "ishield_emit.h"

/* Emits every record after the 0x20-byte header at hdr_off. */
void vgi_ishield_msi(vgi_ishield *is, uint64_t hdr_off);

#endif
