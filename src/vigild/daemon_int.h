/* The daemon core's own interface, for main.c and the clamd protocol files
 * (modules use daemon.h only).
 *
 *     vd_daemon *d = vdi_daemon_new(&cfg);
 *     vdi_daemon_load_engine(d, err, sizeof err);   signatures, before forking
 *     vdi_daemon_listen(d, err, sizeof err);        lock + sockets
 *     ... daemonize, start modules (vd_daemon_add_command) ...
 *     vdi_daemon_serve(d);                          until SHUTDOWN / SIGTERM
 *     vdi_daemon_free(d); */
#ifndef VIGILD_DAEMON_INT_H
#define VIGILD_DAEMON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "daemon.h"
#include "pool.h"

typedef struct vdi_command {
    char name[48]; /* "VIGIL-STATUS" */
    vd_cmd_fn fn;
    void *ud;
} vdi_command;

#define VDI_MAX_COMMANDS 32
#define VDI_MAX_LISTEN   2

/* Shared by daemon.c, daemon_engine.c and daemon_listen.c only. */
struct vd_daemon {
    const vd_config *cfg;

    /* The engine holder: readers take a reference under the mutex; a
     * reload swaps the pointer under it and drops the holder's reference,
     * so the old engine is freed by whichever scan releases it last. */
    pthread_mutex_t engine_lock;
    vg_engine *engine;
    uint64_t generation;
    uint64_t signatures;
    time_t loaded_at;

    /* One reloader thread; requests while it works coalesce into one more
     * run, so there are never more than two engines alive. */
    pthread_t reloader;
    bool reloader_started;
    pthread_cond_t reload_cond;
    bool reload_wanted;

    vdi_command commands[VDI_MAX_COMMANDS];
    size_t n_commands;
    atomic_bool serving;
    atomic_bool stopping;

    int listen_fds[VDI_MAX_LISTEN];
    size_t n_listen;
    bool bound_local; /* we created cfg->local_socket: remove it at exit */
    int lock_fd;
    int wake[2]; /* self-pipe: signal handlers and SHUTDOWN write here */
    vd_pool *pool;
};

/* cfg is borrowed and must outlive the daemon. */
vd_daemon *vdi_daemon_new(const vd_config *cfg);
void vdi_daemon_free(vd_daemon *d);

/* Builds the first engine. -1 with the reason in err. */
int vdi_daemon_load_engine(vd_daemon *d, char *err, size_t errlen);
/* Takes the socket lock, removes a stale socket, binds and listens. */
int vdi_daemon_listen(vd_daemon *d, char *err, size_t errlen);
/* Accepts and serves until a stop is requested; then drains and returns 0. */
int vdi_daemon_serve(vd_daemon *d);

/* From a signal handler: 'H' reload, 'T' stop. Async-signal-safe. */
void vdi_daemon_signal(vd_daemon *d, char what);
/* Asks the reloader thread for a new engine (RELOAD); returns at once. */
void vdi_daemon_request_reload(vd_daemon *d);
bool vdi_daemon_stopping(const vd_daemon *d);

const vdi_command *vdi_daemon_find_command(const vd_daemon *d, const char *name);
/* Space-separated "VIGIL-X VIGIL-Y" for VERSIONCOMMANDS; "" when none. */
void vdi_daemon_command_names(const vd_daemon *d, char *buf, size_t len);
/* "vigil 0.1.0/<signatures>/<engine load time>", clamd's VERSION shape. */
void vdi_daemon_version(vd_daemon *d, char *buf, size_t len);
void vdi_daemon_pool_stats(vd_daemon *d, unsigned *threads, unsigned *busy, unsigned *queued);

/* Builds an engine from cfg (also used by tests). -1 with err. */
int vdi_engine_build(const vd_config *cfg, vg_engine **out, char *err, size_t errlen);

/* The connection handler (clamd_proto.c): serves one client, closes fd. */
void vdi_conn_serve(vd_daemon *d, int fd);

#endif
