/* The marking detector inside the scan loop (scan_markings.c). */
#ifndef VGI_SCAN_SCAN_MARKINGS_H
#define VGI_SCAN_SCAN_MARKINGS_H

#include <vigil/fmap.h>

#include "scan_int.h"

/* With VG_SCAN_MARKINGS set, judges map (the part of the current object the
 * limits let us scan) and reports a hit as a VG_EVENT_MARKING on the
 * current chain. Does nothing without the flag. Never stops the scan. */
void vgi_scan_markings(vgi_scan_ctx *ctx, vg_fmap *map);

#endif
