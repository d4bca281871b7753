/* Limits: everything that can loop or grow during a scan is bounded here.
 *
 *     vg_limits lim = vg_limits_default();
 *     lim.max_depth = 8;
 *     err = vg_engine_new(&lim, &engine);      validated once, there
 *
 * Exceeding a limit never crashes, hangs or passes silently: the scan
 * emits a VG_EVENT_LIMIT event naming it and the result is "incomplete". */
#ifndef VIGIL_LIMITS_H
#define VIGIL_LIMITS_H

#include <stdint.h>
#include <vigil/diag.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_limit_kind {
    VG_LIMIT_NONE = 0,
    VG_LIMIT_DEPTH,     /* containers nested deeper than max_depth */
    VG_LIMIT_FILESIZE,  /* one object larger than max_file_size */
    VG_LIMIT_SCANSIZE,  /* bytes scanned for one top-level file > max_scan_size */
    VG_LIMIT_FILES,     /* more members in one container than max_files */
    VG_LIMIT_RATIO,     /* a container expands more than max_ratio times its size */
    VG_LIMIT_TIME,      /* one top-level file took longer than max_time_ms */
    VG_LIMIT_MATCHWORK, /* signature verification needed more steps than allowed */
} vg_limit_kind;

typedef struct vg_limits {
    unsigned max_depth;        /* container nesting; top-level file is depth 0 */
    uint64_t max_file_size;    /* bytes of one object (file or member) */
    uint64_t max_scan_size;    /* bytes scanned per top-level file, all members */
    unsigned max_files;        /* members extracted per container */
    unsigned max_ratio;        /* bytes out / bytes in, per container */
    uint64_t max_time_ms;      /* wall time per top-level file; 0 = unlimited */
    uint64_t max_verify_steps; /* verifier work per object, against pathological sigs */
    uint64_t stream_threshold; /* objects larger than this are scanned as streams */
} vg_limits;

/* ClamAV's defaults or tighter. */
vg_limits vg_limits_default(void);

/* VG_ERR_INVALID_ARG (with the field named in diag) when a value is unusable. */
vg_error vg_limits_validate(const vg_limits *limits, vg_diag *diag);

/* Stable short name, as in verdicts "limit:<name>": "depth", "filesize", ... */
const char *vg_limit_name(vg_limit_kind kind);

#ifdef __cplusplus
}
#endif
#endif
