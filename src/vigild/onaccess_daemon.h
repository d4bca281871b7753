/* The bridge between the on-access modules (which call hooks) and the
 * daemon (engine, vault, log): scanning with the current engine through one
 * scanner per worker slot, quarantining detections, logging.
 *
 *     vd_oa_bridge *b = vd_oa_bridge_new(d, slots);
 *     vd_oa_hooks h;  vd_oa_bridge_hooks(b, &h);     for onaccess and catch-up
 *     ...
 *     vd_oa_bridge_free(b);                          after their threads stopped */
#ifndef VIGILD_ONACCESS_DAEMON_H
#define VIGILD_ONACCESS_DAEMON_H

#include "daemon.h"
#include "onaccess.h"

typedef struct vd_oa_bridge vd_oa_bridge;

/* slots: scan hook slots (on-access workers + the catch-up thread). Opens
 * the vault when QuarantineOnDetect is on (a failure is logged, and
 * detections are then only reported). NULL when out of memory. */
vd_oa_bridge *vd_oa_bridge_new(vd_daemon *d, unsigned slots);
void vd_oa_bridge_free(vd_oa_bridge *b);
void vd_oa_bridge_hooks(vd_oa_bridge *b, vd_oa_hooks *out);
/* Quarantined files so far. */
uint64_t vd_oa_bridge_quarantined(const vd_oa_bridge *b);

#endif
