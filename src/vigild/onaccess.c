/* On-access protection, the part common to both backends: deciding what
 * needs a scan, the queue, the worker threads and the watchdog.
 *
 * The one invariant: a permission event is answered exactly once. Whoever
 * answers first -- the reader (own pid, excluded, disabled, cached), a
 * worker (verdict), the watchdog (budget spent) or shutdown (allow) -- wins
 * an atomic flag on the job; the others see it taken and only log. The
 * event's fd stays open until the worker is done with it, so the fd number
 * the kernel uses to match our answer is never reused in between.
 *
 * The watchdog exists because a scan cannot be interrupted from outside:
 * the engine's max_time_ms stops it eventually, but the opener must not wait
 * for that. Past budget_ms the opener gets the configured answer (allow by
 * default, logged), and the scan carries on to report and quarantine. */
#include "onaccess_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vigil/error.h>

#define IDLE_MS 2000 /* a worker idle this long lets go of its scanner */

uint64_t oa_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void oa_log(vd_onaccess *o, int level, const char *event, const char *fmt, ...)
{
    if (o->o.hooks.log == NULL)
        return;
    char text[PATH_MAX + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    o->o.hooks.log(o->o.hooks.ud, level, event, text);
}

bool vd_path_under(const char *path, const char *const *prefixes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = prefixes[i];
        size_t len = strlen(p);
        while (len > 1 && p[len - 1] == '/')
            len--;
        if (strncmp(path, p, len) == 0 && (path[len] == '\0' || path[len] == '/' || len == 1))
            return true;
    }
    return false;
}

bool oa_excluded(const vd_onaccess *o, const char *path)
{
    return vd_path_under(path, o->o.exclude, o->o.n_exclude);
}

bool oa_answer(vd_onaccess *o, oa_job *job, bool allow)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&job->answered, &expected, 1))
        return false;
    if (job->perm)
        oa_fan_respond(o, job->fd, allow);
    return true;
}

static void job_free(oa_job *job)
{
    if (job->fd >= 0)
        close(job->fd);
    free(job);
}

/* The reader's fast path and the queue. */
void oa_dispatch(vd_onaccess *o, int fd, bool perm, pid_t pid)
{
    atomic_fetch_add(&o->st.events, 1);
    struct stat st;
    if (!atomic_load(&o->enabled)) {
        atomic_fetch_add(&o->st.disabled, 1);
        goto allow_now;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        atomic_fetch_add(&o->st.excluded, 1);
        goto allow_now;
    }
    vd_vkey key;
    vd_vkey_from_stat(&st, &key);
    if (o->o.cache && vd_vcache_lookup(o->o.cache, &key, o->o.hooks.generation(o->o.hooks.ud))) {
        atomic_fetch_add(&o->st.cached, 1);
        goto allow_now;
    }
    oa_job *job = malloc(sizeof *job);
    if (job == NULL)
        goto allow_now;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, job->path, sizeof job->path - 1);
    if (n < 0)
        n = 0;
    job->path[n] = '\0';
    if (n > 0 && oa_excluded(o, job->path)) {
        free(job);
        atomic_fetch_add(&o->st.excluded, 1);
        goto allow_now;
    }
    job->fd = fd;
    job->perm = perm;
    job->pid = pid;
    job->key = key;
    job->deadline_ms = oa_now_ms() + o->budget_ms;
    atomic_init(&job->answered, 0);
    job->next = NULL;

    pthread_mutex_lock(&o->mu);
    if (o->stopping || o->qlen >= OA_QUEUE_MAX) {
        bool stopping = o->stopping;
        pthread_mutex_unlock(&o->mu);
        /* Shutdown allows; overload follows the timeout policy. */
        bool allow = stopping || !o->o.timeout_deny;
        if (!stopping) {
            atomic_fetch_add(&o->st.overload, 1);
            oa_log(o, 1, "onaccess.overload", "path=%s answer=%s queued=%d", job->path,
                   allow ? "allow" : "deny", OA_QUEUE_MAX);
        }
        oa_answer(o, job, allow);
        job_free(job);
        return;
    }
    if (o->qtail)
        o->qtail->next = job;
    else
        o->qhead = job;
    o->qtail = job;
    o->qlen++;
    pthread_cond_signal(&o->work_cv);
    pthread_cond_signal(&o->wd_cv);
    pthread_mutex_unlock(&o->mu);
    return;

allow_now:
    if (perm)
        oa_fan_respond(o, fd, true);
    close(fd);
}

static void finish(vd_onaccess *o, oa_job *job, const vd_oa_result *r)
{
    bool won;
    switch (r->verdict) {
    case VD_OA_CLEAN:
        if (o->o.cache)
            vd_vcache_insert(o->o.cache, &job->key, r->gen);
        won = oa_answer(o, job, true);
        oa_log(o, 3, "onaccess.clean", "path=%s pid=%d%s", job->path, (int)job->pid,
               won ? "" : " late=1");
        break;
    case VD_OA_INFECTED: {
        atomic_fetch_add(&o->st.found, 1);
        bool deny = o->o.prevention && job->perm;
        won = oa_answer(o, job, !deny);
        bool denied = won && deny;
        if (denied)
            atomic_fetch_add(&o->st.denied, 1);
        oa_log(o, 0, "onaccess.found", "path=%s sig=%s pid=%d action=%s", job->path, r->signature,
               (int)job->pid,
               denied       ? "denied"
               : !job->perm ? "reported"
               : won        ? "allowed"
                            : "late");
        if (o->o.hooks.found)
            o->o.hooks.found(o->o.hooks.ud, job->fd, job->path, r, denied);
        break;
    }
    default:
        atomic_fetch_add(&o->st.errors, 1);
        won = oa_answer(o, job, true);
        oa_log(o, 1, "onaccess.error", "path=%s pid=%d error=\"%s\" answer=allow", job->path,
               (int)job->pid, r->message);
        break;
    }
    (void)won;
}

typedef struct worker_arg {
    vd_onaccess *o;
    unsigned slot;
} worker_arg;

static void *worker_main(void *p)
{
    worker_arg a = *(worker_arg *)p;
    free(p);
    vd_onaccess *o = a.o;
    bool holding = false; /* the scan hook may hold per-slot state */
    pthread_mutex_lock(&o->mu);
    for (;;) {
        while (!o->stopping && o->qhead == NULL) {
            if (!holding) {
                pthread_cond_wait(&o->work_cv, &o->mu);
                continue;
            }
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += IDLE_MS / 1000;
            if (pthread_cond_timedwait(&o->work_cv, &o->mu, &ts) == ETIMEDOUT && o->qhead == NULL) {
                pthread_mutex_unlock(&o->mu);
                if (o->o.hooks.idle)
                    o->o.hooks.idle(o->o.hooks.ud, a.slot);
                holding = false;
                pthread_mutex_lock(&o->mu);
            }
        }
        if (o->stopping)
            break;
        oa_job *job = o->qhead;
        o->qhead = job->next;
        if (o->qhead == NULL)
            o->qtail = NULL;
        o->qlen--;
        o->in_flight[a.slot] = job;
        pthread_mutex_unlock(&o->mu);

        vd_oa_result r;
        memset(&r, 0, sizeof r);
        r.verdict = VD_OA_ERROR;
        /* Answered already (timed out in the queue)? Still scan: the file
         * must be reported and quarantined all the same. */
        o->o.hooks.scan(o->o.hooks.ud, a.slot, job->fd, job->path, &r);
        holding = true;
        atomic_fetch_add(&o->st.scanned, 1);

        pthread_mutex_lock(&o->mu);
        o->in_flight[a.slot] = NULL;
        pthread_mutex_unlock(&o->mu);
        finish(o, job, &r);
        job_free(job);
        pthread_mutex_lock(&o->mu);
    }
    pthread_mutex_unlock(&o->mu);
    if (holding && o->o.hooks.idle)
        o->o.hooks.idle(o->o.hooks.ud, a.slot);
    return NULL;
}

/* Called with o->mu held. */
static uint64_t expire(vd_onaccess *o, oa_job *job, uint64_t now, uint64_t next)
{
    if (!job->perm || atomic_load(&job->answered))
        return next;
    if (job->deadline_ms > now)
        return job->deadline_ms < next ? job->deadline_ms : next;
    bool allow = !o->o.timeout_deny;
    if (oa_answer(o, job, allow)) {
        atomic_fetch_add(&o->st.timeouts, 1);
        oa_log(o, 1, "onaccess.timeout", "path=%s pid=%d budget_ms=%u answer=%s", job->path,
               (int)job->pid, o->budget_ms, allow ? "allow" : "deny");
    }
    return next;
}

static void *watchdog_main(void *p)
{
    vd_onaccess *o = p;
    pthread_mutex_lock(&o->mu);
    while (!o->stopping) {
        uint64_t now = oa_now_ms(), next = now + 1000;
        for (oa_job *j = o->qhead; j; j = j->next)
            next = expire(o, j, now, next);
        for (unsigned i = 0; i < o->n_workers; i++)
            if (o->in_flight[i])
                next = expire(o, o->in_flight[i], now, next);
        /* Deadlines are monotonic; condition waits take CLOCK_REALTIME,
         * so wait for the difference. */
        uint64_t wait = next > now ? next - now : 1;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(wait / 1000);
        ts.tv_nsec += (long)(wait % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&o->wd_cv, &o->mu, &ts);
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

static int start_threads(vd_onaccess *o, char *why, size_t why_size)
{
    o->in_flight = calloc(o->n_workers, sizeof *o->in_flight);
    o->workers = calloc(o->n_workers, sizeof *o->workers);
    if (o->in_flight == NULL || o->workers == NULL) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    for (unsigned i = 0; i < o->n_workers; i++) {
        worker_arg *a = malloc(sizeof *a);
        if (a == NULL) {
            snprintf(why, why_size, "out of memory");
            return -1;
        }
        a->o = o;
        a->slot = i;
        int e = pthread_create(&o->workers[i], NULL, worker_main, a);
        if (e != 0) {
            free(a);
            snprintf(why, why_size, "cannot start a worker: %s", strerror(e));
            return -1;
        }
        o->workers_started++;
    }
    int e = pthread_create(&o->watchdog, NULL, watchdog_main, o);
    if (e != 0) {
        snprintf(why, why_size, "cannot start the watchdog: %s", strerror(e));
        return -1;
    }
    o->watchdog_started = true;
    return 0;
}

int vd_onaccess_start(const vd_oa_opts *opts, vd_onaccess **out, char *why, size_t why_size)
{
    *out = NULL;
    if (opts->hooks.scan == NULL || opts->hooks.generation == NULL || opts->n_include == 0) {
        snprintf(why, why_size, "no scan hook or no path to watch");
        return -1;
    }
    vd_onaccess *o = calloc(1, sizeof *o);
    if (o == NULL) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    o->o = *opts;
    o->budget_ms = opts->budget_ms ? opts->budget_ms : 5000;
    o->n_workers = opts->workers ? opts->workers : 2;
    atomic_init(&o->enabled, opts->enabled);
    o->fan_fd = -1;
    o->stop_fd = -1;
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->work_cv, NULL);
    pthread_cond_init(&o->wd_cv, NULL);
    if (start_threads(o, why, why_size) != 0)
        goto fail;

    char fan_why[256] = "";
    if (!opts->force_inotify && oa_fan_start(o, fan_why, sizeof fan_why) == 0) {
        o->fan = true;
    } else {
        if (opts->force_inotify)
            snprintf(fan_why, sizeof fan_why, "inotify forced by configuration");
        /* Say so loudly: the machine is less protected than configured. */
        oa_log(o, 1, "onaccess.fallback",
               "reason=\"%s\" mode=inotify note=\"files are scanned after close_write; "
               "infected opens cannot be blocked\"",
               fan_why);
        if (oa_dirwatch_start(o, NULL, NULL, &o->dw, why, why_size) != 0)
            goto fail;
    }
    uint64_t dirs = atomic_load(&o->st.dirs);
    oa_log(o, 2, "onaccess.start", "mode=%s dirs=%llu workers=%u budget_ms=%u prevention=%s",
           o->fan ? "fanotify" : "inotify", (unsigned long long)dirs, o->n_workers, o->budget_ms,
           opts->prevention ? "yes" : "no");
    *out = o;
    return 0;
fail:
    vd_onaccess_stop(o);
    return -1;
}

void vd_onaccess_stop(vd_onaccess *o)
{
    if (o == NULL)
        return;
    /* 1. No new events: the readers stop (the kernel keeps unread ones). */
    if (o->fan)
        oa_fan_stop_reader(o);
    oa_dirwatch_stop(o->dw);
    o->dw = NULL;
    /* 2. Everyone waiting gets an answer now, queued or in a scan. */
    pthread_mutex_lock(&o->mu);
    o->stopping = true;
    for (oa_job *j = o->qhead; j; j = j->next)
        oa_answer(o, j, true);
    for (unsigned i = 0; o->in_flight && i < o->n_workers; i++)
        if (o->in_flight[i])
            oa_answer(o, o->in_flight[i], true);
    pthread_cond_broadcast(&o->work_cv);
    pthread_cond_broadcast(&o->wd_cv);
    pthread_mutex_unlock(&o->mu);
    /* 3. Scans in progress finish (bounded by the engine's max_time_ms). */
    for (unsigned i = 0; i < o->workers_started; i++)
        pthread_join(o->workers[i], NULL);
    if (o->watchdog_started)
        pthread_join(o->watchdog, NULL);
    while (o->qhead) {
        oa_job *j = o->qhead;
        o->qhead = j->next;
        job_free(j);
    }
    /* 4. Closing the group allows whatever the kernel still holds. */
    if (o->fan_fd >= 0)
        close(o->fan_fd);
    if (o->stop_fd >= 0)
        close(o->stop_fd);
    free(o->in_flight);
    free(o->workers);
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->work_cv);
    pthread_cond_destroy(&o->wd_cv);
    free(o);
}

void vd_onaccess_set_enabled(vd_onaccess *o, bool enabled)
{
    atomic_store(&o->enabled, enabled);
}

bool vd_onaccess_enabled(const vd_onaccess *o)
{
    return atomic_load(&((vd_onaccess *)o)->enabled);
}

const char *vd_onaccess_mode(const vd_onaccess *o)
{
    return o->fan ? "fanotify" : "inotify";
}

void vd_onaccess_stats_get(const vd_onaccess *oc, vd_oa_stats *s)
{
    vd_onaccess *o = (vd_onaccess *)oc;
    s->events = atomic_load(&o->st.events);
    s->own = atomic_load(&o->st.own);
    s->excluded = atomic_load(&o->st.excluded);
    s->disabled = atomic_load(&o->st.disabled);
    s->cached = atomic_load(&o->st.cached);
    s->scanned = atomic_load(&o->st.scanned);
    s->found = atomic_load(&o->st.found);
    s->denied = atomic_load(&o->st.denied);
    s->timeouts = atomic_load(&o->st.timeouts);
    s->errors = atomic_load(&o->st.errors);
    s->overload = atomic_load(&o->st.overload);
    s->dirs = atomic_load(&o->st.dirs);
}
