/* The log of vigild (vd_log in daemon.h is the entry point): where lines go
 * and in which shape. Set once at start, before any thread runs. */
#ifndef VIGILD_LOG_H
#define VIGILD_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "daemon.h"

/* file NULL: stderr. Returns -1 when the file cannot be opened. */
int vdi_log_open(vd_log_format format, bool verbose, const char *file);
/* Sends lines to syslog from now on (after daemonizing without a LogFile). */
void vdi_log_use_syslog(void);
void vdi_log_close(void);
void vdi_logv(int level, const char *event, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
