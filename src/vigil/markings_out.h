/* What `vigil markings` learns about one top-level file, and how it prints.
 *
 *     mark_file f;  mark_file_init(&f);
 *     vg_scanner_set_callback(s, mark_file_on_event, &f);
 *     mark_file_begin(&f, "/srv/a.zip");
 *     err = vg_scanner_scan_fd(s, fd, "/srv/a.zip", &res);
 *     mark_file_end(&f, err);
 *     char *line = mark_file_format(&f, json);    one line, malloc'd
 *
 * Events are copied out of the callback (their memory is only borrowed
 * there). A hostile archive can mark every member: at most MARK_MAX_HITS
 * hits and MARK_MAX_PROBLEMS limits/errors are kept per file, the rest
 * are counted. */
#ifndef VIGIL_CLI_MARKINGS_OUT_H
#define VIGIL_CLI_MARKINGS_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <vigil/result.h>

#define MARK_MAX_HITS     100
#define MARK_MAX_PROBLEMS 100

typedef struct mark_hit {
    char **chain; /* chain[0..depth] */
    unsigned depth;
    char *rule;
    char *reason;
    unsigned n_ev;
    vg_mark_evidence ev[VG_MARK_MAX_EVIDENCE];
} mark_hit;

typedef struct mark_problem {
    char **chain;
    unsigned depth;
    char what[48]; /* "limit:filesize", "error:malformed" */
    char *message;
} mark_problem;

typedef struct mark_file {
    const char *path; /* borrowed */
    mark_hit *hits;
    size_t n_hits, more_hits;
    mark_problem *probs;
    size_t n_probs, more_probs;
    bool oom;
    bool failed;     /* the file itself could not be read: no verdict */
    char error[512]; /* why, when failed */
} mark_file;

void mark_file_init(mark_file *f);
void mark_file_begin(mark_file *f, const char *path);
/* The vg_event_fn to give the scanner; userdata is the mark_file. */
int mark_file_on_event(const vg_event *e, void *userdata);
/* err: what the scan call returned. */
void mark_file_end(mark_file *f, vg_error err);
/* The file could not be opened or read (before or instead of a scan). */
void mark_file_fail(mark_file *f, const char *why);
void mark_file_cleanup(mark_file *f);

/* One result line with '\n' (malloc'd, NULL when out of memory):
 * "PATH: CLASSIFIED (rule: in a > b: reason)", "PATH: not classified",
 * "PATH: ERROR why", or the JSON object of --json. *to_stderr is set for
 * the text-mode error line, which goes to stderr like vigil scan's. */
char *mark_file_format(const mark_file *f, bool json, bool *to_stderr);

#endif
