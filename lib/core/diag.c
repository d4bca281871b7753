/* Diagnostics: "source:line:col: message", the way compilers say it, so an
 * editor can jump to a malformed signature line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag_int.h"

void vg_diag_clear(vg_diag *d)
{
    if (d != NULL)
        memset(d, 0, sizeof *d);
}

vg_error vgi_diag_set(vg_diag *d, vg_error code, const char *source, unsigned line, unsigned col,
                      const char *fmt, ...)
{
    if (d == NULL)
        return code;
    d->code = code;
    d->line = line;
    d->col = col;
    snprintf(d->source, sizeof d->source, "%s", source ? source : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
    return code;
}

void vg_diag_format(const vg_diag *d, char *buf, size_t size)
{
    if (size == 0)
        return;
    const char *msg = d->message[0] ? d->message : vg_strerror(d->code);
    if (d->source[0] && d->line && d->col)
        snprintf(buf, size, "%s:%u:%u: %s", d->source, d->line, d->col, msg);
    else if (d->source[0] && d->line)
        snprintf(buf, size, "%s:%u: %s", d->source, d->line, msg);
    else if (d->source[0])
        snprintf(buf, size, "%s: %s", d->source, msg);
    else
        snprintf(buf, size, "%s", msg);
}
