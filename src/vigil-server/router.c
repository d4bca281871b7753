/* The route table of the API (docs/server.md):
 *
 *     GET    /v1/health                      no token
 *     POST   /v1/samples                     submitter   (body: the sample)
 *     GET    /v1/samples                     analyst
 *     GET    /v1/samples/{sha256}            analyst
 *     GET    /v1/samples/{sha256}/content    analyst
 *     DELETE /v1/samples/{sha256}            admin
 *     POST   /v1/lookup                      submitter   (body: JSON)
 *     GET    /v1/audit                       analyst
 *     POST   /v1/bundles                     admin       (body: a bundle)
 *     GET    /v1/bundles/latest, /v1/bundles/{version}, /v1/log/...  no token
 *                                            (the transparency log, h_log.c)
 *
 * HEAD is answered as GET (MHD sends the headers only). A path that exists
 * with another method gets 405, anything else 404. The path kept for the
 * log is rebuilt from the route, so nothing a client typed reaches the log
 * except a validated SHA-256. */
#include "http.h"

#include <string.h>

#include "publish.h"

static const char *const route_paths[] = {
    [VS_R_NONE] = "-",
    [VS_R_HEALTH] = "/v1/health",
    [VS_R_SAMPLE_POST] = "/v1/samples",
    [VS_R_SAMPLE_LIST] = "/v1/samples",
    [VS_R_SAMPLE_GET] = "/v1/samples/",
    [VS_R_SAMPLE_CONTENT] = "/v1/samples/",
    [VS_R_SAMPLE_DELETE] = "/v1/samples/",
    [VS_R_LOOKUP] = "/v1/lookup",
    [VS_R_AUDIT] = "/v1/audit",
};

static int is_get(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

static void set_path(vs_req *r, const char *suffix)
{
    snprintf(r->path, sizeof r->path, "%s%s%s", route_paths[r->route], r->sha[0] ? r->sha : "",
             suffix);
}

unsigned vs_route(vs_req *r, const char *method, const char *url)
{
    r->route = VS_R_NONE;
    r->sha[0] = '\0';
    snprintf(r->path, sizeof r->path, "(unknown)");
    const char *m = method;
    unsigned bad = MHD_HTTP_METHOD_NOT_ALLOWED;

    if (strcmp(url, "/v1/health") == 0) {
        r->route = VS_R_HEALTH;
        set_path(r, "");
        return is_get(m) ? 0 : bad;
    }
    if (strcmp(url, "/v1/samples") == 0) {
        if (strcmp(m, "POST") == 0)
            r->route = VS_R_SAMPLE_POST;
        else
            r->route = VS_R_SAMPLE_LIST;
        set_path(r, "");
        return (strcmp(m, "POST") == 0 || is_get(m)) ? 0 : bad;
    }
    if (strcmp(url, "/v1/lookup") == 0) {
        r->route = VS_R_LOOKUP;
        set_path(r, "");
        return strcmp(m, "POST") == 0 ? 0 : bad;
    }
    if (strcmp(url, "/v1/audit") == 0) {
        r->route = VS_R_AUDIT;
        set_path(r, "");
        return is_get(m) ? 0 : bad;
    }
    unsigned log_status;
    if (vs_route_log(r, method, url, &log_status))
        return log_status;
    static const char prefix[] = "/v1/samples/";
    if (strncmp(url, prefix, sizeof prefix - 1) == 0) {
        const char *rest = url + sizeof prefix - 1;
        char hex[65];
        size_t n = strcspn(rest, "/");
        if (n != 64 || !(memcpy(hex, rest, 64), hex[64] = '\0', vs_parse_sha256(hex, r->sha)))
            return MHD_HTTP_NOT_FOUND;
        const char *tail = rest + 64;
        if (strcmp(tail, "/content") == 0) {
            r->route = VS_R_SAMPLE_CONTENT;
            set_path(r, "/content");
            return is_get(m) ? 0 : bad;
        }
        if (*tail != '\0') {
            r->sha[0] = '\0';
            return MHD_HTTP_NOT_FOUND;
        }
        r->route = strcmp(m, "DELETE") == 0 ? VS_R_SAMPLE_DELETE : VS_R_SAMPLE_GET;
        set_path(r, "");
        return (r->route == VS_R_SAMPLE_DELETE || is_get(m)) ? 0 : bad;
    }
    return MHD_HTTP_NOT_FOUND;
}

vs_role vs_route_role(vs_route_id id)
{
    switch (id) {
    case VS_R_HEALTH:
    case VS_R_BUNDLE_LATEST:
    case VS_R_BUNDLE_GET:
    case VS_R_LOG_STH:
    case VS_R_LOG_INCLUSION:
    case VS_R_LOG_CONSISTENCY:
    case VS_R_LOG_ENTRIES:
        return VS_ROLE_NONE;
    case VS_R_SAMPLE_POST:
    case VS_R_LOOKUP:
        return VS_ROLE_SUBMITTER;
    case VS_R_SAMPLE_DELETE:
    case VS_R_BUNDLE_POST:
        return VS_ROLE_ADMIN;
    default:
        return VS_ROLE_ANALYST;
    }
}

uint64_t vs_route_body_limit(const vs_req *r)
{
    switch (r->route) {
    case VS_R_SAMPLE_POST:
        return r->srv->args->max_sample;
    case VS_R_LOOKUP:
        return VS_MAX_JSON_BODY;
    case VS_R_BUNDLE_POST:
        return VS_MAX_BUNDLE;
    default:
        return 0;
    }
}

enum MHD_Result vs_dispatch(vs_req *r)
{
    switch (r->route) {
    case VS_R_HEALTH:
        return vs_h_health(r);
    case VS_R_SAMPLE_POST:
        return vs_h_sample_post(r);
    case VS_R_SAMPLE_LIST:
        return vs_h_sample_list(r);
    case VS_R_SAMPLE_GET:
        return vs_h_sample_get(r);
    case VS_R_SAMPLE_CONTENT:
        return vs_h_sample_content(r);
    case VS_R_SAMPLE_DELETE:
        return vs_h_sample_delete(r);
    case VS_R_LOOKUP:
        return vs_h_lookup(r);
    case VS_R_AUDIT:
        return vs_h_audit(r);
    case VS_R_BUNDLE_POST:
        return vs_h_bundle_post(r);
    case VS_R_BUNDLE_LATEST:
        return vs_h_bundle_latest(r);
    case VS_R_BUNDLE_GET:
        return vs_h_bundle_get(r);
    case VS_R_LOG_STH:
        return vs_h_log_sth(r);
    case VS_R_LOG_INCLUSION:
        return vs_h_log_inclusion(r);
    case VS_R_LOG_CONSISTENCY:
        return vs_h_log_consistency(r);
    case VS_R_LOG_ENTRIES:
        return vs_h_log_entries(r);
    default:
        return vs_reply_error(r, MHD_HTTP_NOT_FOUND, "not-found", "no such endpoint");
    }
}
