/* The engine holder: one compiled engine shared by every worker, swapped
 * whole on RELOAD or SIGHUP.
 *
 *     worker:    e = vd_engine_acquire(d)  ... scan ...  vd_engine_release(d, e)
 *     reloader:  build new (outside the lock)  ->  lock; swap; unlock  ->  unref old
 *
 * A scan in flight keeps the engine it started with; the old engine is freed
 * when its last scan releases it. Only the reloader thread builds engines,
 * and it builds one at a time, so at most two exist: the live one and the
 * one being built (or the old one draining its last scans). A failed reload
 * keeps the running engine and says why in the log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/engine.h>
#include <vigil/version.h>

#include "daemon_int.h"

static void diag_text(vg_error err, const vg_diag *dg, char *buf, size_t len)
{
    if (dg->message[0] || dg->source[0])
        vg_diag_format(dg, buf, len);
    else
        snprintf(buf, len, "%s", vg_strerror(err));
}

int vdi_engine_build(const vd_config *cfg, vg_engine **out, char *err, size_t errlen)
{
    *out = NULL;
    vg_limits lim = vg_limits_default();
    lim.max_time_ms = cfg->max_scan_time_ms;
    vg_engine *e = NULL;
    vg_diag dg;
    vg_diag_clear(&dg);
    char why[1024];
    vg_error rc = vg_engine_new(&lim, &e);
    if (rc != VG_OK) {
        snprintf(err, errlen, "cannot create the engine: %s", vg_strerror(rc));
        return -1;
    }
    if (!cfg->no_builtin && (rc = vg_engine_load_builtin(e)) != VG_OK) {
        snprintf(err, errlen, "cannot load the built-in signature: %s", vg_strerror(rc));
        goto fail;
    }
    const char *env_dir = getenv("VIGIL_DB_DIR");
    for (size_t i = 0; i <= cfg->n_databases; i++) {
        const char *path = i < cfg->n_databases ? cfg->databases[i] : NULL;
        if (path == NULL && cfg->n_databases == 0 && env_dir != NULL && env_dir[0] != '\0')
            path = env_dir;
        if (path == NULL)
            continue;
        if ((rc = vg_engine_load(e, path, &dg)) != VG_OK) {
            diag_text(rc, &dg, why, sizeof why);
            snprintf(err, errlen, "cannot load signatures from %s: %s", path, why);
            goto fail;
        }
    }
    vg_compile_opts opts = {.cache_dir = cfg->cache_dir};
    if ((rc = vg_engine_compile(e, &opts, &dg)) != VG_OK) {
        diag_text(rc, &dg, why, sizeof why);
        snprintf(err, errlen, "cannot compile signatures: %s", why);
        goto fail;
    }
    if (vg_engine_signature_count(e) == 0) {
        snprintf(err, errlen, "no signatures loaded");
        goto fail;
    }
    *out = e;
    return 0;
fail:
    vg_engine_unref(e);
    return -1;
}

/* Installs e as the current engine; the caller's reference moves to d. */
static void swap_in(vd_daemon *d, vg_engine *e)
{
    pthread_mutex_lock(&d->engine_lock);
    vg_engine *old = d->engine;
    d->engine = e;
    d->generation++;
    d->signatures = vg_engine_signature_count(e);
    d->loaded_at = time(NULL);
    uint64_t gen = d->generation, sigs = d->signatures;
    pthread_mutex_unlock(&d->engine_lock);
    /* Outside the lock: when no scan holds it, this frees a whole engine. */
    vg_engine_unref(old);
    vd_log(d, VD_LOG_INFO, "engine.loaded", "generation=%llu signatures=%llu",
           (unsigned long long)gen, (unsigned long long)sigs);
}

int vdi_daemon_load_engine(vd_daemon *d, char *err, size_t errlen)
{
    vg_engine *e;
    if (vdi_engine_build(d->cfg, &e, err, errlen) != 0)
        return -1;
    swap_in(d, e);
    return 0;
}

vg_engine *vd_engine_acquire_gen(vd_daemon *d, uint64_t *gen)
{
    pthread_mutex_lock(&d->engine_lock);
    vg_engine *e = d->engine;
    if (e != NULL)
        vg_engine_ref(e);
    if (gen != NULL)
        *gen = d->generation;
    pthread_mutex_unlock(&d->engine_lock);
    return e;
}

vg_engine *vd_engine_acquire(vd_daemon *d)
{
    return vd_engine_acquire_gen(d, NULL);
}

void vd_engine_release(vd_daemon *d, vg_engine *e)
{
    (void)d;
    vg_engine_unref(e);
}

void vdi_daemon_version(vd_daemon *d, char *buf, size_t len)
{
    pthread_mutex_lock(&d->engine_lock);
    uint64_t sigs = d->signatures;
    time_t at = d->loaded_at;
    pthread_mutex_unlock(&d->engine_lock);
    struct tm tm;
    char when[64] = "";
    /* clamd's third field is ctime() of its daily database; ours is when
     * the running engine was loaded, in the same shape. */
    if (localtime_r(&at, &tm) != NULL)
        strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
    snprintf(buf, len, "vigil %s/%llu/%s", VG_VERSION_STRING, (unsigned long long)sigs, when);
}

void vdi_daemon_request_reload(vd_daemon *d)
{
    pthread_mutex_lock(&d->engine_lock);
    d->reload_wanted = true;
    pthread_cond_signal(&d->reload_cond);
    pthread_mutex_unlock(&d->engine_lock);
}

/* The reloader thread (started by vdi_daemon_serve). */
void *vdi_reloader_main(void *arg);
void *vdi_reloader_main(void *arg)
{
    vd_daemon *d = arg;
    pthread_mutex_lock(&d->engine_lock);
    for (;;) {
        while (!d->reload_wanted && !atomic_load(&d->stopping))
            pthread_cond_wait(&d->reload_cond, &d->engine_lock);
        if (atomic_load(&d->stopping))
            break;
        d->reload_wanted = false;
        pthread_mutex_unlock(&d->engine_lock);

        vd_log(d, VD_LOG_INFO, "engine.reload", "reason=request");
        char err[1536];
        vg_engine *e;
        if (vdi_engine_build(d->cfg, &e, err, sizeof err) == 0)
            swap_in(d, e);
        else
            vd_log(d, VD_LOG_ERROR, "engine.reload_failed", "reason=\"%s\" kept=current", err);

        pthread_mutex_lock(&d->engine_lock);
    }
    pthread_mutex_unlock(&d->engine_lock);
    return NULL;
}
