/* Structured logs (see log.h). Each line is built in memory first and
 * written with a single fputs under a mutex: a line is either whole in the
 * log or absent, never spliced with another thread's line. */
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_json;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void vs_log_set_json(int json)
{
    log_json = json;
}

static void now_iso(char out[40])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

static void emit(const char *line)
{
    pthread_mutex_lock(&log_lock);
    fputs(line, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

/* Text form: strings bare when they hold no space or quote, otherwise
 * JSON-quoted; other values as compact JSON. */
static void append_text(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 2 > *cap) {
        size_t nc = (*cap ? *cap * 2 : 256) + n;
        char *nb = realloc(*buf, nc);
        if (nb == NULL)
            return;
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static int needs_quotes(const char *s)
{
    if (*s == '\0')
        return 1;
    for (; *s; s++)
        if (*s == ' ' || *s == '"' || *s == '=' || (unsigned char)*s < 0x21 ||
            (unsigned char)*s > 0x7e)
            return 1;
    return 0;
}

static void write_text(const char *time_s, const char *level, const char *event, json_t *fields)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    append_text(&buf, &len, &cap, time_s);
    append_text(&buf, &len, &cap, " ");
    append_text(&buf, &len, &cap, level);
    append_text(&buf, &len, &cap, " ");
    append_text(&buf, &len, &cap, event);
    const char *key;
    json_t *v;
    json_object_foreach(fields, key, v)
    {
        append_text(&buf, &len, &cap, " ");
        append_text(&buf, &len, &cap, key);
        append_text(&buf, &len, &cap, "=");
        if (json_is_string(v) && !needs_quotes(json_string_value(v))) {
            append_text(&buf, &len, &cap, json_string_value(v));
        } else {
            char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII |
                                        JSON_REAL_PRECISION(10));
            append_text(&buf, &len, &cap, t ? t : "?");
            free(t);
        }
    }
    append_text(&buf, &len, &cap, "\n");
    if (buf != NULL)
        emit(buf);
    free(buf);
}

static void write_json(const char *time_s, const char *level, const char *event, json_t *fields)
{
    json_t *o = json_object();
    if (o == NULL)
        return;
    json_object_set_new(o, "time", json_string(time_s));
    json_object_set_new(o, "level", json_string(level));
    json_object_set_new(o, "event", json_string(event));
    if (fields != NULL)
        json_object_update_missing(o, fields);
    char *t = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
                                JSON_REAL_PRECISION(10));
    json_decref(o);
    if (t == NULL)
        return;
    size_t n = strlen(t);
    char *line = malloc(n + 2);
    if (line != NULL) {
        memcpy(line, t, n);
        line[n] = '\n';
        line[n + 1] = '\0';
        emit(line);
        free(line);
    }
    free(t);
}

void vs_log_event(const char *level, const char *event, json_t *fields)
{
    char ts[40];
    now_iso(ts);
    json_t *f = fields ? fields : json_object();
    if (log_json)
        write_json(ts, level, event, f);
    else
        write_text(ts, level, event, f);
    json_decref(f);
}

void vs_log_request(const char *method, const char *path, unsigned status, uint64_t bytes,
                    double ms, const char *actor)
{
    json_t *f = json_object();
    if (f == NULL)
        return;
    json_object_set_new(f, "method", json_string(method ? method : "?"));
    json_object_set_new(f, "path", json_string(path ? path : "?"));
    json_object_set_new(f, "status", json_integer(status));
    json_object_set_new(f, "bytes", json_integer((json_int_t)bytes));
    json_object_set_new(f, "ms", json_real((double)(long long)(ms * 1000.0 + 0.5) / 1000.0));
    json_object_set_new(f, "actor", json_string(actor && *actor ? actor : "-"));
    vs_log_event(status >= 500 ? "error" : "info", "request", f);
}
