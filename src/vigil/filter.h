/* --exclude/--include/--exclude-dir/--include-dir: POSIX extended regular
 * expressions matched against the whole path as printed, like clamscan.
 * Each list is repeatable; a path is excluded when any exclude pattern
 * matches, and, if include patterns exist, when none of them matches.
 * Directory patterns apply to every directory including the ones named on
 * the command line (clamscan does the same), file patterns to every file. */
#ifndef VIGIL_CLI_FILTER_H
#define VIGIL_CLI_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum filter_kind {
    FILTER_EXCLUDE,
    FILTER_INCLUDE,
    FILTER_EXCLUDE_DIR,
    FILTER_INCLUDE_DIR,
    FILTER_KIND_COUNT,
} filter_kind;

typedef struct filter_list {
    regex_t *re;
    size_t n;
} filter_list;

typedef struct path_filter {
    filter_list list[FILTER_KIND_COUNT];
} path_filter;

/* Compiles pattern into the list. On failure returns -1 and writes
 * regerror()'s explanation into err. */
int path_filter_add(path_filter *f, filter_kind kind, const char *pattern, char *err,
                    size_t errlen);

bool path_filter_file_ok(const path_filter *f, const char *path);
bool path_filter_dir_ok(const path_filter *f, const char *path);

void path_filter_cleanup(path_filter *f);

#endif
