/* What one top-level file produced: its events, copied out of the scan
 * callback (event memory is only borrowed there), and its verdict.
 *
 *     file_report r;  report_init(&r, alert_exceeds_max);
 *     vg_scanner_set_callback(s, report_on_event, &r);
 *     report_begin(&r, "/tmp/a.zip", size);
 *     err = vg_scanner_scan_fd(s, fd, "/tmp/a.zip", &res);
 *     report_end(&r, err, &res);            now r.verdict is final
 *
 * A hostile archive can raise an event per member; at most REPORT_MAX_EVENTS
 * are kept per file and the rest are only counted (r.dropped). */
#ifndef VIGIL_CLI_REPORT_H
#define VIGIL_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/result.h>

#define REPORT_MAX_EVENTS 1000

typedef enum file_verdict {
    FILE_CLEAN,
    FILE_INFECTED,
    FILE_INCOMPLETE,
    FILE_ERROR, /* the top-level object itself could not be opened or read */
} file_verdict;

typedef struct report_event {
    vg_event_kind kind;
    char **chain; /* chain[0..depth] */
    unsigned depth;
    char *signature; /* detections; "Heuristics.Limits.Exceeded.*" for alerts */
    vg_sig_kind sig_kind;
    bool heuristic; /* a limit turned into a detection (--alert-exceeds-max) */
    uint64_t offset;
    vg_limit_kind limit;
    vg_error error;
    char *message;
} report_event;

/* What --action did to the file, filled in by action.c after the verdict. */
typedef enum file_action {
    FILE_ACTION_NONE = 0, /* --action report, or the file was not flagged */
    FILE_ACTION_QUARANTINE,
    FILE_ACTION_DELETE,
} file_action;

typedef enum file_action_status {
    ACTION_DONE,    /* quarantined or removed */
    ACTION_REFUSED, /* not safe: a symlink, changed since the scan, outside the tree */
    ACTION_FAILED,  /* could not: full disk, I/O error, permissions */
} file_action_status;

typedef struct action_result {
    file_action kind;
    file_action_status status;
    char id[40];          /* vault entry id when quarantined */
    bool whole_container; /* every match was inside a member */
    char member[512];     /* the first matching member's chain, joined with "//" */
    char message[512];    /* why it was refused or failed */
    const char *error;    /* short error token ("changed", "no-space"...) */
} action_result;

typedef struct file_report {
    bool alert_exceeds_max;
    const char *path; /* borrowed from the job */
    uint64_t size;
    bool size_known;
    report_event *ev;
    size_t n, cap;
    size_t dropped;
    unsigned n_detections, n_limits, n_errors;
    int oom;
    vg_error top_error;      /* VG_OK unless FILE_ERROR */
    const char *top_message; /* static text for FILE_ERROR */
    vg_result result;
    file_verdict verdict;
    action_result action;
} file_report;

void report_init(file_report *r, bool alert_exceeds_max);
void report_begin(file_report *r, const char *path, uint64_t size, bool size_known);
/* The vg_event_fn to give the scanner; userdata is the file_report. */
int report_on_event(const vg_event *e, void *userdata);
void report_end(file_report *r, vg_error err, const vg_result *res);
/* An error found before the scan (open, stat): verdict FILE_ERROR. */
void report_set_error(file_report *r, vg_error code, const char *message);
void report_cleanup(file_report *r);

/* "MaxFiles" for VG_LIMIT_FILES: the suffix of clamscan's heuristic names. */
const char *report_limit_heuristic(vg_limit_kind kind);
/* Short stable token for an error code: "io", "malformed", ... */
const char *report_error_token(vg_error code);
const char *report_verdict_name(file_verdict v);

#endif
