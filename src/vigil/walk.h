/* The tree walker: turns the paths named on the command line into open
 * files for the scanners.
 *
 *     walk_opts o = {.recursive = true, .filter = &filters};
 *     walk_sink k = {.emit = on_item, .ctx = run};
 *     walk_path(&o, &k, "/home/u", &counts);
 *
 * The walker opens every file itself (openat() relative to its directory,
 * O_NOFOLLOW, O_NONBLOCK) and checks with fstat() that what it opened is a
 * regular file, so a file swapped for a FIFO or a symlink between readdir()
 * and open() is never read. Single-threaded; items arrive in a stable order
 * (directory entries sorted by name). */
#ifndef VIGIL_CLI_WALK_H
#define VIGIL_CLI_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "filter.h"

typedef struct walk_opts {
    bool recursive;       /* descend into subdirectories (clamscan --recursive) */
    bool follow_symlinks; /* follow links met during the walk (command-line links always) */
    bool cross_fs;        /* descend into other file systems */
    bool keep_parent;     /* WALK_FILE items carry their directory's fd (for --action) */
    const path_filter *filter;
} walk_opts;

typedef enum walk_item_kind {
    WALK_FILE,     /* a regular file: fd and path are the sink's to keep */
    WALK_STREAM,   /* a pipe named on the command line: read to its end */
    WALK_ERROR,    /* could not stat/open/read: errnum, what */
    WALK_SKIP,     /* symlink, special file, loop, other file system: reason */
    WALK_EXCLUDED, /* a filter refused it */
} walk_item_kind;

typedef enum walk_skip_reason {
    SKIP_SYMLINK,
    SKIP_BROKEN_SYMLINK,
    SKIP_SPECIAL,
    SKIP_LOOP,
    SKIP_OTHER_FS,
} walk_skip_reason;

typedef struct walk_item {
    walk_item_kind kind;
    char *path;       /* WALK_FILE/WALK_STREAM: owned by the sink; else borrowed */
    int fd;           /* WALK_FILE/WALK_STREAM: owned by the sink; else -1 */
    uint64_t size;    /* WALK_FILE */
    struct stat st;   /* WALK_FILE: fstat of fd, the identity the scan saw */
    int parent_fd;    /* WALK_FILE with keep_parent: the directory the file was opened
                         in (owned by the sink), else -1 */
    bool via_link;    /* WALK_FILE: reached through a symlink (the file or a directory
                         above it, below the command-line path) */
    bool on_cmdline;  /* named on the command line */
    int errnum;       /* WALK_ERROR */
    const char *what; /* WALK_ERROR: "cannot open", ...; WALK_SKIP: "fifo", "symbolic link" */
    walk_skip_reason reason; /* WALK_SKIP */
} walk_item;

typedef struct walk_sink {
    void (*emit)(void *ctx, walk_item *item);
    void *ctx;
} walk_sink;

typedef struct walk_counts {
    uint64_t dirs;             /* directories entered */
    uint64_t skipped_symlinks; /* links not followed, or broken */
    uint64_t skipped_special;  /* FIFOs, sockets, devices */
    uint64_t skipped_other;    /* loops, other file systems */
    uint64_t excluded;
} walk_counts;

/* Walks one command-line path. Every problem becomes a WALK_ERROR item; the
 * return value is -1 only when the walk itself ran out of memory. */
int walk_path(const walk_opts *opts, const walk_sink *sink, const char *path, walk_counts *counts);

#endif
