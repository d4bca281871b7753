/* The options of `vigil scan`, parsed from argv into one struct. */
#ifndef VIGIL_CLI_SCAN_ARGS_H
#define VIGIL_CLI_SCAN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <vigil/limits.h>

#include "filter.h"

typedef enum scan_action {
    ACTION_REPORT = 0, /* only print (the default) */
    ACTION_QUARANTINE, /* move flagged top-level files into the vault */
    ACTION_DELETE,     /* unlink flagged top-level files */
} scan_action;

typedef struct scan_config {
    const char **databases; /* -d, in order; strings borrowed from argv */
    size_t n_databases;
    bool no_builtin;
    const char *cache_dir; /* --cache-dir, or NULL for the default */
    bool no_cache;

    bool recursive;
    bool follow_symlinks;
    bool cross_fs;
    path_filter filter;

    unsigned threads; /* 0 = one per online core */
    vg_limits limits;

    bool json, verbose, quiet, suppress_ok, infected_only, no_summary;
    bool allmatch, alert_exceeds_max;
    bool progress; /* allowed; still needs stderr to be a terminal */

    scan_action action;
    const char *vault_dir; /* --vault, or NULL for the default */
    const char *vault_key; /* --vault-key, or NULL for <vault>/vault.key */

    /* --submit: after the scan, offer flagged objects to a vigil-server
     * (submit.h); --server/--token/--consent override the environment. */
    bool submit;
    const char *submit_server, *submit_token, *submit_consent;
    bool submit_unsigned_triggers; /* --unsigned-triggers: P5 off (tests) */

    char **paths; /* borrowed from argv; "-" is stdin */
    size_t n_paths;
} scan_config;

enum { SCAN_ARGS_OK = 0, SCAN_ARGS_EXIT_0 = 1, SCAN_ARGS_EXIT_2 = 2 };

/* argv[0] is "scan". Returns SCAN_ARGS_OK, or SCAN_ARGS_EXIT_0 after --help,
 * or SCAN_ARGS_EXIT_2 after printing what is wrong on stderr. */
int scan_args_parse(int argc, char **argv, scan_config *cfg);

void scan_args_usage(FILE *f);

void scan_config_cleanup(scan_config *cfg);

#endif
