/* The status line: "1234 files, 56.7 MB, 12.3 MB/s" on stderr, redrawn
 * about five times a second by a thread of its own, wiped at the end. */
#ifndef VIGIL_CLI_PROGRESS_H
#define VIGIL_CLI_PROGRESS_H

#include "output.h"
#include "stats.h"

typedef struct progress progress;

/* Starts the thread; returns NULL (and shows nothing) on failure. */
progress *progress_start(output *out, scan_stats *stats);

/* Stops the thread and wipes the line. NULL is a no-op. */
void progress_stop(progress *p);

#endif
