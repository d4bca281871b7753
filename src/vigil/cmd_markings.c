/* `vigil markings PATH... | -`: runs the marking detector on every file of
 * the trees named, and inside every container in them.
 *
 *     $ vigil markings ~/work
 *     /home/u/work/notes.txt: not classified
 *     /home/u/work/a.zip: CLASSIFIED (us-banner: in docs/plan.docx > word/document.xml: ...)
 *
 * The same machinery as `vigil scan` (walk.c opens the files, pool.c feeds
 * one vg_scanner per thread, markings_out.c prints under one lock), but
 * over an engine with no signatures at all, scanned with VG_SCAN_MARKINGS:
 * the scanner opens every container and judges every object it reaches
 * (lib/scan/scan_markings.c). Symbolic links met inside directories are not
 * followed (a link named on the command line is).
 *
 * Exit status, as scan's: 1 when a file is classified (even if others
 * could not be read), else 2 when a file could not be read or an option is
 * wrong, else 0. A limit that cut a scan short leaves the file "not
 * classified (incomplete: limit:NAME)", status 0, like scan's INCOMPLETE. */
#include "cmd_markings.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vigil/engine.h>
#include <vigil/scanner.h>

#include "filter.h"
#include "markings_out.h"
#include "opts.h"
#include "pool.h"
#include "walk.h"

typedef struct mk_config {
    bool json;
    unsigned threads; /* 0: one per online core */
    vg_limits limits;
    path_filter filter;
    char **paths;
    size_t n_paths;
} mk_config;

typedef struct mk_run mk_run;

typedef struct mk_worker {
    mk_run *run;
    vg_scanner *scanner;
    mark_file file;
} mk_worker;

struct mk_run {
    const mk_config *cfg;
    vg_engine *engine;
    pool *pool;
    mk_worker *workers;
    unsigned nthreads;
    pthread_mutex_t lock; /* output and counters */
    unsigned long classified, errors;
};

typedef struct mk_job {
    char *path;
    int fd;
    bool stream;
    bool is_stdin;
} mk_job;

enum {
    OPT_JSON = 256,
    OPT_EXCLUDE,
    OPT_INCLUDE,
    OPT_EXCLUDE_DIR,
    OPT_INCLUDE_DIR,
    OPT_MAX_FILESIZE,
    OPT_MAX_SCANSIZE,
    OPT_MAX_FILES,
    OPT_MAX_RECURSION,
    OPT_MAX_SCANTIME,
};

static const struct option long_opts[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"threads", required_argument, NULL, 'j'},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"include", required_argument, NULL, OPT_INCLUDE},
    {"exclude-dir", required_argument, NULL, OPT_EXCLUDE_DIR},
    {"include-dir", required_argument, NULL, OPT_INCLUDE_DIR},
    {"max-filesize", required_argument, NULL, OPT_MAX_FILESIZE},
    {"max-scansize", required_argument, NULL, OPT_MAX_SCANSIZE},
    {"max-files", required_argument, NULL, OPT_MAX_FILES},
    {"max-recursion", required_argument, NULL, OPT_MAX_RECURSION},
    {"max-scantime", required_argument, NULL, OPT_MAX_SCANTIME},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void cmd_markings_usage(FILE *f)
{
    fputs("Usage: vigil markings [OPTIONS] PATH... | -\n"
          "\n"
          "Looks for government classification markings in files, directory trees\n"
          "(recursively) or standard input (\"-\"), and inside every archive, document\n"
          "(docx, xlsx, odt, PDF, RTF, HTML) and mail message in them: US banner lines\n"
          "(\"TOP SECRET//SI//NOFORN\"), portion marks (\"(TS//SI//NF)\"), classification\n"
          "authority blocks, NATO and UK markings. Prose about secrets is not a\n"
          "marking. No signatures are loaded; nothing is changed or sent anywhere.\n"
          "Symbolic links inside directories are not followed.\n"
          "\n"
          "Options:\n"
          "      --json               one JSON object per line per file, with every hit,\n"
          "                           the member chain and the evidence\n"
          "  -j, --threads N          threads (default: one per online core)\n"
          "      --exclude REGEX      skip files whose path matches REGEX\n"
          "      --include REGEX      look only at files whose path matches REGEX\n"
          "      --exclude-dir REGEX  skip directories whose path matches REGEX\n"
          "      --include-dir REGEX  enter only directories whose path matches REGEX\n"
          "      --max-filesize SIZE  largest object (file or member) looked at; only the\n"
          "                           first SIZE bytes of a larger one are (K, M, G suffixes)\n"
          "      --max-scansize SIZE  most bytes looked at per top-level file\n"
          "      --max-files N        most members extracted from one container\n"
          "      --max-recursion N    deepest container nesting\n"
          "      --max-scantime MS    wall time per top-level file in ms (0 = unlimited)\n"
          "  -h, --help               this help\n"
          "\n"
          "Lines:\n"
          "  PATH: CLASSIFIED (RULE: REASON)\n"
          "  PATH: CLASSIFIED (RULE: in MEMBER > MEMBER: REASON)     inside a container\n"
          "  PATH: not classified\n"
          "  PATH: not classified (incomplete: limit:NAME)   a limit cut the look short\n"
          "  PATH: ERROR WHY                                 on stderr\n"
          "A file larger than 16 MiB is judged by its first and last 8 MiB.\n"
          "\n"
          "Exit status: 0 nothing classified, 1 a file is classified (even if another\n"
          "could not be read), 2 an error occurred and nothing was classified.\n"
          "See docs/cli.md.\n",
          f);
}

static int bad_value(const char *flag, const char *value, const char *expect)
{
    fprintf(stderr, "vigil markings: %s: invalid value '%s' (%s)\n", flag, value, expect);
    return -1;
}

static int set_size(const char *flag, const char *arg, uint64_t *out)
{
    if (opt_parse_size(arg, out) != 0)
        return bad_value(flag, arg, "expected a size such as 4096, 512K, 25M or 2G");
    return 0;
}

static int set_uint(const char *flag, const char *arg, uint64_t max, uint64_t *out)
{
    if (opt_parse_uint(arg, max, out) != 0)
        return bad_value(flag, arg, "expected a number");
    return 0;
}

static int add_filter(mk_config *cfg, filter_kind kind, const char *flag, const char *re)
{
    char err[256];
    if (path_filter_add(&cfg->filter, kind, re, err, sizeof err) != 0) {
        fprintf(stderr, "vigil markings: %s '%s': %s\n", flag, re, err);
        return -1;
    }
    return 0;
}

static int apply(mk_config *cfg, int c, const char *flag, const char *arg)
{
    uint64_t v = 0;
    switch (c) {
    case OPT_JSON:
        cfg->json = true;
        return 0;
    case 'j':
        if (set_uint(flag, arg, 1024, &v) != 0)
            return -1;
        cfg->threads = (unsigned)v;
        return 0;
    case OPT_EXCLUDE:
        return add_filter(cfg, FILTER_EXCLUDE, flag, arg);
    case OPT_INCLUDE:
        return add_filter(cfg, FILTER_INCLUDE, flag, arg);
    case OPT_EXCLUDE_DIR:
        return add_filter(cfg, FILTER_EXCLUDE_DIR, flag, arg);
    case OPT_INCLUDE_DIR:
        return add_filter(cfg, FILTER_INCLUDE_DIR, flag, arg);
    case OPT_MAX_FILESIZE:
        return set_size(flag, arg, &cfg->limits.max_file_size);
    case OPT_MAX_SCANSIZE:
        return set_size(flag, arg, &cfg->limits.max_scan_size);
    case OPT_MAX_SCANTIME:
        return set_uint(flag, arg, UINT64_MAX, &cfg->limits.max_time_ms);
    case OPT_MAX_FILES:
        if (set_uint(flag, arg, UINT32_MAX, &v) != 0)
            return -1;
        cfg->limits.max_files = (unsigned)v;
        return 0;
    case OPT_MAX_RECURSION:
        if (set_uint(flag, arg, 64, &v) != 0)
            return -1;
        cfg->limits.max_depth = (unsigned)v;
        return 0;
    default:
        return -1;
    }
}

/* Returns 0 to run, 1 after --help, -1 after an error was printed. */
static int parse_args(int argc, char **argv, mk_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->limits = vg_limits_default();
    optind = 1;
    opterr = 0;
    for (;;) {
        int idx = -1;
        int c = getopt_long(argc, argv, ":j:h", long_opts, &idx);
        if (c == -1)
            break;
        char flag[64];
        if (idx >= 0)
            snprintf(flag, sizeof flag, "--%s", long_opts[idx].name);
        else
            snprintf(flag, sizeof flag, "-%c", c == '?' || c == ':' ? optopt : c);
        if (c == 'h') {
            cmd_markings_usage(stdout);
            return 1;
        }
        if (c == '?') {
            if (optopt)
                fprintf(stderr, "vigil markings: unknown option '-%c' (see --help)\n", optopt);
            else
                fprintf(stderr, "vigil markings: unknown option '%s' (see --help)\n",
                        argv[optind - 1]);
            return -1;
        }
        if (c == ':') {
            fprintf(stderr, "vigil markings: %s needs a value\n", optopt ? flag : argv[optind - 1]);
            return -1;
        }
        if (apply(cfg, c, flag, optarg) != 0)
            return -1;
    }
    cfg->paths = argv + optind;
    cfg->n_paths = (size_t)(argc - optind);
    if (cfg->n_paths == 0) {
        fputs("vigil markings: name at least one PATH, or - for standard input\n", stderr);
        return -1;
    }
    vg_diag d;
    vg_diag_clear(&d);
    if (vg_limits_validate(&cfg->limits, &d) != VG_OK) {
        fprintf(stderr, "vigil markings: %s\n", d.message);
        return -1;
    }
    return 0;
}

/* ---- printing ---- */

static void print_file(mk_run *run, const mark_file *f)
{
    bool to_stderr = false;
    char *line = mark_file_format(f, run->cfg->json, &to_stderr);
    pthread_mutex_lock(&run->lock);
    if (f->failed)
        run->errors++;
    else if (f->n_hits + f->more_hits > 0)
        run->classified++;
    if (line == NULL) {
        fprintf(stderr, "vigil: %s: out of memory printing the result\n", f->path);
        run->errors++;
    } else {
        fputs(line, to_stderr ? stderr : stdout);
    }
    pthread_mutex_unlock(&run->lock);
    free(line);
}

static void print_note(mk_run *run, const char *path, const char *what)
{
    pthread_mutex_lock(&run->lock);
    fprintf(stderr, "vigil: %s: %s\n", path, what);
    pthread_mutex_unlock(&run->lock);
}

/* ---- jobs ---- */

static void run_job(void *state, void *arg)
{
    mk_worker *w = state;
    mk_job *job = arg;
    vg_result res;
    mark_file_begin(&w->file, job->path);
    vg_error err = job->stream ? vg_scanner_scan_stream(w->scanner, job->fd, job->path, &res)
                               : vg_scanner_scan_fd(w->scanner, job->fd, job->path, &res);
    if (!job->is_stdin)
        close(job->fd);
    mark_file_end(&w->file, err);
    print_file(w->run, &w->file);
    free(job->path);
    free(job);
}

static void submit(mk_run *run, char *path, int fd, bool stream, bool is_stdin)
{
    mk_job *job = malloc(sizeof *job);
    if (job == NULL) {
        mark_file f;
        mark_file_init(&f);
        mark_file_begin(&f, path);
        mark_file_fail(&f, "out of memory");
        print_file(run, &f);
        mark_file_cleanup(&f);
        if (!is_stdin)
            close(fd);
        free(path);
        return;
    }
    *job = (mk_job){.path = path, .fd = fd, .stream = stream, .is_stdin = is_stdin};
    pool_submit(run->pool, job);
}

static void on_walk_item(void *ctx, walk_item *it)
{
    mk_run *run = ctx;
    switch (it->kind) {
    case WALK_FILE:
        if (it->parent_fd >= 0)
            close(it->parent_fd);
        submit(run, it->path, it->fd, false, false);
        break;
    case WALK_STREAM:
        submit(run, it->path, it->fd, true, false);
        break;
    case WALK_ERROR: {
        char why[512];
        if (it->what != NULL)
            snprintf(why, sizeof why, "%s: %s", it->what, strerror(it->errnum));
        else
            snprintf(why, sizeof why, "%s", strerror(it->errnum));
        mark_file f;
        mark_file_init(&f);
        mark_file_begin(&f, it->path);
        mark_file_fail(&f, why);
        print_file(run, &f);
        mark_file_cleanup(&f);
        break;
    }
    case WALK_SKIP:
        /* Said only for what the user named: a link inside a tree is
         * skipped by design, quietly, as vigil scan does. */
        if (it->on_cmdline)
            print_note(run, it->path, it->what ? it->what : "skipped");
        break;
    case WALK_EXCLUDED:
        break;
    }
}

static void walk_all(mk_run *run)
{
    const mk_config *cfg = run->cfg;
    walk_opts wo = {.recursive = true,
                    .follow_symlinks = false,
                    .cross_fs = true,
                    .keep_parent = false,
                    .filter = &cfg->filter};
    walk_sink sink = {.emit = on_walk_item, .ctx = run};
    walk_counts counts;
    memset(&counts, 0, sizeof counts);
    bool stdin_done = false;
    for (size_t i = 0; i < cfg->n_paths; i++) {
        if (strcmp(cfg->paths[i], "-") == 0) {
            if (stdin_done)
                continue;
            stdin_done = true;
            char *name = strdup("stdin");
            if (name != NULL)
                submit(run, name, STDIN_FILENO, true, true);
            continue;
        }
        if (walk_path(&wo, &sink, cfg->paths[i], &counts) != 0) {
            print_note(run, cfg->paths[i], "out of memory during the walk");
            pthread_mutex_lock(&run->lock);
            run->errors++;
            pthread_mutex_unlock(&run->lock);
        }
    }
}

/* ---- setup ---- */

/* An engine with no signatures: the scanner still types, opens and walks
 * every object, which is all the marking detector needs. */
static int engine_empty(const mk_config *cfg, vg_engine **out)
{
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vg_engine_new(&cfg->limits, out);
    if (err == VG_OK && (err = vg_engine_compile(*out, NULL, &d)) != VG_OK) {
        vg_engine_unref(*out);
        *out = NULL;
    }
    if (err != VG_OK) {
        fprintf(stderr, "vigil markings: cannot create the engine: %s\n", vg_strerror(err));
        return -1;
    }
    return 0;
}

static int start_workers(mk_run *run)
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
        mk_worker *w = &run->workers[i];
        w->run = run;
        mark_file_init(&w->file);
        vg_error err = vg_scanner_new(run->engine, &w->scanner);
        if (err != VG_OK) {
            fprintf(stderr, "vigil: cannot create a scanner: %s\n", vg_strerror(err));
            free(state);
            return -1;
        }
        vg_scanner_set_callback(w->scanner, mark_file_on_event, &w->file);
        vg_scanner_set_flags(w->scanner, VG_SCAN_MARKINGS);
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

static void free_workers(mk_run *run)
{
    if (run->workers == NULL)
        return;
    for (unsigned i = 0; i < run->nthreads; i++) {
        vg_scanner_free(run->workers[i].scanner);
        mark_file_cleanup(&run->workers[i].file);
    }
    free(run->workers);
}

int cmd_markings(int argc, char **argv)
{
    mk_config cfg;
    int prc = parse_args(argc, argv, &cfg);
    if (prc != 0) {
        path_filter_cleanup(&cfg.filter);
        return prc > 0 ? 0 : 2;
    }
    mk_run run = {.cfg = &cfg};
    pthread_mutex_init(&run.lock, NULL);
    if (cfg.threads > 0) {
        run.nthreads = cfg.threads;
    } else {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        run.nthreads = n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
    }
    int rc = 2;
    if (engine_empty(&cfg, &run.engine) != 0)
        goto done;
    if (start_workers(&run) != 0)
        goto done;
    walk_all(&run);
    pool_finish(run.pool); /* every queued file is judged and printed */
    run.pool = NULL;
    rc = run.classified > 0 ? 1 : run.errors > 0 ? 2 : 0;
done:
    pool_finish(run.pool);
    free_workers(&run);
    vg_engine_unref(run.engine);
    path_filter_cleanup(&cfg.filter);
    pthread_mutex_destroy(&run.lock);
    if (fflush(stdout) != 0 && rc != 1)
        rc = 2; /* a full disk must not look like "nothing classified" */
    return rc;
}
