/* What format handlers see of a running scan.
 *
 * A handler never recurses and never matches: it hands every embedded
 * object to the scan through vgi_scan_child() (a zero-copy fmap view) or a
 * vgi_child (bytes it inflates), and the scan charges the budget, applies
 * the limits and emits events. */
#ifndef VGI_SCAN_SCAN_INT_H
#define VGI_SCAN_SCAN_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <vigil/fmap.h>
#include <vigil/limits.h>
#include <vigil/result.h>

typedef struct vgi_scan_ctx vgi_scan_ctx;

const vg_limits *vgi_scan_limits(const vgi_scan_ctx *ctx);

/* 1 when the handler should stop emitting children: a detection ended the
 * scan (no allmatch), the callback aborted, or the time limit passed (the
 * limit event is emitted here, once). */
int vgi_scan_should_stop(vgi_scan_ctx *ctx);

/* 1 when some body signature of the engine targets ClamAV file type
 * `target` (3 HTML, 7 text, ...; 0 any): a handler that makes a copy only
 * such signatures could match (a normalized text) can skip it otherwise. */
int vgi_scan_has_target(const vgi_scan_ctx *ctx, unsigned target);

/* Name of the object currently being parsed (chain's last entry). */
const char *vgi_scan_current_name(const vgi_scan_ctx *ctx);

/* Scans child (a view the handler owns and closes afterwards) as a member of
 * the current object. Counts it against max_files of the current object and
 * its size against max_scan_size. Returns VG_ERR_LIMIT when the member was
 * not scanned because of a limit (already reported), VG_ERR_ABORTED when the
 * scan must stop; VG_OK otherwise, whatever the child contained. */
vg_error vgi_scan_child(vgi_scan_ctx *ctx, vg_fmap *child, const char *name);

/* Reports a problem inside the current object: corrupt data, I/O, or an
 * unsupported feature. format is the handler's name. */
void vgi_scan_report_error(vgi_scan_ctx *ctx, vg_error code, const char *format, const char *msgfmt,
                           ...) __attribute__((format(printf, 4, 5)));

/* Reports a limit hit on the current object (once per kind and object). */
void vgi_scan_report_limit(vgi_scan_ctx *ctx, vg_limit_kind kind, const char *format,
                           const char *msgfmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- child.c: members that must be inflated ----
 *
 *     vgi_child *c;
 *     if ((err = vgi_child_begin(ctx, &c)) != VG_OK) ...       VG_ERR_LIMIT: max_files reached
 *     while ((n = inflate(buf)) > 0)
 *         if ((err = vgi_child_write(c, buf, n)) != VG_OK) break;
 *     err2 = vgi_child_finish(c, "docs/a.exe");                scans what was written
 *
 * Bytes are kept in memory up to the stream threshold and spooled to an
 * anonymous temporary file beyond it. vgi_child_write() returns VG_ERR_LIMIT
 * once the member outgrows max_file_size, the top-level file's max_scan_size,
 * or the container's max_ratio: stop inflating then; finish() still scans the
 * part written and the limit is already reported. */
typedef struct vgi_child vgi_child;

vg_error vgi_child_begin(vgi_scan_ctx *ctx, vgi_child **out);
vg_error vgi_child_write(vgi_child *child, const void *data, size_t len);
/* Scans and frees child. Returns as vgi_scan_child(). Ask vgi_child_limit()
 * before this call, never after: the child is gone. */
vg_error vgi_child_finish(vgi_child *child, const char *name);
/* Frees child without scanning it. NULL is a no-op. */
void vgi_child_discard(vgi_child *child);
/* Which limit made vgi_child_write() return VG_ERR_LIMIT (VG_LIMIT_NONE if
 * none did): after VG_LIMIT_FILESIZE later members may still fit; after
 * SCANSIZE or RATIO no later member of this container can. */
vg_limit_kind vgi_child_limit(const vgi_child *child);

/* Charges n bytes a handler had to inflate without keeping them (skipping
 * the rest of an over-size member inside a compressed stream) to the
 * current container's ratio budget. VG_ERR_LIMIT, reported once, when the
 * container has now expanded past max_ratio: stop inflating. */
vg_error vgi_scan_charge_skipped(vgi_scan_ctx *ctx, uint64_t n);

#endif
