/* The MIME walker shared by the mail handler's files (fmt_mail.c finds the
 * messages of an mbox, fmt_mail_walk.c walks one message). */
#ifndef VGI_FMT_MIME_WALK_H
#define VGI_FMT_MIME_WALK_H

#include <stdint.h>
#include <vigil/fmap.h>

#include "fmt.h"

/* Walks the message in map[start, size) and emits its parts. Returns VG_OK,
 * VG_ERR_ABORTED / VG_ERR_NOMEM (stop the scan), or the error it reported. */
vg_error vgi_mail_walk(vgi_scan_ctx *ctx, vg_fmap *map, uint64_t start);

#endif
