/* Shared by the `vigil sigtool` subcommands (cmd_sigtool*.c). */
#ifndef VIGIL_CLI_SIGTOOL_INT_H
#define VIGIL_CLI_SIGTOOL_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads a whole regular file (at most max bytes) into a new buffer;
 * NULL with a message in why. */
uint8_t *st_read_file(const char *path, size_t max, size_t *len, char *why, size_t cap);
/* Writes p[0..n) to path through a temporary file in the same directory,
 * fsync and rename, so a reader sees the old file or the new one. 0 or -1
 * with why. */
int st_write_atomic(const char *path, const uint8_t *p, size_t n, char *why, size_t cap);
/* s with control characters and DEL shown as '?', into buf: names come
 * from bundles and signature files, and must not drive the terminal. */
const char *st_clean(const char *s, char *buf, size_t cap);
/* Lower-case hex of p[0..n) into out (2n + 1 bytes). */
void st_hex(const uint8_t *p, size_t n, char *out);
/* "2025-01-02T03:04:05Z" for unix seconds t. */
void st_utc(uint64_t t, char out[32]);

/* Parses getopt's optarg as a decimal uint64 from min to max; 0 or -1. */
int st_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

int sigtool_build(int argc, char **argv);
int sigtool_lint(int argc, char **argv);
int sigtool_info(int argc, char **argv);
int sigtool_diff(int argc, char **argv);

#endif
