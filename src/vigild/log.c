/* Structured log lines, one per event, in text or JSON:
 *
 *     2026-12-06T13:22:31.123Z info clamd.found path=/srv/a.exe sig=Eicar-Test-Signature
 *     {"time":"2026-12-06T13:22:31.123Z","level":"info","event":"clamd.found","msg":"path=..."}
 *
 * A line is formatted in full first and written with one write() under a
 * mutex, so lines from many workers never interleave. Client-supplied text
 * (paths, command names) may hold any byte: control bytes are escaped so a
 * file named "x\n... info fake" cannot forge a log line. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static vd_log_format log_format;
static bool log_verbose;
static int log_fd = 2;
static bool log_syslog;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int vdi_log_open(vd_log_format format, bool verbose, const char *file)
{
    log_format = format;
    log_verbose = verbose;
    if (file != NULL) {
        int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0)
            return -1;
        log_fd = fd;
    }
    return 0;
}

void vdi_log_use_syslog(void)
{
    if (log_fd != 2)
        return; /* a LogFile stays the log */
    openlog("vigild", LOG_PID, LOG_DAEMON);
    log_syslog = true;
}

void vdi_log_close(void)
{
    if (log_fd > 2)
        close(log_fd);
    log_fd = 2;
    if (log_syslog)
        closelog();
}

/* Appends s to buf[*len..cap) escaped: JSON string rules when json, else
 * only control bytes and backslash as \xNN. Always leaves room for '\n'. */
static void put(char *buf, size_t *len, size_t cap, const char *s, bool json)
{
    for (const unsigned char *p = (const unsigned char *)s; *p && *len + 8 < cap; p++) {
        if (json && (*p == '"' || *p == '\\')) {
            buf[(*len)++] = '\\';
            buf[(*len)++] = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            if (json)
                *len += (size_t)snprintf(buf + *len, cap - *len, "\\u%04x", *p);
            else
                *len += (size_t)snprintf(buf + *len, cap - *len, "\\x%02x", *p);
        } else {
            buf[(*len)++] = (char)*p;
        }
    }
    buf[*len] = '\0';
}

void vdi_logv(int level, const char *event, const char *fmt, va_list ap)
{
    if (level < 0)
        level = 0;
    if (level > VD_LOG_DEBUG)
        level = VD_LOG_DEBUG;
    if (level == VD_LOG_DEBUG && !log_verbose)
        return;
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40], base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when, sizeof when, "%s.%03dZ", base, (int)(ts.tv_nsec / 1000000));

    char line[4096];
    size_t len = 0;
    bool json = log_format == VD_LOG_JSON;
    if (log_syslog) {
        put(line, &len, sizeof line, event, false);
        put(line, &len, sizeof line, " ", false);
        put(line, &len, sizeof line, msg, false);
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[level], "%s", line);
        return;
    }
    if (json) {
        len = (size_t)snprintf(line, sizeof line, "{\"time\":\"%s\",\"level\":\"%s\",\"event\":\"",
                               when, level_names[level]);
        put(line, &len, sizeof line, event, true);
        put(line, &len, sizeof line, "\",\"msg\":\"", false);
        put(line, &len, sizeof line, msg, true);
        put(line, &len, sizeof line, "\"}", false);
    } else {
        len = (size_t)snprintf(line, sizeof line, "%s %s ", when, level_names[level]);
        put(line, &len, sizeof line, event, false);
        if (msg[0]) {
            put(line, &len, sizeof line, " ", false);
            put(line, &len, sizeof line, msg, false);
        }
    }
    line[len++] = '\n';
    pthread_mutex_lock(&log_lock);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(log_fd, line + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    pthread_mutex_unlock(&log_lock);
}

void vd_log(vd_daemon *d, int level, const char *event, const char *fmt, ...)
{
    (void)d;
    va_list ap;
    va_start(ap, fmt);
    vdi_logv(level, event, fmt, ap);
    va_end(ap);
}
