/* Structured logs of vigil-server on stderr: one line per request and one
 * per event, as text ("2024-05-01T12:00:00Z info request method=GET ...")
 * or, with --log-format json, one JSON object per line ("time", "level",
 * "event", then the fields).
 *
 *     vs_log_event("info", "start", json_pack("{s:s}", "listen", addr));
 *
 * What never goes into a log: sample content, file or member names inside
 * a sample, tokens, query strings. Request paths here hold only route names
 * and SHA-256s. Lines are written with one fputs under a lock, so lines from
 * several threads never interleave. */
#ifndef VIGIL_SERVER_LOG_H
#define VIGIL_SERVER_LOG_H

#include <jansson.h>
#include <stdint.h>

void vs_log_set_json(int json);

/* level: "info", "warn", "error". fields (may be NULL) is stolen. */
void vs_log_event(const char *level, const char *event, json_t *fields);

/* The one line per request. actor may be NULL or "" (unauthenticated). */
void vs_log_request(const char *method, const char *path, unsigned status, uint64_t bytes,
                    double ms, const char *actor);

#endif
