/* The transparency log over HTTP (docs/server.md, "Transparency log"):
 *
 *     POST /v1/bundles                                      admin: publish a bundle
 *     GET  /v1/bundles/latest                               the newest bundle's leaf
 *     GET  /v1/bundles/{version}                            the bundle file
 *     GET  /v1/log/sth                                      the latest signed tree head
 *     GET  /v1/log/proof/inclusion?leaf_index=I&tree_size=N
 *     GET  /v1/log/proof/consistency?first=M&second=N
 *     GET  /v1/log/entries?start=S&end=E                    E exclusive, <= 1000 at once
 *
 * The GETs need no token: the log is public, and a client must be able to
 * check it without being known to the server. The documents themselves are
 * built in log_doc.c, shared with `log export`. A publish answers 422 for a
 * bundle that does not parse (malformed-bundle) or whose signature does not
 * verify with the vendor key (bad-signature), 409 (not-newer) for a version
 * at or below the latest, 503 when the server has no vendor key. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "log_doc.h"
#include "publish.h"
#include "store_log.h"

/* ---- routing ---- */

static int is_get(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/* A decimal without sign or leading zeros, up to UINT64_MAX. */
static int parse_dec(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int vs_route_log(vs_req *r, const char *method, const char *url, unsigned *status)
{
    static const struct {
        const char *path;
        vs_route_id id;
    } fixed[] = {
        {"/v1/bundles/latest", VS_R_BUNDLE_LATEST},
        {"/v1/log/sth", VS_R_LOG_STH},
        {"/v1/log/proof/inclusion", VS_R_LOG_INCLUSION},
        {"/v1/log/proof/consistency", VS_R_LOG_CONSISTENCY},
        {"/v1/log/entries", VS_R_LOG_ENTRIES},
    };
    *status = MHD_HTTP_METHOD_NOT_ALLOWED;
    if (strcmp(url, "/v1/bundles") == 0) {
        r->route = VS_R_BUNDLE_POST;
        snprintf(r->path, sizeof r->path, "/v1/bundles");
        if (strcmp(method, "POST") == 0)
            *status = 0;
        return 1;
    }
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strcmp(url, fixed[i].path) == 0) {
            r->route = fixed[i].id;
            snprintf(r->path, sizeof r->path, "%s", fixed[i].path);
            if (is_get(method))
                *status = 0;
            return 1;
        }
    static const char prefix[] = "/v1/bundles/";
    if (strncmp(url, prefix, sizeof prefix - 1) == 0) {
        if (parse_dec(url + sizeof prefix - 1, &r->version) != 0) {
            *status = MHD_HTTP_NOT_FOUND;
            return 1;
        }
        r->route = VS_R_BUNDLE_GET;
        snprintf(r->path, sizeof r->path, "/v1/bundles/%" PRIu64, r->version);
        if (is_get(method))
            *status = 0;
        return 1;
    }
    return 0;
}

/* ---- answers ---- */

static const char *code_of(unsigned status)
{
    switch (status) {
    case 400:
        return "bad-request";
    case 404:
        return "not-found";
    default:
        return "internal";
    }
}

static enum MHD_Result answer_doc(vs_req *r, unsigned status, json_t *doc, const char *msg)
{
    if (status == MHD_HTTP_OK)
        return vs_reply_json(r, status, doc);
    if (status >= 500)
        vs_log_event("error", "store-error",
                     json_pack("{s:s,s:s}", "op", "log-read", "error", msg));
    return vs_reply_error(r, status, code_of(status), "%s", msg);
}

/* A required non-negative integer query argument. */
static int query_u64(vs_req *r, const char *name, uint64_t *out)
{
    return parse_dec(vs_query(r, name), out);
}

enum MHD_Result vs_h_bundle_post(vs_req *r)
{
    if (r->overflow)
        return vs_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                              "a bundle is at most %llu bytes", (unsigned long long)r->limit);
    if (r->starved)
        return vs_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                              "too many uploads in progress; retry later");
    if (r->len == 0)
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request", "the body is empty");
    vs_publish_result res;
    char err[512] = "";
    vg_error e = vs_publish(r->srv->publisher, r->srv->store, r->body, r->len, r->actor, &res, err,
                            sizeof err);
    switch (e) {
    case VG_OK:
        break;
    case VG_ERR_MALFORMED:
        return vs_reply_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "malformed-bundle", "%s", err);
    case VG_ERR_CRYPTO:
        return vs_reply_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "bad-signature", "%s", err);
    case VG_ERR_EXISTS:
        return vs_reply_error(r, MHD_HTTP_CONFLICT, "not-newer", "%s", err);
    case VG_ERR_UNSUPPORTED:
    case VG_ERR_NOSPACE:
        return vs_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", "%s", err);
    default:
        vs_log_event("error", "store-error",
                     json_pack("{s:s,s:s}", "op", "publish", "error", vg_strerror(e)));
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "%s", err);
    }
    char hex[65];
    vg_tlog_hex(res.digest, 32, hex);
    vs_log_event("info", "published",
                 json_pack("{s:I,s:s,s:I,s:I,s:s}", "version", (json_int_t)res.version, "sha256",
                           hex, "leaf_index", (json_int_t)res.leaf_index, "tree_size",
                           (json_int_t)res.sth.tree_size, "actor", r->actor));
    return vs_reply_json(r, MHD_HTTP_CREATED,
                         json_pack("{s:I,s:s,s:I,s:o}", "version", (json_int_t)res.version,
                                   "sha256", hex, "leaf_index", (json_int_t)res.leaf_index, "sth",
                                   vs_logdoc_sth_json(&res.sth)));
}

enum MHD_Result vs_h_bundle_latest(vs_req *r)
{
    json_t *doc;
    char msg[256];
    unsigned st = vs_logdoc_latest(r->srv->store, &doc, msg, sizeof msg);
    return answer_doc(r, st, doc, msg);
}

enum MHD_Result vs_h_bundle_get(vs_req *r)
{
    uint64_t idx;
    uint8_t digest[32];
    vg_error e = vs_store_log_find(r->srv->store, r->version, &idx, digest);
    if (e == VG_ERR_NOT_FOUND)
        return vs_reply_error(r, MHD_HTTP_NOT_FOUND, "not-found",
                              "version %" PRIu64 " is not in the log", r->version);
    if (e != VG_OK)
        return answer_doc(r, 500, NULL, "the log cannot be read");
    char path[4200];
    vs_bundle_path(r->srv->args->data_dir, r->version, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        vs_log_event("error", "bundle-missing",
                     json_pack("{s:I}", "version", (json_int_t)r->version));
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the file of version %" PRIu64 " is missing on this server",
                              r->version);
    }
    return vs_reply_fd(r, MHD_HTTP_OK, fd, (uint64_t)st.st_size, "application/octet-stream");
}

enum MHD_Result vs_h_log_sth(vs_req *r)
{
    json_t *doc;
    char msg[256];
    unsigned st = vs_logdoc_sth(r->srv->store, &doc, msg, sizeof msg);
    return answer_doc(r, st, doc, msg);
}

/* Proofs need every leaf hash: read them, then build from them. */
static enum MHD_Result proof(vs_req *r, int inclusion, uint64_t a, uint64_t b)
{
    vg_tlog_hash *leaves = NULL;
    uint64_t n = 0;
    vg_error e = vs_store_log_hashes(r->srv->store, &leaves, &n);
    if (e != VG_OK)
        return answer_doc(r, 500, NULL, "the log cannot be read");
    json_t *doc;
    char msg[256];
    unsigned st = inclusion ? vs_logdoc_inclusion(leaves, n, a, b, &doc, msg, sizeof msg)
                            : vs_logdoc_consistency(leaves, n, a, b, &doc, msg, sizeof msg);
    free(leaves);
    return answer_doc(r, st, doc, msg);
}

enum MHD_Result vs_h_log_inclusion(vs_req *r)
{
    uint64_t i, n;
    if (query_u64(r, "leaf_index", &i) != 0 || query_u64(r, "tree_size", &n) != 0)
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request",
                              "leaf_index and tree_size are required non-negative integers");
    return proof(r, 1, i, n);
}

enum MHD_Result vs_h_log_consistency(vs_req *r)
{
    uint64_t m, n;
    if (query_u64(r, "first", &m) != 0 || query_u64(r, "second", &n) != 0)
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request",
                              "first and second are required non-negative integers");
    return proof(r, 0, m, n);
}

enum MHD_Result vs_h_log_entries(vs_req *r)
{
    uint64_t s, e;
    if (query_u64(r, "start", &s) != 0 || query_u64(r, "end", &e) != 0)
        return vs_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad-request",
                              "start and end are required non-negative integers");
    json_t *doc;
    char msg[256];
    unsigned st = vs_logdoc_entries(r->srv->store, s, e, &doc, msg, sizeof msg);
    return answer_doc(r, st, doc, msg);
}
