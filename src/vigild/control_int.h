/* Internals of control.c (state, commands) and control_status.c (the
 * VIGIL-STATUS reply). */
#ifndef VIGILD_CONTROL_INT_H
#define VIGILD_CONTROL_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "catchup.h"
#include "control.h"
#include "onaccess.h"
#include "onaccess_daemon.h"
#include "vcache.h"

struct vd_control {
    vd_daemon *d;
    const vd_config *cfg;
    char **include; /* canonical watched paths */
    size_t n_include;
    char **exclude; /* canonical: built-ins, vault, state dir, configured */
    size_t n_exclude;
    unsigned workers;
    vd_vcache *cache;
    vd_oa_bridge *bridge;
    vd_oa_hooks hooks;
    vd_onaccess *oa;           /* NULL when on-access could not start */
    char oa_error[512];        /* why not */
    char state_path[PATH_MAX]; /* <state_dir>/onaccess.state */

    pthread_mutex_t mu; /* everything below */
    bool enabled;
    bool *has_wm; /* [n_include] */
    int64_t *wm;  /* [n_include], ns since 1970 */
    vd_catchup *cu;
    uint64_t catchups; /* started so far */
};

/* VIGIL-STATUS: writes the JSON reply to fd. */
void vd_control_status(vd_daemon *d, int fd, const char *args, void *ud);

#endif
