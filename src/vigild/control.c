/* Switching on-access protection off and on, and catching up afterwards.
 *
 * The watermark of a watched tree is the time from which every change in
 * it is known to have been scanned or watched: files whose mtime or ctime
 * is later are what the catch-up scan looks at. It moves only when a
 * tree's catch-up completes (to when that walk started), so a disable in the
 * middle of one, a crash or a kill loses nothing: the next catch-up starts
 * from the same point. No watermark means a full scan of the tree.
 *
 * At daemon start (enabled), a tree never seen before gets the start time
 * as its watermark instead of a full scan: on-access protection covers it
 * from then on, and a full scan of every watched tree at each first start
 * would be a surprise (`vigil scan` does that on request). Trees that have
 * a watermark get a catch-up for the time the daemon was not running.
 *
 * Lock order: c->mu, then nothing. A catch-up thread is never joined with
 * c->mu held (its tree_done hook takes c->mu). */
#include "control_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CACHE_ENTRIES 65536
#define CACHE_STRIPES 16

static const char *const builtin_excludes[] = {"/proc", "/sys", "/dev"};

static char *canonical(const char *path)
{
    char *r = realpath(path, NULL);
    return r ? r : strdup(path);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int mkdir_p(const char *dir)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
        return -1;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static void load_state(vd_control *c)
{
    c->enabled = c->cfg->onaccess_enabled;
    FILE *f = fopen(c->state_path, "re");
    if (f == NULL)
        return;
    char line[PATH_MAX + 64];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "enabled ", 8) == 0) {
            c->enabled = strcmp(line + 8, "yes") == 0;
        } else if (strncmp(line, "watermark ", 10) == 0) {
            char *end;
            long long ns = strtoll(line + 10, &end, 10);
            if (*end != ' ')
                continue;
            for (size_t i = 0; i < c->n_include; i++)
                if (strcmp(end + 1, c->include[i]) == 0) {
                    c->wm[i] = ns;
                    c->has_wm[i] = true;
                }
        }
    }
    fclose(f);
}

/* c->mu held. Written to a temporary file, fsynced, renamed over. */
static void save_state(vd_control *c)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", c->state_path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        if (fd >= 0)
            close(fd);
        vd_log(c->d, VD_LOG_ERROR, "onaccess.state", "path=%s error=\"%s\"", tmp, strerror(errno));
        return;
    }
    fprintf(f, "# vigild on-access state, written by vigild\nenabled %s\n",
            c->enabled ? "yes" : "no");
    for (size_t i = 0; i < c->n_include; i++)
        if (c->has_wm[i])
            fprintf(f, "watermark %lld %s\n", (long long)c->wm[i], c->include[i]);
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, c->state_path) != 0) {
        vd_log(c->d, VD_LOG_ERROR, "onaccess.state", "path=%s error=\"%s\"", c->state_path,
               strerror(errno));
        unlink(tmp);
        return;
    }
    int dfd = open(c->cfg->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
}

/* The catch-up's hooks get the control as ud; scans go through the bridge. */
static void cu_scan(void *ud, unsigned slot, int fd, const char *path, vd_oa_result *out)
{
    vd_control *c = ud;
    c->hooks.scan(c->hooks.ud, slot, fd, path, out);
}

static void cu_found(void *ud, int fd, const char *path, const vd_oa_result *res, bool denied)
{
    vd_control *c = ud;
    c->hooks.found(c->hooks.ud, fd, path, res, denied);
}

static void cu_log(void *ud, int level, const char *event, const char *text)
{
    vd_control *c = ud;
    vd_log(c->d, level, event, "%s", text);
}

static void cu_tree_done(void *ud, size_t i, int64_t started_ns)
{
    vd_control *c = ud;
    pthread_mutex_lock(&c->mu);
    if (i < c->n_include) {
        c->wm[i] = started_ns;
        c->has_wm[i] = true;
        save_state(c);
    }
    pthread_mutex_unlock(&c->mu);
}

/* c->mu held, c->cu NULL. */
static void start_catchup(vd_control *c)
{
    vd_cu_tree *t = calloc(c->n_include ? c->n_include : 1, sizeof *t);
    if (t == NULL)
        return;
    for (size_t i = 0; i < c->n_include; i++) {
        t[i].root = c->include[i];
        t[i].has_watermark = c->has_wm[i];
        t[i].watermark_ns = c->wm[i];
    }
    vd_cu_opts o = {
        .exclude = (const char *const *)c->exclude,
        .n_exclude = c->n_exclude,
        .slot = c->workers, /* the slot after the on-access workers */
        .cache = c->cache,
        .hooks = {.ud = c, .scan = cu_scan, .found = cu_found, .log = cu_log},
        .tree_done = cu_tree_done,
    };
    if (vd_catchup_start(t, c->n_include, &o, &c->cu) != 0)
        vd_log(c->d, VD_LOG_ERROR, "catchup.start", "error=\"%s\"", strerror(errno));
    else
        c->catchups++;
    free(t);
}

static void reply(int fd, const char *text)
{
    vd_write_all(fd, text, strlen(text));
}

static void cmd_enable(vd_daemon *d, int fd, const char *args, void *ud)
{
    vd_control *c = ud;
    (void)args;
    pthread_mutex_lock(&c->mu);
    if (c->enabled) {
        pthread_mutex_unlock(&c->mu);
        reply(fd, "ENABLED already");
        return;
    }
    vd_catchup *old = c->cu; /* cancelled by the disable */
    c->cu = NULL;
    pthread_mutex_unlock(&c->mu);
    vd_catchup_free(old);

    pthread_mutex_lock(&c->mu);
    bool was = c->enabled;
    if (!was) {
        c->enabled = true;
        save_state(c);
        if (c->oa)
            vd_onaccess_set_enabled(c->oa, true);
        if (c->cu == NULL && c->n_include > 0)
            start_catchup(c);
    }
    pthread_mutex_unlock(&c->mu);
    vd_log(d, VD_LOG_WARN, "onaccess.enable", "catchup=%s", was ? "no" : "started");
    reply(fd, was ? "ENABLED already" : "ENABLED catch-up started");
}

static void cmd_disable(vd_daemon *d, int fd, const char *args, void *ud)
{
    vd_control *c = ud;
    (void)args;
    pthread_mutex_lock(&c->mu);
    bool was = c->enabled;
    if (was) {
        c->enabled = false;
        /* Everything up to now was under on-access protection (and the
         * last catch-up, if any, has finished): what the next catch-up
         * must look at is what changes from here on. A catch-up still
         * running leaves the watermarks where they are, so the next one
         * covers what this one did not finish. One second of slack for
         * file systems with coarse timestamps. */
        bool catching_up = false;
        if (c->cu) {
            vd_cu_progress *p = malloc(sizeof *p);
            if (p == NULL) {
                catching_up = true;
            } else {
                vd_catchup_progress(c->cu, p);
                catching_up = p->state == VD_CU_COUNTING || p->state == VD_CU_SCANNING;
                free(p);
            }
        }
        if (!catching_up) {
            int64_t mark = now_ns() - 1000000000;
            for (size_t i = 0; i < c->n_include; i++)
                if (c->has_wm[i] && c->wm[i] < mark)
                    c->wm[i] = mark;
        }
        save_state(c);
        if (c->oa)
            vd_onaccess_set_enabled(c->oa, false);
        if (c->cu)
            vd_catchup_cancel(c->cu); /* joined at the next enable or at stop */
    }
    pthread_mutex_unlock(&c->mu);
    if (was)
        vd_log(d, VD_LOG_WARN, "onaccess.disable", "note=\"nothing is scanned until enabled\"");
    reply(fd, was ? "DISABLED" : "DISABLED already");
}

static int build_paths(vd_control *c)
{
    const vd_config *cfg = c->cfg;
    c->n_include = cfg->n_onaccess_include;
    size_t n_ex = 3 + 2 + cfg->n_onaccess_exclude;
    c->include = calloc(c->n_include ? c->n_include : 1, sizeof *c->include);
    c->exclude = calloc(n_ex, sizeof *c->exclude);
    c->has_wm = calloc(c->n_include ? c->n_include : 1, sizeof *c->has_wm);
    c->wm = calloc(c->n_include ? c->n_include : 1, sizeof *c->wm);
    if (!c->include || !c->exclude || !c->has_wm || !c->wm)
        return -1;
    for (size_t i = 0; i < c->n_include; i++)
        if ((c->include[i] = canonical(cfg->onaccess_include[i])) == NULL)
            return -1;
    for (size_t i = 0; i < 3; i++)
        c->exclude[c->n_exclude++] = strdup(builtin_excludes[i]);
    if (cfg->vault_dir)
        c->exclude[c->n_exclude++] = canonical(cfg->vault_dir);
    if (cfg->state_dir)
        c->exclude[c->n_exclude++] = canonical(cfg->state_dir);
    for (size_t i = 0; i < cfg->n_onaccess_exclude; i++)
        c->exclude[c->n_exclude++] = canonical(cfg->onaccess_exclude[i]);
    for (size_t i = 0; i < c->n_exclude; i++)
        if (c->exclude[i] == NULL)
            return -1;
    return 0;
}

static unsigned worker_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 2 ? 2u : n > 8 ? 8u : (unsigned)n;
}

static void start_onaccess(vd_control *c)
{
    if (c->n_include == 0) {
        snprintf(c->oa_error, sizeof c->oa_error, "no OnAccessIncludePath configured");
        return;
    }
    const char *force = getenv("VIGILD_FORCE_INOTIFY");
    vd_oa_opts o = {
        .include = (const char *const *)c->include,
        .n_include = c->n_include,
        .exclude = (const char *const *)c->exclude,
        .n_exclude = c->n_exclude,
        .enabled = c->enabled,
        .prevention = c->cfg->onaccess_prevention,
        .budget_ms = c->cfg->scan_timeout_ms,
        .timeout_deny = c->cfg->on_timeout == VD_TIMEOUT_DENY,
        .workers = c->workers,
        .force_inotify = force && strcmp(force, "1") == 0,
        .cache = c->cache,
        .hooks = c->hooks,
    };
    if (vd_onaccess_start(&o, &c->oa, c->oa_error, sizeof c->oa_error) != 0) {
        c->oa = NULL;
        vd_log(c->d, VD_LOG_ERROR, "onaccess.unavailable",
               "error=\"%s\" note=\"on-access protection is OFF\"", c->oa_error);
    }
}

int vd_control_start(vd_daemon *d, vd_control **out)
{
    *out = NULL;
    vd_control *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    c->d = d;
    c->cfg = vd_daemon_config(d);
    pthread_mutex_init(&c->mu, NULL);
    c->workers = worker_count();
    if (build_paths(c) != 0 || (c->cache = vd_vcache_new(CACHE_ENTRIES, CACHE_STRIPES)) == NULL ||
        (c->bridge = vd_oa_bridge_new(d, c->workers + 1)) == NULL) {
        vd_control_stop(c);
        return -1;
    }
    vd_oa_bridge_hooks(c->bridge, &c->hooks);
    const char *sd = c->cfg->state_dir ? c->cfg->state_dir : "/var/lib/vigil/vigild";
    snprintf(c->state_path, sizeof c->state_path, "%s/onaccess.state", sd);
    if (mkdir_p(sd) != 0)
        vd_log(d, VD_LOG_ERROR, "onaccess.state", "dir=%s error=\"%s\"", sd, strerror(errno));
    load_state(c);

    pthread_mutex_lock(&c->mu);
    bool any_wm = false;
    int64_t now = now_ns() - 1000000000;
    for (size_t i = 0; i < c->n_include; i++) {
        any_wm |= c->has_wm[i];
        if (c->enabled && !c->has_wm[i]) {
            c->wm[i] = now;
            c->has_wm[i] = true;
        }
    }
    save_state(c);
    pthread_mutex_unlock(&c->mu);

    start_onaccess(c);
    vd_daemon_add_command(d, "ENABLE", cmd_enable, c);
    vd_daemon_add_command(d, "DISABLE", cmd_disable, c);
    vd_daemon_add_command(d, "STATUS", vd_control_status, c);

    pthread_mutex_lock(&c->mu);
    if (c->enabled && any_wm)
        start_catchup(c); /* what changed while the daemon was not running */
    pthread_mutex_unlock(&c->mu);
    if (!c->enabled)
        vd_log(d, VD_LOG_WARN, "onaccess.disabled",
               "note=\"persisted state: disabled; nothing is scanned until VIGIL-ENABLE\"");
    *out = c;
    return 0;
}

void vd_control_stop(vd_control *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    vd_catchup *cu = c->cu;
    c->cu = NULL;
    pthread_mutex_unlock(&c->mu);
    vd_catchup_free(cu);
    vd_onaccess_stop(c->oa);
    vd_oa_bridge_free(c->bridge);
    vd_vcache_free(c->cache);
    for (size_t i = 0; c->include && i < c->n_include; i++)
        free(c->include[i]);
    for (size_t i = 0; c->exclude && i < c->n_exclude; i++)
        free(c->exclude[i]);
    free(c->include);
    free(c->exclude);
    free(c->has_wm);
    free(c->wm);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
