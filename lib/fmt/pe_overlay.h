/* Where a PE file's overlay starts: the data appended after its sections,
 * where installers (NSIS, InstallShield) and self-extractors keep their
 * payload. */
#ifndef VGI_FMT_PE_OVERLAY_H
#define VGI_FMT_PE_OVERLAY_H

#include <stdint.h>
#include <vigil/fmap.h>

/* End of the furthest section's raw data in the file, 0 when map is not a
 * PE or its headers are unusable (e_lfanew past 64 KiB, no section table,
 * more than 96 sections). Cheap: a few header reads, run by probes. */
uint64_t vgi_pe_overlay(vg_fmap *map);

#endif
