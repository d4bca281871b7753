/* Building the engine for a scan: limits, signatures, compiled matcher. */
#ifndef VIGIL_CLI_ENGINE_SETUP_H
#define VIGIL_CLI_ENGINE_SETUP_H

#include <vigil/engine.h>

#include "scan_args.h"

/* Returns 0 with *out set, or 2 (the exit code) after printing the reason,
 * "vigil: main.ndb:12:5: malformed hex ...", on stderr. Nothing has been
 * scanned at that point. */
int engine_setup(const scan_config *cfg, vg_engine **out);

#endif
