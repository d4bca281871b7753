/* The HTTP side of vigil-server: the daemon (libmicrohttpd), the state of
 * one request, and the helpers every handler answers with.
 *
 * A request's life: MHD calls the access handler first with the headers
 * only. The router names the route, auth.c checks the token and role, and
 * for routes without a body the handler answers at once. Routes with a body
 * (sample upload, lookup) check their headers and Content-Length on that
 * first call, so an oversize or unauthenticated upload is refused before a
 * byte of it is read; the body then arrives in chunks into memory bounded by
 * the route's limit and the server-wide in-flight budget, and the handler
 * runs on the last call. The completion callback logs the request and frees
 * (after wiping) whatever it held. */
#ifndef VIGIL_SERVER_HTTP_H
#define VIGIL_SERVER_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdint.h>

#include "args.h"
#include "intake.h"
#include "store.h"

typedef struct vs_server {
    const vs_args *args;
    vs_store *store;
    vs_marker *marker;
    struct MHD_Daemon *daemon;
    _Atomic uint64_t inflight_bytes; /* upload memory reserved by all requests */
    _Atomic unsigned active;         /* requests between first call and completion */
    struct vs_publisher *publisher;  /* publish.h; NULL without --bundle-pubkey */
} vs_server;

typedef enum vs_route_id {
    VS_R_NONE = 0,
    VS_R_HEALTH,
    VS_R_SAMPLE_POST,
    VS_R_SAMPLE_LIST,
    VS_R_SAMPLE_GET,
    VS_R_SAMPLE_CONTENT,
    VS_R_SAMPLE_DELETE,
    VS_R_LOOKUP,
    VS_R_AUDIT,
    /* the transparency log (h_log.c) */
    VS_R_BUNDLE_POST,
    VS_R_BUNDLE_LATEST,
    VS_R_BUNDLE_GET,
    VS_R_LOG_STH,
    VS_R_LOG_INCLUSION,
    VS_R_LOG_CONSISTENCY,
    VS_R_LOG_ENTRIES,
} vs_route_id;

typedef struct vs_req {
    vs_server *srv;
    struct MHD_Connection *conn;
    char method[12];
    char path[160]; /* for the log: a route and at most a SHA-256, never a query */
    vs_route_id route;
    char sha[65];     /* the {sha256} of the path, lowercase */
    uint64_t version; /* the {version} of /v1/bundles/{version} */
    double t0_ms;
    char actor[64]; /* token name once authenticated */
    vs_role role;
    int queued; /* a response is queued */
    unsigned status;
    uint64_t resp_bytes;
    /* body */
    uint8_t *body;
    size_t len, cap;
    uint64_t limit;     /* route's body limit */
    uint64_t reserved;  /* bytes of srv->inflight_bytes held */
    int overflow;       /* more than limit arrived */
    int starved;        /* in-flight budget exhausted mid-body */
    uint64_t discarded; /* bytes read and dropped after overflow/starved */
    EVP_MD_CTX *md;     /* SHA-256 of the body as it arrives (uploads) */
    /* upload metadata, parsed from the headers on the first call */
    vs_sample meta;
    int64_t claimed_size; /* X-Vigil-Size, -1 if absent */
} vs_req;

/* Runs the server until SIGTERM/SIGINT; returns the exit code. */
int vs_serve(const vs_args *args);

/* ---- responses (json_io.c); each returns what MHD's handler should ---- */

/* body is stolen. */
enum MHD_Result vs_reply_json(vs_req *r, unsigned status, json_t *body);
/* {"error": code, "message": ...} */
enum MHD_Result vs_reply_error(vs_req *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* buf (len bytes) is taken: wiped and freed with free_fn after sending. */
enum MHD_Result vs_reply_bytes(vs_req *r, unsigned status, uint8_t *buf, size_t len,
                               void (*free_fn)(void *));
/* JSON object of a stored sample, as GET /v1/samples/{sha256} returns it. */
json_t *vs_sample_json(const vs_sample *s);
/* Sends size bytes of fd (taken: closed after sending) as ctype. */
enum MHD_Result vs_reply_fd(vs_req *r, unsigned status, int fd, uint64_t size, const char *ctype);
/* A request header, or NULL. */
const char *vs_header(vs_req *r, const char *name);
/* A query argument, or NULL. */
const char *vs_query(vs_req *r, const char *name);
/* 1 when s is 64 hex digits; out (65 bytes) gets it in lowercase. */
int vs_parse_sha256(const char *s, char out[65]);

/* ---- routing and auth (router.c, auth.c) ---- */

/* Names the route of method+url in r (route, sha, path). 0 when found,
 * else the HTTP status to answer: 404 no such path, 405 wrong method. */
unsigned vs_route(vs_req *r, const char *method, const char *url);
vs_role vs_route_role(vs_route_id id);         /* VS_ROLE_NONE: no token needed */
uint64_t vs_route_body_limit(const vs_req *r); /* 0: the route takes no body */
/* The routes of the transparency log (h_log.c): 1 when url is one of them
 * (*status: 0, 404 or 405, as vs_route), else 0. */
int vs_route_log(vs_req *r, const char *method, const char *url, unsigned *status);
/* Runs a route's handler (the whole request for routes without a body). */
enum MHD_Result vs_dispatch(vs_req *r);
/* Checks the Bearer token against need. 0 when allowed (r->actor, r->role
 * set); otherwise a 401/403 is queued and -1 returned. */
int vs_auth(vs_req *r, vs_role need);

/* ---- handlers (h_samples.c, h_misc.c) ---- */
enum MHD_Result vs_h_sample_begin(vs_req *r); /* first call: headers only */
enum MHD_Result vs_h_sample_post(vs_req *r);  /* after the whole body */
enum MHD_Result vs_h_sample_list(vs_req *r);
enum MHD_Result vs_h_sample_get(vs_req *r);
enum MHD_Result vs_h_sample_content(vs_req *r);
enum MHD_Result vs_h_sample_delete(vs_req *r);
enum MHD_Result vs_h_health(vs_req *r);
enum MHD_Result vs_h_lookup(vs_req *r);
enum MHD_Result vs_h_audit(vs_req *r);
/* h_log.c */
enum MHD_Result vs_h_bundle_post(vs_req *r); /* after the whole body */
enum MHD_Result vs_h_bundle_latest(vs_req *r);
enum MHD_Result vs_h_bundle_get(vs_req *r);
enum MHD_Result vs_h_log_sth(vs_req *r);
enum MHD_Result vs_h_log_inclusion(vs_req *r);
enum MHD_Result vs_h_log_consistency(vs_req *r);
enum MHD_Result vs_h_log_entries(vs_req *r);

/* Reserves n more bytes of the in-flight upload budget; 0, or -1 if it
 * would pass --max-inflight (nothing reserved then). */
int vs_inflight_reserve(vs_req *r, uint64_t n);

#endif
