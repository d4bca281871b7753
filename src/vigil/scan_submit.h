/* `vigil scan --submit`: the files a scan flagged, kept open, then handed
 * to the submit step (submit.h) once the scan is over. */
#ifndef VIGIL_CLI_SCAN_SUBMIT_H
#define VIGIL_CLI_SCAN_SUBMIT_H

#include <stdbool.h>
#include <vigil/engine.h>

#include "scan_args.h"

typedef struct scan_submit scan_submit;

/* NULL (nothing to do) unless cfg->submit; *rc = 2 after a printed error. */
scan_submit *scan_submit_new(const scan_config *cfg, int *rc);
/* From any worker: a flagged file, still open on fd (which is dup'ed, so
 * the caller closes its own, and --action may move the file meanwhile). */
void scan_submit_note(scan_submit *ss, const char *path, int fd, bool stream);
/* After the scan: submits from every noted file. Returns 0, or 2 when the
 * submit step could not start or a submission failed. */
int scan_submit_run(scan_submit *ss, const scan_config *cfg, vg_engine *engine);
void scan_submit_free(scan_submit *ss);

#endif
