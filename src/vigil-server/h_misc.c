/* The small endpoints: health (no token), hash lookup and the audit log.
 *
 * Lookup takes {"sha256": [hex, ...]} (at most 1000, body at most 1 MiB)
 * and answers in request order, so a client can skip uploading what the
 * server already holds. The audit endpoint returns entries with their
 * hashes, so a saved response can be checked offline with
 * `vigil-server audit --verify --file`. */
#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <vigil/version.h>

#include "audit.h"
#include "log.h"

#define LOOKUP_MAX 1000

enum MHD_Result vs_h_health(vs_req *r)
{
    return vs_reply_json(r, MHD_HTTP_OK,
                         json_pack("{s:s,s:s,s:s}", "status", "ok", "backend",
                                   vs_store_backend(r->srv->store), "version", VG_VERSION_STRING));
}

enum MHD_Result vs_h_lookup(vs_req *r)
{
    if (r->overflow)
        return vs_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                              "the lookup body is larger than 1 MiB");
    if (r->starved)
        return vs_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                              "too many uploads in progress; retry later");
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *list = json_object_get(doc, "sha256");
    if (!json_is_array(list)) {
        json_decref(doc);
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request",
                              "expected {\"sha256\": [\"<64 hex>\", ...]}");
    }
    size_t n = json_array_size(list);
    if (n > LOOKUP_MAX) {
        json_decref(doc);
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request",
                              "at most %d hashes per lookup", LOOKUP_MAX);
    }
    char(*hex)[65] = calloc(n ? n : 1, sizeof *hex);
    const char **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    int *known = calloc(n ? n : 1, sizeof *known);
    char(*det)[128] = calloc(n ? n : 1, sizeof *det);
    enum MHD_Result ret;
    if (hex == NULL || ptrs == NULL || known == NULL || det == NULL) {
        ret = vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (!vs_parse_sha256(json_string_value(json_array_get(list, i)), hex[i])) {
            ret = vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request",
                                 "entry %zu is not 64 hex digits", i);
            goto done;
        }
        ptrs[i] = hex[i];
    }
    vg_error e = n ? vs_store_lookup(r->srv->store, ptrs, n, known, det) : VG_OK;
    if (e != VG_OK) {
        vs_log_event("error", "store-error",
                     json_pack("{s:s,s:s}", "op", "lookup", "error", vg_strerror(e)));
        ret = vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "lookup failed");
        goto done;
    }
    json_t *results = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = known[i] ? json_pack("{s:s,s:s,s:s}", "sha256", hex[i], "status", "known-bad",
                                         "detection", det[i])
                             : json_pack("{s:s,s:s}", "sha256", hex[i], "status", "unknown");
        json_array_append_new(results, o);
    }
    ret = vs_reply_json(r, MHD_HTTP_OK, json_pack("{s:o}", "results", results));
done:
    json_decref(doc);
    free(hex);
    free(ptrs);
    free(known);
    free(det);
    return ret;
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL)
        return 0;
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

enum MHD_Result vs_h_audit(vs_req *r)
{
    uint64_t after = 0, limit = 0;
    if (parse_u64(vs_query(r, "after"), &after) || parse_u64(vs_query(r, "limit"), &limit) ||
        limit > UINT32_MAX)
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request",
                              "after and limit are non-negative integers");
    json_t *entries = NULL;
    vg_error e = vs_store_audit_list(r->srv->store, after, (unsigned)limit, &entries);
    if (e != VG_OK) {
        vs_log_event("error", "store-error",
                     json_pack("{s:s,s:s}", "op", "audit-list", "error", vg_strerror(e)));
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the audit log cannot be read");
    }
    size_t n = json_array_size(entries);
    json_t *head = n ? json_incref(json_object_get(json_array_get(entries, n - 1), "hash"))
                     : (after == 0 ? json_string(VS_AUDIT_GENESIS) : json_null());
    if (head == NULL)
        head = json_null();
    return vs_reply_json(r, MHD_HTTP_OK, json_pack("{s:o,s:o}", "entries", entries, "head", head));
}
