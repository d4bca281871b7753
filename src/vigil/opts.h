/* Parsing of command-line values: sizes with suffixes, counts, yes/no.
 *
 * Each parser returns 0 on success and -1 on failure, leaving *out
 * untouched; the caller names the flag in its message ("--max-files: ..."),
 * so these never print. */
#ifndef VIGIL_CLI_OPTS_H
#define VIGIL_CLI_OPTS_H

#include <stdbool.h>
#include <stdint.h>

/* "4096", "25K", "100M", "2G" (powers of 1024, either case, optional "B"
 * or "iB" after the letter, as clamscan accepts "25M"). Rejects signs,
 * blanks, empty strings and values that overflow 64 bits. */
int opt_parse_size(const char *s, uint64_t *out);

/* A plain decimal number in [0, max]. */
int opt_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* "yes"/"no" (also "y"/"n", "1"/"0", "true"/"false"), any case. */
int opt_parse_bool(const char *s, bool *out);

/* Reports what getopt_long (with a leading ':' in its optstring) refused:
 * c == ':' a missing value, anything else an unknown option, both naming
 * argv[optind - 1], prefixed by cmd ("vigil audit"). Returns 2, the exit
 * status for a usage error. */
int opt_bad(const char *cmd, int c, char *const argv[]);

#endif
