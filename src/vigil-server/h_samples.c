/* Sample endpoints: intake (POST /v1/samples), list, metadata, content and
 * delete.
 *
 * Intake runs in two steps. vs_h_sample_begin sees only the headers: it
 * validates the metadata and refuses an upload whose Content-Length or
 * X-Vigil-Size passes --max-sample (413) before MHD reads a byte of the
 * body, then reserves the body's memory from the in-flight budget (503 when
 * the server already holds --max-inflight bytes of uploads). The body
 * accumulates in memory only - the plaintext of a sample touches no disk
 * before the marking check passed - and vs_h_sample_post hands it to
 * vs_intake_run for the decision. */
#include "http.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

enum MHD_Result vs_h_sample_begin(vs_req *r)
{
    char err[160];
    if (vs_intake_parse_meta(vs_header(r, "X-Vigil-SHA256"), vs_header(r, "X-Vigil-Size"),
                             vs_header(r, "X-Vigil-Detection"), vs_header(r, "X-Vigil-Bundle"),
                             vs_header(r, "X-Vigil-Client"), vs_header(r, "X-Vigil-Consent"),
                             &r->meta, &r->claimed_size, err, sizeof err) != 0)
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request", "%s", err);
    snprintf(r->meta.submitter, sizeof r->meta.submitter, "%s", r->actor);
    uint64_t max = r->srv->args->max_sample;
    const char *cl = vs_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    uint64_t content_length = 0;
    int have_cl = 0;
    if (cl != NULL) {
        char *end;
        unsigned long long v = strtoull(cl, &end, 10);
        if (*cl < '0' || *cl > '9' || *end != '\0')
            return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request", "bad Content-Length");
        content_length = v;
        have_cl = 1;
    }
    if ((have_cl && content_length > max) ||
        (r->claimed_size >= 0 && (uint64_t)r->claimed_size > max))
        return vs_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                              "the sample is larger than %" PRIu64 " bytes", max);
    if (have_cl && r->claimed_size >= 0 && (uint64_t)r->claimed_size != content_length)
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request",
                              "X-Vigil-Size differs from Content-Length");
    if (have_cl && content_length == 0)
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request", "the body is empty");
    /* Known length: one allocation of exactly that. Chunked: start small
     * and grow, reserving as it grows. */
    uint64_t first = have_cl ? content_length : (max < (64u << 10) ? max : (64u << 10));
    if (vs_inflight_reserve(r, first) != 0)
        return vs_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                              "too many uploads in progress; retry later");
    r->body = malloc(first ? first : 1);
    if (r->body == NULL)
        return vs_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", "out of memory");
    r->cap = first;
    r->md = EVP_MD_CTX_new();
    if (r->md == NULL || EVP_DigestInit_ex(r->md, EVP_sha256(), NULL) != 1)
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "digest init");
    return MHD_YES;
}

static enum MHD_Result refused(vs_req *r, const vs_intake_result *res)
{
    json_t *ev = json_array();
    for (unsigned i = 0; i < res->mark.n_evidence; i++)
        json_array_append_new(ev, json_integer((json_int_t)res->mark.evidence[i]));
    if (res->outcome == VS_INTAKE_CLASSIFIED) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "classification markings found (%s%s); the sample was not stored%s",
                 res->mark.rule, res->mark.depth ? ", inside a container" : "",
                 res->purged ? " and the copy stored before was destroyed" : "");
        return vs_reply_json(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
                             json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "status", "refused", "error",
                                       "classified", "sha256", res->sha256, "rule", res->mark.rule,
                                       "evidence", ev, "message", msg));
    }
    json_decref(ev);
    const char *limit = res->mark.rule;
    char msg[256];
    snprintf(msg, sizeof msg,
             "the marking check could not read all of the sample (%s); it was not stored", limit);
    return vs_reply_json(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
                         json_pack("{s:s,s:s,s:s,s:s,s:s}", "status", "refused", "error",
                                   "unscannable", "sha256", res->sha256, "limit", limit, "message",
                                   msg));
}

enum MHD_Result vs_h_sample_post(vs_req *r)
{
    if (r->overflow)
        return vs_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                              "the sample is larger than %" PRIu64 " bytes",
                              r->srv->args->max_sample);
    if (r->starved)
        return vs_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                              "too many uploads in progress; retry later");
    unsigned char md[32];
    unsigned mdlen = 0;
    char hex[65];
    if (EVP_DigestFinal_ex(r->md, md, &mdlen) != 1 || mdlen != 32)
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "digest");
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    vs_intake_result res;
    vs_intake_run(r->srv->store, r->srv->marker, &r->meta, r->claimed_size,
                  r->srv->args->max_sample, r->body, r->len, hex, &res);
    switch (res.outcome) {
    case VS_INTAKE_STORED:
        return vs_reply_json(r, MHD_HTTP_CREATED,
                             json_pack("{s:s,s:s,s:I}", "status", "stored", "sha256", res.sha256,
                                       "size", (json_int_t)res.size));
    case VS_INTAKE_DUPLICATE:
        return vs_reply_json(r, MHD_HTTP_OK,
                             json_pack("{s:s,s:s}", "status", "duplicate", "sha256", res.sha256));
    case VS_INTAKE_CLASSIFIED:
    case VS_INTAKE_UNSCANNABLE:
        return refused(r, &res);
    case VS_INTAKE_HASH_MISMATCH:
        return vs_reply_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "hash-mismatch",
                              "the body's SHA-256 is %s, not the one in X-Vigil-SHA256",
                              res.sha256);
    case VS_INTAKE_BAD_SIZE:
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request",
                              r->len == 0 ? "the body is empty"
                                          : "X-Vigil-Size differs from the body's length");
    case VS_INTAKE_TOO_LARGE:
        return vs_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                              "the sample is larger than %" PRIu64 " bytes",
                              r->srv->args->max_sample);
    case VS_INTAKE_FAILED:
    default:
        if (res.err == VG_ERR_NOSPACE)
            return vs_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                  "the server's disk is full; nothing was stored");
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the sample could not be stored (%s)", vg_strerror(res.err));
    }
}

static int parse_i64(const char *s, int64_t *out)
{
    if (s == NULL)
        return 0;
    char *end;
    if (*s == '\0')
        return -1;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0' || v < 0)
        return -1;
    *out = v;
    return 0;
}

static int printable_arg(const char *s)
{
    if (s == NULL)
        return 1;
    if (strlen(s) > 127)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

enum MHD_Result vs_h_sample_list(vs_req *r)
{
    vs_filter f = {0};
    f.detection = vs_query(r, "detection");
    f.client = vs_query(r, "client");
    if (f.detection && !*f.detection)
        f.detection = NULL;
    if (f.client && !*f.client)
        f.client = NULL;
    int64_t since = 0, until = 0, limit = 100, offset = 0;
    if (!printable_arg(f.detection) || !printable_arg(f.client) ||
        parse_i64(vs_query(r, "since"), &since) || parse_i64(vs_query(r, "until"), &until) ||
        parse_i64(vs_query(r, "limit"), &limit) || parse_i64(vs_query(r, "offset"), &offset) ||
        offset > UINT32_MAX)
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request",
                              "since, until, limit and offset are non-negative integers; "
                              "detection and client printable ASCII");
    f.since = since;
    f.until = until;
    f.limit = limit == 0 ? 100 : (limit > 1000 ? 1000 : (unsigned)limit);
    f.offset = (unsigned)offset;
    json_t *arr = NULL;
    vg_error e = vs_store_list(r->srv->store, &f, &arr);
    if (e != VG_OK) {
        vs_log_event("error", "store-error",
                     json_pack("{s:s,s:s}", "op", "list", "error", vg_strerror(e)));
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the sample list cannot be read");
    }
    return vs_reply_json(r, MHD_HTTP_OK, json_pack("{s:o}", "samples", arr));
}

enum MHD_Result vs_h_sample_get(vs_req *r)
{
    vs_sample s;
    vg_error e = vs_store_get_sample(r->srv->store, r->sha, &s);
    if (e == VG_ERR_NOT_FOUND)
        return vs_reply_error(r, MHD_HTTP_NOT_FOUND, "not-found", "no such sample");
    if (e != VG_OK)
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "%s", vg_strerror(e));
    return vs_reply_json(r, MHD_HTTP_OK, vs_sample_json(&s));
}

enum MHD_Result vs_h_sample_content(vs_req *r)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    /* The store commits the "read" audit entry before it returns the bytes;
     * if the entry cannot be written, there are no bytes. */
    vg_error e = vs_store_read_content(r->srv->store, r->sha, r->actor, &buf, &len);
    if (e == VG_ERR_NOT_FOUND)
        return vs_reply_error(r, MHD_HTTP_NOT_FOUND, "not-found", "no such sample");
    if (e != VG_OK) {
        vs_log_event("error", "store-error",
                     json_pack("{s:s,s:s,s:s}", "op", "read-content", "sha256", r->sha, "error",
                               vg_strerror(e)));
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the sample cannot be read (%s)", vg_strerror(e));
    }
    return vs_reply_bytes(r, MHD_HTTP_OK, buf, len, vs_store_content_free);
}

enum MHD_Result vs_h_sample_delete(vs_req *r)
{
    vg_error e = vs_store_delete_sample(r->srv->store, r->sha, "delete", r->actor, NULL);
    if (e == VG_ERR_NOT_FOUND)
        return vs_reply_error(r, MHD_HTTP_NOT_FOUND, "not-found", "no such sample");
    if (e != VG_OK) {
        vs_log_event(
            "error", "store-error",
            json_pack("{s:s,s:s,s:s}", "op", "delete", "sha256", r->sha, "error", vg_strerror(e)));
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the sample could not be deleted (%s)", vg_strerror(e));
    }
    return vs_reply_json(r, MHD_HTTP_OK,
                         json_pack("{s:s,s:s}", "status", "deleted", "sha256", r->sha));
}
