/* On-access protection in the daemon: switched on and off, with its state
 * persisted, and a catch-up scan when switched back on.
 *
 *     vd_control *c;
 *     vd_control_start(d, &c);     before vd_daemon_serve: registers the commands
 *     ... serve ...
 *     vd_control_stop(c);          before the engine goes away
 *
 * Commands on the daemon's socket (z, n and bare forms like clamd's):
 *     VIGIL-ENABLE    -> "ENABLED catch-up started" | "ENABLED already"
 *     VIGIL-DISABLE   -> "DISABLED" | "DISABLED already"
 *     VIGIL-STATUS    -> one line of JSON (docs/vigild.md, "On-access protection")
 *
 * State file <StateDirectory>/onaccess.state, rewritten atomically:
 *     enabled yes|no
 *     watermark <ns since 1970> <watched path>      one per tree with a known one */
#ifndef VIGILD_CONTROL_H
#define VIGILD_CONTROL_H

#include "daemon.h"

typedef struct vd_control vd_control;

/* Never fails the daemon: when protection cannot start, that is logged
 * and VIGIL-STATUS says why. 0, or -1 when out of memory. */
int vd_control_start(vd_daemon *d, vd_control **out);
/* Stops the catch-up and on-access threads (every pending opener is
 * answered). NULL is a no-op. */
void vd_control_stop(vd_control *c);

#endif
