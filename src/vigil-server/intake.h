/* Intake: the decision on an uploaded sample, independent of HTTP so it can
 * be tested on generated inputs.
 *
 *     vs_marker *m;                       one engine, no signatures, shared
 *     vs_marker_new(max_sample, &m, err, sizeof err);
 *     vs_intake_result res;
 *     vs_intake_run(store, m, &meta, claimed_size, max_sample, body, len, NULL, &res);
 *     switch (res.outcome) { case VS_INTAKE_STORED: ... }
 *
 * Order: size and hash first (cheap, and a body that is not what the client
 * claims is not judged further), then the marking check on the bytes in
 * memory - the top level and every member of every container the engine
 * opens - and only a sample that passed it whole reaches the store, which
 * writes it sealed. A hit leaves a tombstone in the audit log (sha256, size,
 * rule, evidence offsets: no content, no file or member name) and nothing
 * else; a check cut short by a limit or an unreadable part is refused too
 * (P6: what was not checked is not kept). */
#ifndef VIGIL_SERVER_INTAKE_H
#define VIGIL_SERVER_INTAKE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#include "store.h"

typedef struct vs_marker vs_marker;

/* The marking checker: an engine without signatures whose limits admit a
 * sample of max_sample bytes, and a pool of scanners (one per concurrent
 * check). Thread-safe. */
vg_error vs_marker_new(uint64_t max_sample, vs_marker **out, char *err, size_t errlen);
void vs_marker_free(vs_marker *m);

typedef enum vs_mark_status {
    VS_MARK_CLEAN = 0,
    VS_MARK_CLASSIFIED,  /* the detector fired, at any depth */
    VS_MARK_UNSCANNABLE, /* a limit or an unreadable part left the check incomplete */
    VS_MARK_FAILED,      /* the scan itself failed (out of memory) */
} vs_mark_status;

typedef struct vs_mark_result {
    vs_mark_status status;
    /* CLASSIFIED: the detector's rule ("us-banner", ...). UNSCANNABLE:
     * "limit:<name>" (vg_limit_name) or "error:<format>". */
    char rule[64];
    unsigned depth; /* 0: the sample itself; n: a member n containers deep */
    unsigned n_evidence;
    uint64_t evidence[VG_MARK_MAX_EVIDENCE]; /* offsets in the object that carried it */
    vg_error err;                            /* FAILED */
} vs_mark_result;

vg_error vs_marker_check(vs_marker *m, const uint8_t *buf, size_t len, vs_mark_result *out);

/* Upload metadata from the request headers (NULL = header absent) into meta
 * (sha256, detection, bundle, client, consent) and *claimed_size (-1 when
 * absent). 0, or -1 with a one-line reason for a 400 in err. */
int vs_intake_parse_meta(const char *sha256, const char *size, const char *detection,
                         const char *bundle, const char *client, const char *consent,
                         vs_sample *meta, int64_t *claimed_size, char *err, size_t errlen);

typedef enum vs_intake_outcome {
    VS_INTAKE_STORED = 0,    /* 201 */
    VS_INTAKE_DUPLICATE,     /* 200 */
    VS_INTAKE_CLASSIFIED,    /* 422 classified, tombstone written */
    VS_INTAKE_UNSCANNABLE,   /* 422 unscannable, "refused" entry written */
    VS_INTAKE_HASH_MISMATCH, /* 422 */
    VS_INTAKE_BAD_SIZE,      /* 400: X-Vigil-Size differs from the body, or empty body */
    VS_INTAKE_TOO_LARGE,     /* 413 */
    VS_INTAKE_FAILED,        /* 500/503: the check or the store failed (err) */
} vs_intake_outcome;

typedef struct vs_intake_result {
    vs_intake_outcome outcome;
    char sha256[65]; /* computed */
    uint64_t size;
    vs_mark_result mark;
    int purged;   /* CLASSIFIED/UNSCANNABLE: a stored copy was destroyed too */
    vg_error err; /* FAILED: the store's or the scan's error */
} vs_intake_result;

/* Decides on body[0..len) uploaded by meta->submitter with meta's claimed
 * sha256. sha_actual: the SHA-256 computed while receiving, or NULL to
 * compute it here. On STORED/DUPLICATE the sample is in the store; on any
 * other outcome nothing of it is. */
void vs_intake_run(vs_store *st, vs_marker *m, const vs_sample *meta, int64_t claimed_size,
                   uint64_t max_sample, const uint8_t *body, size_t len, const char *sha_actual,
                   vs_intake_result *out);

/* The audit fields of a refusal: {"kind":"tombstone"|"refused", "actor",
 * "sha256", "size", "rule", "evidence"}. New reference. */
json_t *vs_intake_tombstone(const vs_mark_result *mr, const char *sha256, uint64_t size,
                            const char *actor);

/* SHA-256 of buf as lowercase hex. */
void vs_sha256_hex(const uint8_t *buf, size_t len, char out[65]);

#endif
