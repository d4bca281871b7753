/* The transparency log's public documents (see log_doc.h). For a log of 3
 * bundles, versions 5, 6 and 9:
 *
 *     /v1/bundles/latest    {"version":9,"sha256":"..","leaf_index":2,"url":"/v1/bundles/9"}
 *     /v1/log/sth           {"tree_size":3,"root_hash":"..","timestamp":..,"signature":".."}
 *     inclusion 1 in 3      {"leaf_index":1,"tree_size":3,"path":["<leaf 0>","<leaf 2>"]}
 *     consistency 2 to 3    {"first":2,"second":3,"path":["<leaf 2>"]}
 *     entries 0..2          {"entries":[{"leaf_index":0,"entry":"vigil-bundle\n5\n..\n"},..]}
 *
 * Proofs are computed from the leaf hashes as stored, not from a cache: the
 * answer is always the proof of the tree the rows describe. */
#include "log_doc.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_log.h"

char *vs_logdoc_dump(const json_t *doc)
{
    return json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
}

static unsigned fail(unsigned status, char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static unsigned fail(unsigned status, char *msg, size_t msglen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return status;
}

static json_t *hex_string(const uint8_t *p, size_t n)
{
    char hex[129];
    vg_tlog_hex(p, n, hex);
    return json_string(hex);
}

json_t *vs_logdoc_sth_json(const vg_tlog_sth *sth)
{
    return json_pack("{s:I,s:o,s:I,s:o}", "tree_size", (json_int_t)sth->tree_size, "root_hash",
                     hex_string(sth->root.b, 32), "timestamp", (json_int_t)sth->timestamp,
                     "signature", hex_string(sth->signature, 64));
}

unsigned vs_logdoc_latest(vs_store *st, json_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    uint64_t idx, version;
    uint8_t digest[32];
    vg_error e = vs_store_log_latest(st, &idx, &version, digest);
    if (e == VG_ERR_NOT_FOUND)
        return fail(404, msg, msglen, "no bundle has been published yet");
    if (e != VG_OK)
        return fail(500, msg, msglen, "the log cannot be read: %s", vg_strerror(e));
    char url[64];
    snprintf(url, sizeof url, "/v1/bundles/%" PRIu64, version);
    *out = json_pack("{s:I,s:o,s:I,s:s}", "version", (json_int_t)version, "sha256",
                     hex_string(digest, 32), "leaf_index", (json_int_t)idx, "url", url);
    return *out ? 200 : fail(500, msg, msglen, "out of memory");
}

unsigned vs_logdoc_sth(vs_store *st, json_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    vg_tlog_sth sth;
    vg_error e = vs_store_log_sth_latest(st, &sth);
    if (e == VG_ERR_NOT_FOUND)
        return fail(404, msg, msglen, "the log is empty: no tree head is signed yet");
    if (e != VG_OK)
        return fail(500, msg, msglen, "the log cannot be read: %s", vg_strerror(e));
    *out = vs_logdoc_sth_json(&sth);
    return *out ? 200 : fail(500, msg, msglen, "out of memory");
}

static vg_error entry_row(void *ud, uint64_t idx, const char *entry, const char *leaf_hash)
{
    (void)leaf_hash;
    json_t *o = json_pack("{s:I,s:s}", "leaf_index", (json_int_t)idx, "entry", entry);
    return (o != NULL && json_array_append_new(ud, o) == 0) ? VG_OK : VG_ERR_NOMEM;
}

unsigned vs_logdoc_entries(vs_store *st, uint64_t start, uint64_t end, json_t **out, char *msg,
                           size_t msglen)
{
    *out = NULL;
    uint64_t size;
    vg_error e = vs_store_log_size(st, &size);
    if (e != VG_OK)
        return fail(500, msg, msglen, "the log cannot be read: %s", vg_strerror(e));
    if (start >= end)
        return fail(400, msg, msglen, "start must be below end");
    if (start >= size)
        return fail(400, msg, msglen, "start %" PRIu64 " is past the log's %" PRIu64 " entries",
                    start, size);
    if (end - start > VS_LOG_ENTRIES_MAX)
        end = start + VS_LOG_ENTRIES_MAX;
    if (end > size)
        end = size;
    json_t *arr = json_array();
    if (arr == NULL)
        return fail(500, msg, msglen, "out of memory");
    e = vs_store_log_each(st, start, end, entry_row, arr);
    if (e != VG_OK) {
        json_decref(arr);
        return fail(500, msg, msglen, "the log cannot be read: %s", vg_strerror(e));
    }
    *out = json_pack("{s:o}", "entries", arr);
    return *out ? 200 : fail(500, msg, msglen, "out of memory");
}

static json_t *path_json(const vg_tlog_hash *path, size_t len)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < len; i++)
        if (json_array_append_new(arr, hex_string(path[i].b, 32)) != 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

unsigned vs_logdoc_inclusion(const vg_tlog_hash *leaves, uint64_t n, uint64_t leaf_index,
                             uint64_t tree_size, json_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (tree_size == 0 || tree_size > n)
        return fail(400, msg, msglen, "tree_size must be 1..%" PRIu64, n);
    if (leaf_index >= tree_size)
        return fail(400, msg, msglen, "leaf_index must be below tree_size");
    vg_tlog_hash path[VG_TLOG_MAX_PATH];
    size_t len = 0;
    if (vg_tlog_inclusion_proof(leaves, tree_size, leaf_index, path, VG_TLOG_MAX_PATH, &len) !=
        VG_OK)
        return fail(500, msg, msglen, "the proof cannot be built");
    *out = json_pack("{s:I,s:I,s:o}", "leaf_index", (json_int_t)leaf_index, "tree_size",
                     (json_int_t)tree_size, "path", path_json(path, len));
    return *out ? 200 : fail(500, msg, msglen, "out of memory");
}

unsigned vs_logdoc_consistency(const vg_tlog_hash *leaves, uint64_t n, uint64_t first,
                               uint64_t second, json_t **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (second == 0 || second > n)
        return fail(400, msg, msglen, "second must be 1..%" PRIu64, n);
    if (first == 0 || first > second)
        return fail(400, msg, msglen, "first must be 1..second");
    vg_tlog_hash path[VG_TLOG_MAX_PATH];
    size_t len = 0;
    if (vg_tlog_consistency_proof(leaves, second, first, path, VG_TLOG_MAX_PATH, &len) != VG_OK)
        return fail(500, msg, msglen, "the proof cannot be built");
    *out = json_pack("{s:I,s:I,s:o}", "first", (json_int_t)first, "second", (json_int_t)second,
                     "path", path_json(path, len));
    return *out ? 200 : fail(500, msg, msglen, "out of memory");
}
