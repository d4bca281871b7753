/* Parsing vigild.conf (see config.h). One table row per key names its type
 * and field, so adding a key is one line here and one paragraph in
 * docs/vigild.md:
 *
 *     {"StreamMaxLength", T_SIZE, OFF(stream_max_length), 1, 4ull << 30},
 *
 * Values are checked as they are read, against the row's bounds, and a bad
 * one is reported with the line it came from. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONFIG_BYTES (1u << 20)

void vd_config_defaults(vd_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->tcp_addr = strdup("127.0.0.1");
    cfg->max_threads = 10;
    cfg->max_queue = 200;
    cfg->stream_max_length = 100ull << 20;
    cfg->read_timeout_s = 120;
    cfg->idle_timeout_s = 30;
    cfg->max_line_length = 4096 + 64;
    cfg->max_scan_time_ms = 120000;
    cfg->onaccess_enabled = true;
    cfg->onaccess_prevention = true;
    cfg->scan_timeout_ms = 5000;
    cfg->on_timeout = VD_TIMEOUT_ALLOW;
    cfg->state_dir = strdup("/var/lib/vigil/vigild");
    cfg->log_format = VD_LOG_TEXT;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void vd_config_cleanup(vd_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->local_socket);
    free(cfg->tcp_addr);
    free_list(cfg->databases, cfg->n_databases);
    free(cfg->cache_dir);
    free_list(cfg->onaccess_include, cfg->n_onaccess_include);
    free_list(cfg->onaccess_exclude, cfg->n_onaccess_exclude);
    free(cfg->vault_dir);
    free(cfg->state_dir);
    free(cfg->log_file);
    free(cfg->pid_file);
    memset(cfg, 0, sizeof *cfg);
}

int vd_config_set_str(char **field, const char *value)
{
    char *copy = NULL;
    if (value != NULL && (copy = strdup(value)) == NULL)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

int vd_config_add_item(char ***list, size_t *n, const char *value)
{
    if (*n >= 4096) /* a bound on a list read from a file */
        return -1;
    char **nl = realloc(*list, (*n + 1) * sizeof *nl);
    if (nl == NULL)
        return -1;
    *list = nl;
    if ((nl[*n] = strdup(value)) == NULL)
        return -1;
    (*n)++;
    return 0;
}

typedef enum { T_STR, T_PATH, T_LIST, T_BOOL, T_UINT, T_SIZE, T_TIMEOUT, T_LOGFMT, T_PORT } ktype;

typedef struct key {
    const char *name;
    ktype type;
    size_t off;  /* of the field in vd_config */
    size_t noff; /* T_LIST: of its count */
    unsigned long long min, max;
} key;

#define OFF(f) offsetof(vd_config, f)

static const key keys[] = {
    {"LocalSocket", T_PATH, OFF(local_socket), 0, 0, 0},
    {"TCPSocket", T_PORT, OFF(tcp_port), 0, 0, 65535},
    {"TCPAddr", T_STR, OFF(tcp_addr), 0, 0, 0},
    {"MaxThreads", T_UINT, OFF(max_threads), 0, 1, 256},
    {"MaxConnectionQueueLength", T_UINT, OFF(max_queue), 0, 1, 65536},
    {"StreamMaxLength", T_SIZE, OFF(stream_max_length), 0, 1, 4ull << 30},
    {"ReadTimeout", T_UINT, OFF(read_timeout_s), 0, 1, 86400},
    {"IdleTimeout", T_UINT, OFF(idle_timeout_s), 0, 1, 86400},
    {"MaxCommandLength", T_UINT, OFF(max_line_length), 0, 64, 1u << 20},
    {"MaxScanTime", T_UINT, OFF(max_scan_time_ms), 0, 0, 86400000},
    {"DatabaseDirectory", T_LIST, OFF(databases), OFF(n_databases), 0, 0},
    {"Database", T_LIST, OFF(databases), OFF(n_databases), 0, 0},
    {"NoBuiltinSignature", T_BOOL, OFF(no_builtin), 0, 0, 0},
    {"CacheDirectory", T_PATH, OFF(cache_dir), 0, 0, 0},
    {"OnAccessIncludePath", T_LIST, OFF(onaccess_include), OFF(n_onaccess_include), 0, 0},
    {"OnAccessExcludePath", T_LIST, OFF(onaccess_exclude), OFF(n_onaccess_exclude), 0, 0},
    {"OnAccessEnabled", T_BOOL, OFF(onaccess_enabled), 0, 0, 0},
    {"OnAccessPrevention", T_BOOL, OFF(onaccess_prevention), 0, 0, 0},
    {"QuarantineOnDetect", T_BOOL, OFF(quarantine_on_detect), 0, 0, 0},
    {"VaultDirectory", T_PATH, OFF(vault_dir), 0, 0, 0},
    {"ScanTimeout", T_UINT, OFF(scan_timeout_ms), 0, 1, 3600000},
    {"OnTimeout", T_TIMEOUT, OFF(on_timeout), 0, 0, 0},
    {"StateDirectory", T_PATH, OFF(state_dir), 0, 0, 0},
    {"LogFormat", T_LOGFMT, OFF(log_format), 0, 0, 0},
    {"LogVerbose", T_BOOL, OFF(log_verbose), 0, 0, 0},
    {"LogFile", T_PATH, OFF(log_file), 0, 0, 0},
    {"PidFile", T_PATH, OFF(pid_file), 0, 0, 0},
    {"Foreground", T_BOOL, OFF(foreground), 0, 0, 0},
};

static int failf(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int failf(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "%s:%u: ", name, line);
    if (n < 0 || (size_t)n >= errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return *out = true, 0;
        if (strcasecmp(v, no[i]) == 0)
            return *out = false, 0;
    }
    return -1;
}

/* "100M", "4096", "2G", "512K": clamd's size syntax. */
static int parse_size(const char *v, unsigned long long *out)
{
    if (!isdigit((unsigned char)v[0]))
        return -1;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno != 0)
        return -1;
    unsigned shift = 0;
    if (*end == 'k' || *end == 'K')
        shift = 10, end++;
    else if (*end == 'm' || *end == 'M')
        shift = 20, end++;
    else if (*end == 'g' || *end == 'G')
        shift = 30, end++;
    if (*end != '\0' || (shift && n > (~0ull >> shift)))
        return -1;
    *out = n << shift;
    return 0;
}

static int set_value(vd_config *cfg, const key *k, const char *v, const char *name, unsigned line,
                     char *err, size_t errlen)
{
    char *base = (char *)cfg;
    unsigned long long n;
    bool b;
    switch (k->type) {
    case T_PATH:
        if (v[0] != '/')
            return failf(err, errlen, name, line, "%s needs an absolute path, not '%s'", k->name,
                         v);
        /* fall through */
    case T_STR:
        if (vd_config_set_str((char **)(base + k->off), v) != 0)
            return failf(err, errlen, name, line, "out of memory");
        return 0;
    case T_LIST:
        if (v[0] != '/')
            return failf(err, errlen, name, line, "%s needs an absolute path, not '%s'", k->name,
                         v);
        if (vd_config_add_item((char ***)(base + k->off), (size_t *)(base + k->noff), v) != 0)
            return failf(err, errlen, name, line, "too many %s entries", k->name);
        return 0;
    case T_BOOL:
        if (parse_bool(v, &b) != 0)
            return failf(err, errlen, name, line, "%s takes yes or no, not '%s'", k->name, v);
        *(bool *)(base + k->off) = b;
        return 0;
    case T_SIZE:
        if (parse_size(v, &n) != 0 || n < k->min || n > k->max)
            return failf(err, errlen, name, line,
                         "%s takes a size from %llu to %llu bytes (K, M, G suffixes), not '%s'",
                         k->name, k->min, k->max, v);
        *(uint64_t *)(base + k->off) = n;
        return 0;
    case T_UINT:
    case T_PORT:
        if (parse_size(v, &n) != 0 || n < k->min || n > k->max || strpbrk(v, "kKmMgG"))
            return failf(err, errlen, name, line, "%s takes a number from %llu to %llu, not '%s'",
                         k->name, k->min, k->max, v);
        *(unsigned *)(base + k->off) = (unsigned)n;
        return 0;
    case T_TIMEOUT:
        if (strcasecmp(v, "allow") == 0)
            cfg->on_timeout = VD_TIMEOUT_ALLOW;
        else if (strcasecmp(v, "deny") == 0)
            cfg->on_timeout = VD_TIMEOUT_DENY;
        else
            return failf(err, errlen, name, line, "OnTimeout takes allow or deny, not '%s'", v);
        return 0;
    case T_LOGFMT:
        if (strcasecmp(v, "text") == 0)
            cfg->log_format = VD_LOG_TEXT;
        else if (strcasecmp(v, "json") == 0)
            cfg->log_format = VD_LOG_JSON;
        else
            return failf(err, errlen, name, line, "LogFormat takes text or json, not '%s'", v);
        return 0;
    }
    return -1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int vd_config_parse(vd_config *cfg, const char *name, const char *text, char *err, size_t errlen)
{
    char *copy = strdup(text);
    if (copy == NULL)
        return failf(err, errlen, name, 0, "out of memory");
    int rc = 0;
    unsigned line = 0;
    char *save = NULL;
    /* strtok_r would merge empty lines and shift the numbers: split by hand. */
    for (char *p = copy; p != NULL && rc == 0; p = save) {
        line++;
        char *nl = strchr(p, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        char *hash = strchr(p, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(p);
        if (*s == '\0')
            continue;
        char *v = s + strcspn(s, " \t");
        if (*v != '\0')
            *v++ = '\0';
        v = trim(v);
        const key *k = NULL;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (strcmp(keys[i].name, s) == 0)
                k = &keys[i];
        if (k == NULL) {
            rc = failf(err, errlen, name, line, "unknown option '%s'", s);
            break;
        }
        if (*v == '\0') {
            rc = failf(err, errlen, name, line, "%s needs a value", k->name);
            break;
        }
        rc = set_value(cfg, k, v, name, line, err, errlen);
    }
    free(copy);
    return rc;
}

int vd_config_load_file(vd_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(MAX_CONFIG_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_CONFIG_BYTES + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL || bad) {
        snprintf(err, errlen, "%s: cannot read", path);
        free(buf);
        return -1;
    }
    if (n > MAX_CONFIG_BYTES) {
        snprintf(err, errlen, "%s: larger than %u bytes", path, MAX_CONFIG_BYTES);
        free(buf);
        return -1;
    }
    if (memchr(buf, '\0', n) != NULL) {
        snprintf(err, errlen, "%s: holds a NUL byte: not a text file", path);
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    int rc = vd_config_parse(cfg, path, buf, err, errlen);
    free(buf);
    return rc;
}

int vd_config_check(const vd_config *cfg, char *err, size_t errlen)
{
    if (cfg->local_socket == NULL && cfg->tcp_port == 0) {
        snprintf(err, errlen,
                 "no socket configured: set LocalSocket or TCPSocket "
                 "(or --socket / --tcp)");
        return -1;
    }
    if (cfg->local_socket != NULL && strlen(cfg->local_socket) >= 100) {
        snprintf(err, errlen, "LocalSocket path is too long for a Unix socket: %s",
                 cfg->local_socket);
        return -1;
    }
    return 0;
}

int vd_config_parse_hostport(const char *s, char **addr, unsigned *port)
{
    const char *colon = strrchr(s, ':');
    const char *ps = colon ? colon + 1 : s;
    char *end;
    errno = 0;
    unsigned long p = strtoul(ps, &end, 10);
    if (*ps == '\0' || *end != '\0' || errno || p == 0 || p > 65535)
        return -1;
    if (colon != NULL) {
        size_t n = (size_t)(colon - s);
        if (n >= 2 && s[0] == '[' && s[n - 1] == ']') /* [::1]:3310 */
            s++, n -= 2;
        if (n == 0)
            return -1;
        char *a = strndup(s, n);
        if (a == NULL)
            return -1;
        free(*addr);
        *addr = a;
    }
    *port = (unsigned)p;
    return 0;
}
