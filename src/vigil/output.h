/* Printing results: clamscan-style lines or JSON lines, plus the progress
 * line and the summary.
 *
 * Every write goes through one mutex, so lines from the worker threads never
 * interleave; the text is built before the lock is taken, so a slow
 * terminal only delays the printing, not the building. The progress line
 * lives on stderr and is wiped before anything else is printed. */
#ifndef VIGIL_CLI_OUTPUT_H
#define VIGIL_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "report.h"

typedef struct output_opts {
    bool json;
    bool verbose;
    bool quiet;         /* only errors */
    bool suppress_ok;   /* -o: no "PATH: OK" */
    bool infected_only; /* -i: only "FOUND" lines */
    bool allmatch;      /* one FOUND line per detection */
    bool progress;      /* stderr is a terminal and a status line is wanted */
} output_opts;

typedef struct scan_summary {
    uint64_t known_viruses;
    const char *engine_version;
    uint64_t dirs, files, infected, incomplete, errors;
    uint64_t bytes_scanned, bytes_read;
    uint64_t skipped_symlinks, skipped_special, skipped_other, excluded;
    double seconds;
    time_t start, end;
    const char *action;            /* "quarantine", "delete", or NULL for report */
    uint64_t acted, action_failed; /* flagged files treated / refused or failed */
} scan_summary;

typedef struct output output;

/* NULL when out of memory. */
output *output_new(const output_opts *opts);
void output_free(output *out);

/* The result of one top-level file (any verdict). */
void output_file(output *out, const file_report *r);

/* "PATH: Excluded", as clamscan prints it (not with -i, -o or --quiet). */
void output_excluded(output *out, const char *path);

/* "PATH: skipped (what)" on stderr: under -v, or always when loud (the
 * user named the path and it was not scanned), never with --quiet. */
void output_skipped(output *out, const char *path, const char *what, bool loud);

/* A free-form note on stderr ("vigil: ..."), serialized with the rest. */
void output_note(output *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replaces the status line (no-op unless opts.progress). */
void output_progress(output *out, const char *text);
void output_progress_clear(output *out);

void output_summary(output *out, const scan_summary *s);

/* output_json.c: one line of JSON (with '\n'), malloc'd; NULL on OOM. */
char *output_json_file(const file_report *r);
char *output_json_summary(const scan_summary *s);

#endif
