/* Option parsing for `vigil scan`, with clamscan's spellings.
 *
 * clamscan habits kept: "--max-filesize=25M", "-r" (a no-op here, walks are
 * recursive by default), "--recursive=no", "-z/--allmatch", "-i", "-o",
 * "--quiet", "--no-summary", "--exclude-dir=REGEX". GNU getopt permutes, so
 * options may follow paths ("vigil scan /srv -i"), and "--" ends options
 * for a path that begins with a dash. Every value is checked in full; a
 * typo is an error (exit 2), never a silent default. */
#include "scan_args.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

enum {
    OPT_NO_BUILTIN = 256,
    OPT_CACHE_DIR,
    OPT_NO_CACHE,
    OPT_FOLLOW_SYMLINKS,
    OPT_CROSS_FS,
    OPT_EXCLUDE,
    OPT_INCLUDE,
    OPT_EXCLUDE_DIR,
    OPT_INCLUDE_DIR,
    OPT_MAX_FILESIZE,
    OPT_MAX_SCANSIZE,
    OPT_MAX_FILES,
    OPT_MAX_RECURSION,
    OPT_MAX_RATIO,
    OPT_MAX_SCANTIME,
    OPT_QUIET,
    OPT_NO_SUMMARY,
    OPT_JSON,
    OPT_ALERT_EXCEEDS_MAX,
    OPT_NO_PROGRESS,
    OPT_ACTION,
    OPT_VAULT,
    OPT_VAULT_KEY,
    OPT_SUBMIT,
    OPT_SERVER,
    OPT_TOKEN,
    OPT_CONSENT,
    OPT_UNSIGNED_TRIGGERS,
};

static const struct option long_opts[] = {
    {"database", required_argument, NULL, 'd'},
    {"no-builtin", no_argument, NULL, OPT_NO_BUILTIN},
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"recursive", optional_argument, NULL, 'r'},
    {"follow-symlinks", optional_argument, NULL, OPT_FOLLOW_SYMLINKS},
    {"cross-fs", optional_argument, NULL, OPT_CROSS_FS},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"include", required_argument, NULL, OPT_INCLUDE},
    {"exclude-dir", required_argument, NULL, OPT_EXCLUDE_DIR},
    {"include-dir", required_argument, NULL, OPT_INCLUDE_DIR},
    {"threads", required_argument, NULL, 'j'},
    {"max-filesize", required_argument, NULL, OPT_MAX_FILESIZE},
    {"max-scansize", required_argument, NULL, OPT_MAX_SCANSIZE},
    {"max-files", required_argument, NULL, OPT_MAX_FILES},
    {"max-recursion", required_argument, NULL, OPT_MAX_RECURSION},
    {"max-depth", required_argument, NULL, OPT_MAX_RECURSION},
    {"max-ratio", required_argument, NULL, OPT_MAX_RATIO},
    {"max-scantime", required_argument, NULL, OPT_MAX_SCANTIME},
    {"suppress-ok-results", no_argument, NULL, 'o'},
    {"infected", no_argument, NULL, 'i'},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
    {"json", no_argument, NULL, OPT_JSON},
    {"allmatch", optional_argument, NULL, 'z'},
    {"alert-exceeds-max", optional_argument, NULL, OPT_ALERT_EXCEEDS_MAX},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"action", required_argument, NULL, OPT_ACTION},
    {"vault", required_argument, NULL, OPT_VAULT},
    {"vault-key", required_argument, NULL, OPT_VAULT_KEY},
    {"submit", no_argument, NULL, OPT_SUBMIT},
    {"server", required_argument, NULL, OPT_SERVER},
    {"token", required_argument, NULL, OPT_TOKEN},
    {"consent", required_argument, NULL, OPT_CONSENT},
    {"unsigned-triggers", no_argument, NULL, OPT_UNSIGNED_TRIGGERS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void scan_args_usage(FILE *f)
{
    fputs("Usage: vigil scan [OPTIONS] [PATH... | -]\n"
          "\n"
          "Scans files and directory trees (recursively) for malware. \"-\" scans standard\n"
          "input. With no PATH, the current directory is scanned (as clamscan does).\n"
          "\n"
          "Signatures:\n"
          "  -d, --database FILE|DIR  load a signature file (.hdb .hsb .ndb .fp .sfp .ign2) or\n"
          "                           every such file in DIR; repeatable. Without -d, the\n"
          "                           files in $VIGIL_DB_DIR are loaded when it is set.\n"
          "      --no-builtin         do not load the built-in EICAR test signature\n"
          "      --cache-dir DIR      keep the compiled engine in DIR (default\n"
          "                           $XDG_CACHE_HOME/vigil or ~/.cache/vigil, mode 0700)\n"
          "      --no-cache           compile every time, write no cache\n"
          "\n"
          "What to scan:\n"
          "  -r, --recursive[=yes|no] descend into subdirectories (default yes; -r is\n"
          "                           accepted for clamscan compatibility)\n"
          "      --follow-symlinks    follow symbolic links met inside directories (links\n"
          "                           named on the command line are always followed);\n"
          "                           directory loops are detected and skipped\n"
          "      --cross-fs[=yes|no]  descend into other file systems (default yes)\n"
          "      --exclude REGEX      skip files whose path matches REGEX\n"
          "      --include REGEX      scan only files whose path matches REGEX\n"
          "      --exclude-dir REGEX  skip directories whose path matches REGEX\n"
          "      --include-dir REGEX  enter only directories whose path matches REGEX\n"
          "                           (the four filters take POSIX extended regular\n"
          "                           expressions, match anywhere in the full path as\n"
          "                           printed, and are repeatable; like clamscan, they\n"
          "                           also apply to the paths named on the command line)\n"
          "\n"
          "Treating what is found (only files the scan flagged, never others):\n"
          "      --action report|quarantine|delete\n"
          "                           report only (default); move each flagged file into the\n"
          "                           encrypted quarantine vault; or delete it. A detection\n"
          "                           inside a container acts on the whole top-level file.\n"
          "                           Refused: symlinks, files changed since the scan, files\n"
          "                           outside the named paths (see docs/quarantine.md)\n"
          "      --vault DIR          the quarantine vault (default $VIGIL_VAULT, else\n"
          "                           $XDG_DATA_HOME/vigil/quarantine or\n"
          "                           ~/.local/share/vigil/quarantine)\n"
          "      --vault-key FILE     the vault key (default DIR/vault.key)\n"
          "\n"
          "Submission (see vigil submit --help and docs/privacy.md):\n"
          "      --submit             after the scan, offer each flagged object (the member,\n"
          "                           never its container) to a vigil-server, as far as the\n"
          "                           consent level allows; classified content never leaves\n"
          "      --server URL         the server (default $VIGIL_SERVER_URL)\n"
          "      --token TOKEN        its submitter token (default $VIGIL_TOKEN)\n"
          "      --consent LEVEL      off|hashes|safe|ask (default $VIGIL_CONSENT, else hashes)\n"
          "      --unsigned-triggers  any signature may trigger a submission, not only the\n"
          "                           upload triggers of the bundle vigil update installed\n"
          "                           (P5); for development and tests\n"
          "\n"
          "Performance:\n"
          "  -j, --threads N          scanning threads (default: one per online core)\n"
          "\n"
          "Limits (exceeding one makes the file INCOMPLETE, never silently clean):\n"
          "      --max-filesize SIZE  largest object (file or archive member) to scan\n"
          "      --max-scansize SIZE  most bytes scanned per top-level file, all members\n"
          "      --max-files N        most members extracted from one container\n"
          "      --max-recursion N    deepest container nesting (alias --max-depth)\n"
          "      --max-ratio N        largest expansion ratio of a container (bomb guard)\n"
          "      --max-scantime MS    wall time per top-level file in ms (0 = unlimited)\n"
          "                           SIZE takes K, M, G suffixes (powers of 1024): 25M\n"
          "      --alert-exceeds-max  report a limit as a detection named\n"
          "                           Heuristics.Limits.Exceeded.<Limit> (exit code 1)\n"
          "\n"
          "Output:\n"
          "  -z, --allmatch           keep scanning after a match; print every match\n"
          "  -i, --infected           print only infected files (FOUND lines)\n"
          "  -o, --suppress-ok-results  do not print clean files\n"
          "      --quiet              print only errors (stderr); no results, no summary\n"
          "  -v, --verbose            where inner detections sit, why files were\n"
          "                           incomplete, what was skipped, engine statistics\n"
          "      --json               one JSON object per line per file, then a summary\n"
          "      --no-summary         do not print the summary\n"
          "      --no-progress        no status line on the terminal\n"
          "  -h, --help               this help\n"
          "\n"
          "Lines: \"PATH: OK\", \"PATH: SIGNATURE FOUND\", \"PATH: limit:NAME INCOMPLETE\";\n"
          "errors go to stderr as \"PATH: ERROR MESSAGE\". See docs/cli.md.\n"
          "\n"
          "Exit status: 0 nothing found, 1 something found, 2 an error occurred and nothing\n"
          "was found (a file could not be read, a bad option or database). As with\n"
          "clamscan, a detection wins: found + error exits 1. With --action, a flagged file\n"
          "that could not be quarantined or deleted exits 2.\n",
          f);
}

/* Appends the flag to a vg_limits_validate message that names a field. */
static const char *flag_of_field(const char *message)
{
    static const char *const map[][2] = {
        {"max_depth", "--max-recursion"},    {"max_file_size", "--max-filesize"},
        {"max_scan_size", "--max-scansize"}, {"max_files", "--max-files"},
        {"max_ratio", "--max-ratio"},        {"max_time_ms", "--max-scantime"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strncmp(message, map[i][0], strlen(map[i][0])) == 0)
            return map[i][1];
    return NULL;
}

static int bad_value(const char *flag, const char *value, const char *expect)
{
    fprintf(stderr, "vigil scan: %s: invalid value '%s' (%s)\n", flag, value, expect);
    return SCAN_ARGS_EXIT_2;
}

static int set_bool(const char *flag, const char *arg, bool *out)
{
    if (arg == NULL) {
        *out = true;
        return SCAN_ARGS_OK;
    }
    if (opt_parse_bool(arg, out) != 0)
        return bad_value(flag, arg, "expected yes or no");
    return SCAN_ARGS_OK;
}

static int add_filter(scan_config *cfg, filter_kind kind, const char *flag, const char *re)
{
    char err[256];
    if (path_filter_add(&cfg->filter, kind, re, err, sizeof err) != 0) {
        fprintf(stderr, "vigil scan: %s '%s': %s\n", flag, re, err);
        return SCAN_ARGS_EXIT_2;
    }
    return SCAN_ARGS_OK;
}

static int set_uint(const char *flag, const char *arg, uint64_t max, uint64_t *out)
{
    if (opt_parse_uint(arg, max, out) != 0) {
        char expect[64];
        snprintf(expect, sizeof expect, "expected a number from 0 to %llu",
                 (unsigned long long)max);
        return bad_value(flag, arg, expect);
    }
    return SCAN_ARGS_OK;
}

static int set_size(const char *flag, const char *arg, uint64_t *out)
{
    if (opt_parse_size(arg, out) != 0)
        return bad_value(flag, arg, "expected a size such as 4096, 512K, 25M or 2G");
    return SCAN_ARGS_OK;
}

static int add_database(scan_config *cfg, const char *path)
{
    const char **grown = realloc(cfg->databases, (cfg->n_databases + 1) * sizeof *grown);
    if (grown == NULL) {
        fputs("vigil scan: out of memory\n", stderr);
        return SCAN_ARGS_EXIT_2;
    }
    cfg->databases = grown;
    cfg->databases[cfg->n_databases++] = path;
    return SCAN_ARGS_OK;
}

/* One option; returns SCAN_ARGS_* */
static int apply(scan_config *cfg, int c, const char *flag, const char *arg)
{
    uint64_t v = 0;
    int rc = SCAN_ARGS_OK;
    switch (c) {
    case 'd':
        return add_database(cfg, arg);
    case OPT_NO_BUILTIN:
        cfg->no_builtin = true;
        break;
    case OPT_CACHE_DIR:
        cfg->cache_dir = arg;
        break;
    case OPT_NO_CACHE:
        cfg->no_cache = true;
        break;
    case 'r':
        return set_bool(flag, arg, &cfg->recursive);
    case OPT_FOLLOW_SYMLINKS:
        return set_bool(flag, arg, &cfg->follow_symlinks);
    case OPT_CROSS_FS:
        return set_bool(flag, arg, &cfg->cross_fs);
    case OPT_EXCLUDE:
        return add_filter(cfg, FILTER_EXCLUDE, flag, arg);
    case OPT_INCLUDE:
        return add_filter(cfg, FILTER_INCLUDE, flag, arg);
    case OPT_EXCLUDE_DIR:
        return add_filter(cfg, FILTER_EXCLUDE_DIR, flag, arg);
    case OPT_INCLUDE_DIR:
        return add_filter(cfg, FILTER_INCLUDE_DIR, flag, arg);
    case 'j':
        if (opt_parse_uint(arg, 1024, &v) != 0 || v == 0)
            return bad_value(flag, arg, "expected a number of threads from 1 to 1024");
        cfg->threads = (unsigned)v;
        break;
    case OPT_MAX_FILESIZE:
        return set_size(flag, arg, &cfg->limits.max_file_size);
    case OPT_MAX_SCANSIZE:
        return set_size(flag, arg, &cfg->limits.max_scan_size);
    case OPT_MAX_SCANTIME:
        return set_uint(flag, arg, UINT64_MAX, &cfg->limits.max_time_ms);
    case OPT_MAX_FILES:
        if ((rc = set_uint(flag, arg, UINT_MAX, &v)) == SCAN_ARGS_OK)
            cfg->limits.max_files = (unsigned)v;
        return rc;
    case OPT_MAX_RECURSION:
        if ((rc = set_uint(flag, arg, UINT_MAX, &v)) == SCAN_ARGS_OK)
            cfg->limits.max_depth = (unsigned)v;
        return rc;
    case OPT_MAX_RATIO:
        if ((rc = set_uint(flag, arg, UINT_MAX, &v)) == SCAN_ARGS_OK)
            cfg->limits.max_ratio = (unsigned)v;
        return rc;
    case 'o':
        cfg->suppress_ok = true;
        break;
    case 'i':
        cfg->infected_only = true;
        break;
    case 'v':
        cfg->verbose = true;
        break;
    case OPT_QUIET:
        cfg->quiet = true;
        break;
    case OPT_NO_SUMMARY:
        cfg->no_summary = true;
        break;
    case OPT_JSON:
        cfg->json = true;
        break;
    case 'z':
        return set_bool(flag, arg, &cfg->allmatch);
    case OPT_ALERT_EXCEEDS_MAX:
        return set_bool(flag, arg, &cfg->alert_exceeds_max);
    case OPT_NO_PROGRESS:
        cfg->progress = false;
        break;
    case OPT_ACTION:
        if (strcmp(arg, "report") == 0)
            cfg->action = ACTION_REPORT;
        else if (strcmp(arg, "quarantine") == 0)
            cfg->action = ACTION_QUARANTINE;
        else if (strcmp(arg, "delete") == 0)
            cfg->action = ACTION_DELETE;
        else
            return bad_value(flag, arg, "expected report, quarantine or delete");
        break;
    case OPT_VAULT:
        cfg->vault_dir = arg;
        break;
    case OPT_VAULT_KEY:
        cfg->vault_key = arg;
        break;
    case OPT_SUBMIT:
        cfg->submit = true;
        break;
    case OPT_SERVER:
        cfg->submit_server = arg;
        break;
    case OPT_TOKEN:
        cfg->submit_token = arg;
        break;
    case OPT_CONSENT:
        if (strcmp(arg, "off") != 0 && strcmp(arg, "hashes") != 0 && strcmp(arg, "safe") != 0 &&
            strcmp(arg, "ask") != 0)
            return bad_value(flag, arg, "expected off, hashes, safe or ask");
        cfg->submit_consent = arg;
        break;
    case OPT_UNSIGNED_TRIGGERS:
        cfg->submit_unsigned_triggers = true;
        break;
    }
    return SCAN_ARGS_OK;
}

/* "verbose=3": a flag without a value given one (getopt says only '?'). */
static bool takes_no_value(const char *arg)
{
    size_t len = strcspn(arg, "=");
    if (arg[len] != '=')
        return false;
    for (const struct option *o = long_opts; o->name != NULL; o++)
        if (o->has_arg == no_argument && strlen(o->name) == len && strncmp(o->name, arg, len) == 0)
            return true;
    return false;
}

static const char *flag_name(int c, int long_index, char *buf, size_t size)
{
    if (long_index >= 0)
        snprintf(buf, size, "--%s", long_opts[long_index].name);
    else
        snprintf(buf, size, "-%c", c);
    return buf;
}

int scan_args_parse(int argc, char **argv, scan_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->recursive = true;
    cfg->cross_fs = true;
    cfg->progress = true;
    cfg->limits = vg_limits_default();

    optind = 0; /* glibc: full re-initialisation */
    opterr = 0;
    for (;;) {
        int long_index = -1;
        int c = getopt_long(argc, argv, ":d:rj:oivzh", long_opts, &long_index);
        if (c == -1)
            break;
        const char *bad = optind >= 1 && optind <= argc ? argv[optind - 1] : "?";
        if (c == '?') {
            if (strncmp(bad, "--", 2) == 0 && takes_no_value(bad + 2))
                fprintf(stderr, "vigil scan: option '%.*s' takes no value\n",
                        (int)strcspn(bad, "="), bad);
            else if (strncmp(bad, "--", 2) == 0 || optopt == 0)
                fprintf(stderr, "vigil scan: unknown option '%s' (see vigil scan --help)\n", bad);
            else
                fprintf(stderr, "vigil scan: unknown option '-%c' (see vigil scan --help)\n",
                        optopt);
            return SCAN_ARGS_EXIT_2;
        }
        if (c == ':') {
            if (optopt != 0 && optopt < 256)
                fprintf(stderr, "vigil scan: option '-%c' needs a value\n", optopt);
            else
                fprintf(stderr, "vigil scan: option '%s' needs a value\n", bad);
            return SCAN_ARGS_EXIT_2;
        }
        if (c == 'h') {
            scan_args_usage(stdout);
            return SCAN_ARGS_EXIT_0;
        }
        char flag[64];
        int rc = apply(cfg, c, flag_name(c, long_index, flag, sizeof flag), optarg);
        if (rc != SCAN_ARGS_OK)
            return rc;
    }
    vg_diag d;
    vg_diag_clear(&d);
    if (vg_limits_validate(&cfg->limits, &d) != VG_OK) {
        const char *flag = flag_of_field(d.message);
        fprintf(stderr, "vigil scan: invalid limit: %s%s%s%s\n", d.message, flag ? " (" : "",
                flag ? flag : "", flag ? ")" : "");
        return SCAN_ARGS_EXIT_2;
    }
    cfg->paths = argv + optind;
    cfg->n_paths = (size_t)(argc - optind);
    return SCAN_ARGS_OK;
}

void scan_config_cleanup(scan_config *cfg)
{
    free(cfg->databases);
    path_filter_cleanup(&cfg->filter);
    memset(cfg, 0, sizeof *cfg);
}
