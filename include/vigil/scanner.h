/* The scanner: one per thread, all sharing one compiled engine.
 *
 *     vg_scanner *s;
 *     vg_scanner_new(engine, &s);
 *     vg_scanner_set_callback(s, on_event, ctx);
 *     vg_result r;
 *     err = vg_scanner_scan_path(s, "/home/u/a.zip", &r);
 *
 * A scanner holds the mutable state of a scan (matcher scratch, buffers),
 * so it must not be used by two threads at once. Errors returned by the scan
 * functions concern the top-level object only (cannot open, cannot read);
 * problems inside it are events and leave the call returning VG_OK. */
#ifndef VIGIL_SCANNER_H
#define VIGIL_SCANNER_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/engine.h>
#include <vigil/fmap.h>
#include <vigil/result.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_scanner vg_scanner;

enum {
    VG_SCAN_ALLMATCH = 1u << 0, /* keep scanning after the first detection */
    /* Run the marking detector (markings.h) on every object reached, the
     * top level and every member of every container, and report each hit as
     * a VG_EVENT_MARKING. Containers are opened whether or not a signature
     * targets their members. A marking is not a detection: the verdict is
     * unchanged; vg_result.markings counts them. */
    VG_SCAN_MARKINGS = 1u << 1,
};

/* Takes a reference on engine, which must be compiled. */
vg_error vg_scanner_new(vg_engine *engine, vg_scanner **out);
void vg_scanner_free(vg_scanner *scanner);

void vg_scanner_set_callback(vg_scanner *scanner, vg_event_fn fn, void *userdata);
void vg_scanner_set_flags(vg_scanner *scanner, unsigned flags);

/* name is chain[0] in events. */
vg_error vg_scanner_scan_path(vg_scanner *scanner, const char *path, vg_result *out);
vg_error vg_scanner_scan_fd(vg_scanner *scanner, int fd, const char *name, vg_result *out);
vg_error vg_scanner_scan_mem(vg_scanner *scanner, const void *buf, size_t len, const char *name,
                             vg_result *out);
vg_error vg_scanner_scan_fmap(vg_scanner *scanner, vg_fmap *map, const char *name, vg_result *out);
/* Reads a non-seekable stream (pipe, socket, stdin) to its end, spooling to
 * an anonymous temporary file past the stream threshold, then scans it. */
vg_error vg_scanner_scan_stream(vg_scanner *scanner, int fd, const char *name, vg_result *out);

#ifdef __cplusplus
}
#endif
#endif
