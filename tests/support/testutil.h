/* Shared helpers for the cmocka unit tests: build an engine from signature
 * text, scan a buffer, and collect the events in domain terms. */
#ifndef VG_TESTUTIL_H
#define VG_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <vigil/vigil.h>

#define VGT_MAX_EVENTS 256

typedef struct vgt_event {
    vg_event_kind kind;
    char signature[256];
    char chain[1024]; /* chain joined with "//" */
    unsigned depth;
    vg_limit_kind limit;
    vg_error error;
    uint64_t offset;
    char message[256];
} vgt_event;

typedef struct vgt_events {
    size_t n;
    vgt_event ev[VGT_MAX_EVENTS];
    vg_result result;
    vg_error err;
} vgt_events;

/* Engine from one in-memory signature file (name's extension picks the
 * format; NULL sigs = builtin EICAR only); fails the test on error. */
vg_engine *vgt_engine(const char *name, const char *sigs);
vg_engine *vgt_engine_limits(const char *name, const char *sigs, const vg_limits *lim);
/* Load result only (for must-reject tests): returns the error and fills diag. */
vg_error vgt_load(const char *name, const char *sigs, vg_diag *diag);

/* Scans data with a fresh scanner; events collected into ev. */
void vgt_scan_mem(vg_engine *e, const void *data, size_t len, unsigned flags, vgt_events *ev);
void vgt_scan_path(vg_engine *e, const char *path, unsigned flags, vgt_events *ev);

/* Index of the first detection event naming sig, or -1. */
int vgt_find_detection(const vgt_events *ev, const char *sig);
int vgt_count_kind(const vgt_events *ev, vg_event_kind kind);
int vgt_find_limit(const vgt_events *ev, vg_limit_kind kind);

/* Fills p with n pseudo-random bytes (xorshift32 from seed; 0 acts as 1). */
void vgt_fill_random(uint8_t *p, size_t n, uint32_t seed);

/* Writes the .hsb line "<sha256>:<len>:<name>\n" that detects exactly the
 * len bytes at data into line (cap bytes; fails the test if it does not fit). */
void vgt_hsb_line(const void *data, size_t len, const char *name, char *line, size_t cap);

/* Fills p with len pseudo-random bytes (vgt_fill_random from seed: the marker
 * payload the container tests hide) and writes the .hsb line
 * "<sha256>:<len>:<name>\n" that detects exactly those bytes into line. */
void vgt_payload(uint8_t *p, size_t len, uint32_t seed, const char *name, char *line, size_t cap);

/* Events of kind ERROR with this code (any code: VG_OK counts them all). */
int vgt_count_errors(const vgt_events *ev, vg_error code);
/* Chain of the first detection of sig, or "(none)". */
const char *vgt_detection_chain(const vgt_events *ev, const char *sig);
/* Prints every event (cmocka print_message), for failing tests' logs. */
void vgt_dump_events(const vgt_events *ev);

/* Domain assertions. */
#define assert_detects(ev, sig)     assert_true(vgt_find_detection((ev), (sig)) >= 0)
#define assert_not_detects(ev, sig) assert_true(vgt_find_detection((ev), (sig)) < 0)
#define assert_clean(ev)                                                                           \
    do {                                                                                           \
        assert_int_equal((ev)->result.verdict, VG_VERDICT_CLEAN);                                  \
        assert_int_equal(vgt_count_kind((ev), VG_EVENT_DETECTION), 0);                             \
    } while (0)
#define assert_incomplete(ev, lim) assert_true(vgt_find_limit((ev), (lim)) >= 0)

/* Writes data to a fresh file under VG_TEST_TMP; returns its path (static buffer per call
 * slot: copy it if you need two). */
const char *vgt_write_tmp(const char *name, const void *data, size_t len);

/* Reads a whole file into a vg_malloc'd buffer (NULL on error). */
uint8_t *vgt_read_file(const char *path, size_t *len);

#endif
