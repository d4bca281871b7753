/* `vigil scan`: one walker feeding N scanners.
 *
 *     main thread: walk_path() ──► bounded queue ──► worker 1: vg_scanner ─┐
 *                                                 └► worker N: vg_scanner ─┴► output (one lock)
 *
 * The engine is compiled once and shared read-only; each worker owns its
 * vg_scanner (matcher scratch is per thread) and its file_report. The
 * walker opens each file before queueing it, so what is scanned is exactly
 * what was checked to be a regular file, and the queue bound caps how many
 * descriptors are open at once.
 *
 * With --action, each worker treats its own file once the verdict is final
 * and before the result is printed, so the FOUND line and the action line
 * come out together (action.c; the vault takes concurrent writers).
 *
 * Exit status follows clamscan 1.4, checked against the real program: a
 * detection anywhere gives 1 even if other files could not be read;
 * otherwise any error gives 2; otherwise 0. Limits (INCOMPLETE) do not
 * change the status unless --alert-exceeds-max makes them detections. */
#include "cmd_scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <vigil/engine.h>
#include <vigil/scanner.h>
#include <vigil/version.h>

#include "action.h"
#include "engine_setup.h"
#include "output.h"
#include "pool.h"
#include "progress.h"
#include "report.h"
#include "scan_args.h"
#include "scan_submit.h"
#include "stats.h"
#include "walk.h"

typedef struct scan_run scan_run;

typedef struct scan_worker {
    scan_run *run;
    vg_scanner *scanner;
    file_report report;
} scan_worker;

struct scan_run {
    const scan_config *cfg;
    vg_engine *engine;
    output *out;
    scan_stats stats;
    walk_counts counts;
    pool *pool;
    scan_worker *workers;
    unsigned nthreads;
    action_ctx action;
    scan_submit *submit; /* --submit: flagged files, for after the scan */
};

typedef struct scan_job {
    char *path;
    int fd;
    bool stream;
    bool is_stdin; /* fd 0 is not ours to close */
    uint64_t size;
    struct stat st; /* what the walk opened: the identity --action checks */
    int parent_fd;  /* --action: the directory it was opened in, or -1 */
    bool via_link;
} scan_job;

void cmd_scan_usage(FILE *f)
{
    scan_args_usage(f);
}

static void account(scan_run *run, const file_report *r)
{
    scan_stats *s = &run->stats;
    if (r->verdict == FILE_ERROR) {
        stats_add(&s->errors, 1);
        return;
    }
    stats_add(&s->files, 1);
    stats_add(&s->bytes_scanned, r->result.bytes_scanned);
    stats_add(&s->bytes_read, r->size);
    if (r->verdict == FILE_INFECTED)
        stats_add(&s->infected, 1);
    else if (r->verdict == FILE_INCOMPLETE)
        stats_add(&s->incomplete, 1);
}

static void run_job(void *state, void *arg)
{
    scan_worker *w = state;
    scan_job *job = arg;
    vg_result res;
    memset(&res, 0, sizeof res);
    report_begin(&w->report, job->path, job->size, !job->stream);
    vg_error err = job->stream ? vg_scanner_scan_stream(w->scanner, job->fd, job->path, &res)
                               : vg_scanner_scan_fd(w->scanner, job->fd, job->path, &res);
    report_end(&w->report, err, &res);
    if (w->report.verdict == FILE_INFECTED)
        scan_submit_note(w->run->submit, job->path, job->fd, job->stream);
    if (!job->is_stdin)
        close(job->fd);
    action_target t = {.path = job->path,
                       .parent_fd = job->parent_fd,
                       .st = &job->st,
                       .via_link = job->via_link,
                       .stream = job->stream};
    action_apply(&w->run->action, &t, &w->report);
    if (w->report.action.kind != FILE_ACTION_NONE)
        stats_add(w->report.action.status == ACTION_DONE ? &w->run->stats.acted
                                                         : &w->run->stats.action_failed,
                  1);
    if (job->parent_fd >= 0)
        close(job->parent_fd);
    account(w->run, &w->report);
    output_file(w->run->out, &w->report);
    free(job->path);
    free(job);
}

static void submit(scan_run *run, char *path, int fd, bool stream, bool is_stdin,
                   const walk_item *it)
{
    scan_job *job = malloc(sizeof *job);
    if (job == NULL) {
        output_note(run->out, "%s: out of memory", path);
        stats_add(&run->stats.errors, 1);
        if (!is_stdin)
            close(fd);
        if (it != NULL && it->parent_fd >= 0)
            close(it->parent_fd);
        free(path);
        return;
    }
    *job = (scan_job){.path = path,
                      .fd = fd,
                      .stream = stream,
                      .is_stdin = is_stdin,
                      .size = it != NULL ? it->size : 0,
                      .parent_fd = -1};
    if (it != NULL && !stream) {
        job->st = it->st;
        job->parent_fd = it->parent_fd;
        job->via_link = it->via_link;
    }
    pool_submit(run->pool, job);
}

/* A file or directory that could not be reached: an error result of its own. */
static void walk_error(scan_run *run, const walk_item *it)
{
    char msg[512];
    if (it->what != NULL)
        snprintf(msg, sizeof msg, "%s: %s", it->what, strerror(it->errnum));
    else
        snprintf(msg, sizeof msg, "%s", strerror(it->errnum));
    file_report r;
    report_init(&r, false);
    report_begin(&r, it->path, 0, false);
    report_set_error(&r, it->errnum == ENOENT ? VG_ERR_NOT_FOUND : VG_ERR_IO, msg);
    account(run, &r);
    output_file(run->out, &r);
    report_cleanup(&r);
}

static void on_walk_item(void *ctx, walk_item *it)
{
    scan_run *run = ctx;
    switch (it->kind) {
    case WALK_FILE:
        submit(run, it->path, it->fd, false, false, it);
        break;
    case WALK_STREAM:
        submit(run, it->path, it->fd, true, false, it);
        break;
    case WALK_ERROR:
        walk_error(run, it);
        break;
    case WALK_SKIP:
        output_skipped(run->out, it->path, it->what, it->on_cmdline);
        break;
    case WALK_EXCLUDED:
        output_excluded(run->out, it->path);
        break;
    }
}

static unsigned thread_count(const scan_config *cfg)
{
    if (cfg->threads > 0)
        return cfg->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
}

/* Deep trees hold one descriptor per level and the queue one per file:
 * take all the descriptors the hard limit allows. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int start_workers(scan_run *run)
{
    unsigned n = run->nthreads;
    run->workers = calloc(n, sizeof *run->workers);
    void **state = calloc(n, sizeof *state);
    if (run->workers == NULL || state == NULL) {
        free(state);
        fputs("vigil: out of memory\n", stderr);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        scan_worker *w = &run->workers[i];
        w->run = run;
        report_init(&w->report, run->cfg->alert_exceeds_max);
        vg_error err = vg_scanner_new(run->engine, &w->scanner);
        if (err != VG_OK) {
            fprintf(stderr, "vigil: cannot create a scanner: %s\n", vg_strerror(err));
            free(state);
            return -1;
        }
        vg_scanner_set_callback(w->scanner, report_on_event, &w->report);
        vg_scanner_set_flags(w->scanner, run->cfg->allmatch ? VG_SCAN_ALLMATCH : 0);
        state[i] = w;
    }
    int rc = pool_start(n, (size_t)n * 4, state, run_job, &run->pool);
    free(state);
    if (rc != 0) {
        fprintf(stderr, "vigil: cannot start %u threads: %s\n", n, strerror(rc));
        return -1;
    }
    return 0;
}

static void free_workers(scan_run *run)
{
    if (run->workers == NULL)
        return;
    for (unsigned i = 0; i < run->nthreads; i++) {
        if (run->workers[i].scanner != NULL)
            vg_scanner_free(run->workers[i].scanner);
        report_cleanup(&run->workers[i].report);
    }
    free(run->workers);
}

static void walk_all(scan_run *run)
{
    const scan_config *cfg = run->cfg;
    walk_opts wo = {.recursive = cfg->recursive,
                    .follow_symlinks = cfg->follow_symlinks,
                    .cross_fs = cfg->cross_fs,
                    .keep_parent = cfg->action != ACTION_REPORT,
                    .filter = &cfg->filter};
    walk_sink sink = {.emit = on_walk_item, .ctx = run};
    static char *const here[] = {"."};
    char *const *paths = cfg->n_paths ? cfg->paths : here;
    size_t n = cfg->n_paths ? cfg->n_paths : 1;
    bool stdin_done = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(paths[i], "-") == 0) {
            if (stdin_done) {
                output_note(run->out, "standard input named twice; scanned once");
                continue;
            }
            stdin_done = true;
            char *name = strdup("stdin");
            if (name == NULL) {
                output_note(run->out, "out of memory");
                stats_add(&run->stats.errors, 1);
                continue;
            }
            submit(run, name, STDIN_FILENO, true, true, NULL);
            continue;
        }
        if (walk_path(&wo, &sink, paths[i], &run->counts) != 0) {
            output_note(run->out, "%s: out of memory during the walk", paths[i]);
            stats_add(&run->stats.errors, 1);
        }
    }
}

static double elapsed(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void summarize(scan_run *run, time_t start, const struct timespec *t0)
{
    scan_summary s = {
        .known_viruses = vg_engine_signature_count(run->engine),
        .engine_version = vg_version(),
        .dirs = run->counts.dirs,
        .files = stats_get(&run->stats.files),
        .infected = stats_get(&run->stats.infected),
        .incomplete = stats_get(&run->stats.incomplete),
        .errors = stats_get(&run->stats.errors),
        .bytes_scanned = stats_get(&run->stats.bytes_scanned),
        .bytes_read = stats_get(&run->stats.bytes_read),
        .skipped_symlinks = run->counts.skipped_symlinks,
        .skipped_special = run->counts.skipped_special,
        .skipped_other = run->counts.skipped_other,
        .excluded = run->counts.excluded,
        .seconds = elapsed(t0),
        .start = start,
        .end = time(NULL),
        .action = run->cfg->action == ACTION_QUARANTINE ? "quarantine"
                  : run->cfg->action == ACTION_DELETE   ? "delete"
                                                        : NULL,
        .acted = stats_get(&run->stats.acted),
        .action_failed = stats_get(&run->stats.action_failed),
    };
    output_summary(run->out, &s);
}

int cmd_scan(int argc, char **argv)
{
    scan_config cfg;
    int rc = scan_args_parse(argc, argv, &cfg);
    if (rc != SCAN_ARGS_OK) {
        scan_config_cleanup(&cfg);
        return rc == SCAN_ARGS_EXIT_0 ? 0 : 2;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    time_t start = time(NULL);
    raise_fd_limit();

    scan_run run = {.cfg = &cfg, .nthreads = thread_count(&cfg)};
    progress *prog = NULL;
    rc = 2;
    if (engine_setup(&cfg, &run.engine) != 0)
        goto done;
    if (action_ctx_init(&run.action, &cfg) != 0)
        goto done;
    int src = 0;
    run.submit = scan_submit_new(&cfg, &src);
    if (src != 0)
        goto done;
    output_opts oo = {
        .json = cfg.json,
        .verbose = cfg.verbose,
        .quiet = cfg.quiet,
        .suppress_ok = cfg.suppress_ok,
        .infected_only = cfg.infected_only,
        .allmatch = cfg.allmatch,
        .progress = cfg.progress && !cfg.json && !cfg.quiet && isatty(STDERR_FILENO),
    };
    if ((run.out = output_new(&oo)) == NULL) {
        fputs("vigil: out of memory\n", stderr);
        goto done;
    }
    if (start_workers(&run) != 0)
        goto done;
    if (oo.progress)
        prog = progress_start(run.out, &run.stats);

    walk_all(&run);
    pool_finish(run.pool); /* every queued file is scanned and printed */
    run.pool = NULL;
    progress_stop(prog);

    if (!cfg.no_summary)
        summarize(&run, start, &t0);
    rc = stats_get(&run.stats.infected) > 0 ? 1 : stats_get(&run.stats.errors) > 0 ? 2 : 0;
    if (stats_get(&run.stats.action_failed) > 0)
        rc = 2; /* asked to treat a detection and could not: not a plain "found" */
    if (scan_submit_run(run.submit, &cfg, run.engine) != 0 && rc == 0)
        rc = 2;
done:
    pool_finish(run.pool);
    free_workers(&run);
    action_ctx_cleanup(&run.action);
    scan_submit_free(run.submit);
    output_free(run.out);
    vg_engine_unref(run.engine);
    scan_config_cleanup(&cfg);
    if (fflush(stdout) != 0 && rc == 0)
        rc = 2; /* a full disk must not look like a clean scan */
    return rc;
}
