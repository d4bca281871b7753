/* What a scan found: events while it runs, a result when it ends.
 *
 * Every finding is an event delivered to one callback, with the path chain
 * of the object it concerns: chain[0] is the top-level name, chain[1] a
 * member of it, and so on ("/home/u/a.zip" -> "docs/b.tar" -> "setup.exe").
 * Event memory is borrowed for the duration of the callback only. */
#ifndef VIGIL_RESULT_H
#define VIGIL_RESULT_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>
#include <vigil/fmap.h>
#include <vigil/limits.h>
#include <vigil/markings.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_event_kind {
    VG_EVENT_DETECTION = 1, /* a signature matched */
    VG_EVENT_LIMIT = 2,     /* a limit stopped part of the scan: result incomplete */
    VG_EVENT_ERROR = 3,     /* an object could not be read or parsed (corrupt, I/O) */
    VG_EVENT_MARKING = 4,   /* classification markings found (only with VG_SCAN_MARKINGS) */
} vg_event_kind;

typedef enum vg_sig_kind {
    VG_SIG_NONE = 0,
    VG_SIG_MD5,
    VG_SIG_SHA1,
    VG_SIG_SHA256,
    VG_SIG_BODY,
} vg_sig_kind;

typedef struct vg_event {
    vg_event_kind kind;
    const char *const *chain; /* chain[0..depth]: names from top level inward */
    unsigned depth;           /* 0 = the top-level object itself */
    /* VG_EVENT_DETECTION */
    const char *signature;
    vg_sig_kind sig_kind;
    uint64_t offset; /* body match start in the innermost object */
    /* VG_EVENT_LIMIT */
    vg_limit_kind limit;
    /* VG_EVENT_ERROR (and LIMIT: VG_ERR_LIMIT) */
    vg_error error;
    const char *message; /* human-readable detail, never NULL */
    const char *format;  /* container format involved, or NULL */
    /* VG_EVENT_MARKING: the detector's verdict on the innermost object
     * (signature = its rule, offset = its first evidence, message = reason) */
    const vg_mark_verdict *marking;
    /* VG_EVENT_DETECTION and VG_EVENT_MARKING: the innermost object's bytes
     * as they were matched (a prefix when max-filesize or max-scansize cut
     * it; a VG_EVENT_LIMIT for the same chain says so). Borrowed: valid only
     * during the callback; read it with vg_fmap_read(), never keep it. */
    vg_fmap *object;
} vg_event;

/* Return 0 to continue, non-zero to abort the scan (VG_ERR_ABORTED). */
typedef int (*vg_event_fn)(const vg_event *event, void *userdata);

typedef enum vg_verdict {
    VG_VERDICT_CLEAN = 0,
    VG_VERDICT_INFECTED = 1,   /* at least one detection */
    VG_VERDICT_INCOMPLETE = 2, /* no detection, but a limit or error left parts unscanned */
} vg_verdict;

typedef struct vg_result {
    vg_verdict verdict;
    unsigned detections;
    unsigned limits;
    unsigned errors;
    unsigned markings;      /* objects with classification markings (VG_SCAN_MARKINGS) */
    uint64_t objects;       /* objects scanned, top level included */
    uint64_t bytes_scanned; /* bytes given to the matchers */
    uint64_t bytes_read;    /* bytes of the top-level object */
} vg_result;

const char *vg_verdict_name(vg_verdict v);
const char *vg_sig_kind_name(vg_sig_kind k);

#ifdef __cplusplus
}
#endif
#endif
