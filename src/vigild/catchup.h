/* The catch-up scan: what changed in the watched trees while protection was
 * off, scanned in the background when it is switched back on.
 *
 *     vd_cu_tree t[] = {{.root = "/home", .has_watermark = true, .watermark_ns = w}};
 *     vd_catchup *c;
 *     vd_catchup_start(t, 1, &opts, &c);      a thread: count, then scan
 *     vd_catchup_progress(c, &p);             files_done / files_total, findings
 *     vd_catchup_free(c);                     cancels if still running, joins
 *
 * A file is a candidate when max(mtime, ctime) is after its tree's
 * watermark (every file when the tree has none). When a tree is done the
 * tree_done hook gets the time its walk started, minus a second of slack
 * (file times come from the kernel's coarse clock, which lags the one we
 * read): that is the tree's next watermark. A cancelled tree gets none, so
 * nothing is skipped next time. */
#ifndef VIGILD_CATCHUP_H
#define VIGILD_CATCHUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "onaccess.h"

typedef struct vd_catchup vd_catchup;

typedef struct vd_cu_tree {
    const char *root;
    bool has_watermark;
    int64_t watermark_ns; /* ns since 1970 */
} vd_cu_tree;

typedef struct vd_cu_opts {
    const char *const *exclude; /* never descended into */
    size_t n_exclude;
    unsigned slot;     /* scan hook slot reserved for the catch-up thread */
    vd_vcache *cache;  /* clean verdicts go here too; may be NULL */
    vd_oa_hooks hooks; /* scan (required), found, log */
    /* Tree `index` is complete; started_ns is its new watermark. */
    void (*tree_done)(void *ud, size_t index, int64_t started_ns);
} vd_cu_opts;

typedef enum vd_cu_state {
    VD_CU_COUNTING = 0,
    VD_CU_SCANNING = 1,
    VD_CU_DONE = 2,
    VD_CU_CANCELLED = 3,
} vd_cu_state;

#define VD_CU_FINDINGS_MAX 32

typedef struct vd_cu_finding {
    char path[1024];
    char signature[256];
} vd_cu_finding;

typedef struct vd_cu_progress {
    vd_cu_state state;
    uint64_t files_total; /* candidates counted so far (final once scanning) */
    uint64_t files_done;
    uint64_t found, errors;
    size_t tree, n_trees;      /* tree being walked */
    int64_t started, finished; /* seconds since 1970; finished 0 while running */
    size_t n_findings;         /* the first VD_CU_FINDINGS_MAX */
    vd_cu_finding findings[VD_CU_FINDINGS_MAX];
} vd_cu_progress;

/* trees and opts are copied (strings too). 0, or -1 with errno. */
int vd_catchup_start(const vd_cu_tree *trees, size_t n, const vd_cu_opts *opts, vd_catchup **out);
void vd_catchup_progress(vd_catchup *c, vd_cu_progress *out);
/* Asks it to stop; returns at once. */
void vd_catchup_cancel(vd_catchup *c);
/* Cancels if running, waits, frees. NULL is a no-op. */
void vd_catchup_free(vd_catchup *c);
const char *vd_cu_state_name(vd_cu_state s);

#endif
