/* On-access protection: every open (and exec) of a file under the watched
 * trees waits for a verdict.
 *
 *     vd_oa_opts o = {.include = dirs, .n_include = 1, .prevention = true,
 *                     .budget_ms = 5000, .workers = 2, .hooks = {.scan = my_scan, ...}};
 *     vd_onaccess *oa;
 *     if (vd_onaccess_start(&o, &oa, why, sizeof why) != 0) ...
 *     vd_onaccess_set_enabled(oa, false);      opens pass at once, nothing scanned
 *     vd_onaccess_stop(oa);                    every pending opener answered first
 *
 * With fanotify (CAP_SYS_ADMIN), each watched directory gets an inode mark
 * for FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM | FAN_CLOSE_WRITE on its children;
 * a reader thread answers what it can at once (the daemon's own pid,
 * excluded paths, non-regular files, disabled, a cached clean verdict) and
 * hands the rest to worker threads; a watchdog answers any opener whose scan
 * outlives the budget. Every permission event is answered exactly once, on
 * every path: errors, overload, timeout and shutdown included.
 *
 * Without fanotify (EPERM, ENOSYS, or force_inotify) the trees are watched
 * with inotify and files are scanned after IN_CLOSE_WRITE / IN_MOVED_TO: a
 * detection is reported (and quarantined) but cannot be blocked.
 *
 * The module knows nothing of engines or vaults: it calls hooks. */
#ifndef VIGILD_ONACCESS_H
#define VIGILD_ONACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vcache.h"

typedef struct vd_onaccess vd_onaccess;

typedef enum vd_oa_verdict {
    VD_OA_CLEAN = 0,
    VD_OA_INFECTED = 1,
    VD_OA_ERROR = 2, /* could not be scanned (or incomplete): allowed, logged */
} vd_oa_verdict;

typedef struct vd_oa_result {
    vd_oa_verdict verdict;
    uint64_t gen;        /* engine generation that judged it (cache key) */
    char signature[256]; /* VD_OA_INFECTED: the signature name */
    char message[256];   /* VD_OA_ERROR: why */
} vd_oa_result;

typedef struct vd_oa_hooks {
    void *ud;
    /* Scans the open regular file fd (read from offset 0). Called from up to
     * `workers` threads at once; slot (0 .. workers-1) is the caller's own
     * index, for per-thread scanners. Required. */
    void (*scan)(void *ud, unsigned slot, int fd, const char *path, vd_oa_result *out);
    /* The slot's worker has been idle for a while: drop per-thread state
     * (a scanner pins its engine). Optional. */
    void (*idle)(void *ud, unsigned slot);
    /* The current engine generation, for cache lookups. Required. */
    uint64_t (*generation)(void *ud);
    /* A detection, after the opener was answered: log, quarantine. fd is
     * still open on the file. Optional. */
    void (*found)(void *ud, int fd, const char *path, const vd_oa_result *res, bool denied);
    /* One log line (text is "key=value ..."). Optional. */
    void (*log)(void *ud, int level, const char *event, const char *text);
} vd_oa_hooks;

typedef struct vd_oa_opts {
    const char *const *include; /* trees to watch */
    size_t n_include;
    const char *const *exclude; /* path prefixes allowed unscanned (whole components) */
    size_t n_exclude;
    bool enabled;       /* initial state */
    bool prevention;    /* deny infected opens; false: allow, report only */
    unsigned budget_ms; /* per scan; 0 = 5000 */
    bool timeout_deny;  /* past the budget: deny instead of allow */
    unsigned workers;   /* scanning threads; 0 = 2 */
    bool force_inotify; /* skip fanotify (tests, or a site that wants no blocking) */
    vd_vcache *cache;   /* borrowed; NULL = no cache */
    vd_oa_hooks hooks;
} vd_oa_opts;

typedef struct vd_oa_stats {
    uint64_t events;   /* permission (fanotify) or close_write (inotify) events */
    uint64_t own;      /* the daemon's own accesses, allowed at once */
    uint64_t excluded; /* excluded paths and non-regular files */
    uint64_t disabled; /* allowed at once while disabled */
    uint64_t cached;   /* answered from the clean cache */
    uint64_t scanned;  /* scans finished */
    uint64_t found;    /* detections */
    uint64_t denied;   /* opens refused */
    uint64_t timeouts; /* answered by the watchdog */
    uint64_t errors;   /* scan errors (allowed) */
    uint64_t overload; /* queue full: answered at once without a scan */
    uint64_t dirs;     /* directories marked or watched */
} vd_oa_stats;

/* Starts watching. The opts' arrays and hooks must outlive the module.
 * Returns 0, or -1 with a reason in why (nothing left running). */
int vd_onaccess_start(const vd_oa_opts *opts, vd_onaccess **out, char *why, size_t why_size);
/* Answers every pending event, stops the threads, closes the fds. NULL ok. */
void vd_onaccess_stop(vd_onaccess *oa);

void vd_onaccess_set_enabled(vd_onaccess *oa, bool enabled);
bool vd_onaccess_enabled(const vd_onaccess *oa);
/* "fanotify" or "inotify". */
const char *vd_onaccess_mode(const vd_onaccess *oa);
void vd_onaccess_stats_get(const vd_onaccess *oa, vd_oa_stats *out);

/* true when path is one of the prefixes or below one ("/a/b" covers "/a/b"
 * and "/a/b/c", not "/a/bc"). Exposed for the catch-up scan. */
bool vd_path_under(const char *path, const char *const *prefixes, size_t n);

#endif
