/* What the fmt_archive tests share: inputs built in memory with libarchive's
 * write API around one marker payload whose SHA-256 is the only signature,
 * and the checks they make. Included by exactly one test program each. */
#ifndef VGT_ARCHIVE_BUILD_H
#define VGT_ARCHIVE_BUILD_H

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "core/hash.h"
#include "core/mem.h"
#include "fmt/fmt.h"

#define PAYLOAD_LEN 544
#define SIG_NAME    "Vigil.Test.ArchivePayload"

static uint8_t payload[PAYLOAD_LEN];
static char sigs[256];

/* ---- building inputs ---- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static inline la_ssize_t buf_write(struct archive *a, void *ud, const void *data, size_t n)
{
    buf *b = ud;
    (void)a;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (p == NULL)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return (la_ssize_t)n;
}

typedef struct member {
    const char *name;
    const void *data;
    size_t len;
    uint64_t zeros; /* when data == NULL: this many zero bytes, streamed */
} member;

/* Archive of format/filter (libarchive names, filter may be NULL) holding
 * members; NULL when this libarchive cannot write that combination.
 * options: archive_write_set_options() string, or NULL. */
static inline uint8_t *build_opts(const char *format, const char *filter, const char *options,
                                  const member *m, size_t nm, size_t *len)
{
    struct archive *a = archive_write_new();
    buf b = {0};
    *len = 0;
    assert_non_null(a);
    if (archive_write_set_format_by_name(a, format) != ARCHIVE_OK ||
        (filter && archive_write_add_filter_by_name(a, filter) != ARCHIVE_OK) ||
        (options && archive_write_set_options(a, options) != ARCHIVE_OK) ||
        (options && strstr(options, "encryption") &&
         archive_write_set_passphrase(a, "secret") != ARCHIVE_OK)) {
        archive_write_free(a);
        return NULL;
    }
    archive_write_set_bytes_in_last_block(a, 1);
    assert_int_equal(archive_write_open(a, &b, NULL, buf_write, NULL), ARCHIVE_OK);
    static uint8_t zeros[1 << 20];
    for (size_t i = 0; i < nm; i++) {
        struct archive_entry *e = archive_entry_new();
        uint64_t size = m[i].data ? m[i].len : m[i].zeros;
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)size);
        archive_entry_set_mtime(e, 1700000000, 0);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (m[i].data) {
            assert_int_equal(archive_write_data(a, m[i].data, m[i].len), (la_ssize_t)m[i].len);
        } else {
            for (uint64_t done = 0; done < size;) {
                size_t n = size - done < sizeof zeros ? (size_t)(size - done) : sizeof zeros;
                assert_int_equal(archive_write_data(a, zeros, n), (la_ssize_t)n);
                done += n;
            }
        }
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    *len = b.n;
    return b.p;
}

static inline uint8_t *build(const char *format, const char *filter, const member *m, size_t nm,
                             size_t *len)
{
    return build_opts(format, filter, NULL, m, nm, len);
}

static inline uint8_t *build_one(const char *format, const char *filter, const char *name,
                                 const void *data, size_t n, size_t *len)
{
    member m = {name, data, n, 0};
    return build(format, filter, &m, 1, len);
}

/* ---- fixtures ---- */

static inline int setup_all(void **state)
{
    (void)state;
    vgt_payload(payload, sizeof payload, 0x5eed544u, SIG_NAME, sigs, sizeof sigs);
    return 0;
}

static inline vg_engine *engine_with(const vg_limits *lim)
{
    return vgt_engine_limits("t.hsb", sigs, lim);
}

/* Scans data and expects the payload found at chain. */
static inline void expect_payload(const uint8_t *data, size_t len, const char *chain)
{
    vg_engine *e = engine_with(NULL);
    vgt_events ev;
    vgt_scan_mem(e, data, len, 0, &ev);
    vgt_dump_events(&ev);
    assert_int_equal(ev.err, VG_OK);
    assert_detects(&ev, SIG_NAME);
    if (chain)
        assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), chain);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
}

/* The same with a body signature on the payload's first 32 bytes at offset
 * `at` of the member named by chain (for members that are not exactly the
 * payload); the container may match as well (ALLMATCH). */
static inline void expect_body(const uint8_t *data, size_t len, unsigned at, const char *chain)
{
    char sig[128];
    int n = snprintf(sig, sizeof sig, "Vigil.Test.Body:0:%u:", at);
    for (int i = 0; i < 32; i++)
        n += snprintf(sig + n, sizeof sig - (size_t)n, "%02x", payload[i]);
    snprintf(sig + n, sizeof sig - (size_t)n, "\n");
    vg_engine *e = vgt_engine("t.ndb", sig);
    vgt_events ev;
    vgt_scan_mem(e, data, len, VG_SCAN_ALLMATCH, &ev);
    vgt_dump_events(&ev);
    int found = 0;
    for (size_t i = 0; i < ev.n; i++)
        found |= ev.ev[i].kind == VG_EVENT_DETECTION && strcmp(ev.ev[i].chain, chain) == 0;
    assert_true(found);
    vg_engine_unref(e);
}

static inline int probe_mem(const void *data, size_t len)
{
    vg_fmap *m = NULL;
    assert_int_equal(vg_fmap_open_mem(data, len, &m), VG_OK);
    int r = vgi_format_archive.probe(m);
    vg_fmap_close(m);
    return r;
}

#endif
