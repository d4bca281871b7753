/* Command-line value parsers.
 *
 * strtoull() alone is too forgiving for a security tool: it skips leading
 * blanks, accepts "-1" (wrapping to 2^64-1) and stops silently at junk, so
 * "--max-files 1O" would mean 1. Here a value is digits, then at most one
 * known suffix, then the end of the string; anything else is refused. */
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static int parse_digits(const char *s, uint64_t *out, const char **end)
{
    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *e = NULL;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno == ERANGE)
        return -1;
    *out = v;
    *end = e;
    return 0;
}

int opt_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    const char *end;
    if (s == NULL || parse_digits(s, &v, &end) != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

int opt_parse_size(const char *s, uint64_t *out)
{
    uint64_t v;
    const char *end;
    if (s == NULL || parse_digits(s, &v, &end) != 0)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    case 't':
    case 'T':
        shift = 40;
        break;
    default:
        return -1;
    }
    if (shift != 0) {
        end++;
        if (strcasecmp(end, "b") != 0 && strcasecmp(end, "ib") != 0 && *end != '\0')
            return -1;
        if (v > (UINT64_MAX >> shift))
            return -1;
        v <<= shift;
    } else if (*end != '\0') {
        return -1;
    }
    *out = v;
    return 0;
}

int opt_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"yes", "y", "1", "true", "on"};
    static const char *const no[] = {"no", "n", "0", "false", "off"};
    if (s == NULL)
        return -1;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

int opt_bad(const char *cmd, int c, char *const argv[])
{
    if (c == ':')
        fprintf(stderr, "%s: option '%s' needs a value\n", cmd, argv[optind - 1]);
    else
        fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n", cmd, argv[optind - 1], cmd);
    return 2;
}
