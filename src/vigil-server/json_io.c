/* Responses and small request helpers shared by the handlers: every error
 * is {"error": code, "message": one line} as application/json, every
 * success a JSON object, except sample content, which goes out as the bytes
 * themselves and is wiped from memory once MHD is done with it. */
#include "http.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum MHD_Result queue(vs_req *r, unsigned status, struct MHD_Response *resp,
                             const char *ctype, size_t len)
{
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        const char *allow = "GET";
        switch (r->route) {
        case VS_R_SAMPLE_LIST:
            allow = "GET, POST";
            break;
        case VS_R_SAMPLE_GET:
            allow = "GET, DELETE";
            break;
        case VS_R_LOOKUP:
        case VS_R_BUNDLE_POST:
            allow = "POST";
            break;
        default:
            break;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    }
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    if (ret == MHD_YES) {
        r->queued = 1;
        r->status = status;
        r->resp_bytes = len;
    }
    return ret;
}

enum MHD_Result vs_reply_json(vs_req *r, unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(body);
    if (text == NULL)
        return MHD_NO;
    size_t len = strlen(text);
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(len, text, free);
    if (resp == NULL)
        free(text);
    return queue(r, status, resp, "application/json", len);
}

enum MHD_Result vs_reply_error(vs_req *r, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vs_reply_json(r, status, json_pack("{s:s,s:s}", "error", code, "message", msg));
}

/* Content is handed to MHD with its length; the wipe needs the length
 * again, so the buffer travels with a small header. */
typedef struct owned_buf {
    uint8_t *p;
    size_t len;
    void (*free_fn)(void *);
} owned_buf;

static void owned_free(void *cls)
{
    owned_buf *o = cls;
    explicit_bzero(o->p, o->len);
    o->free_fn(o->p);
    free(o);
}

enum MHD_Result vs_reply_bytes(vs_req *r, unsigned status, uint8_t *buf, size_t len,
                               void (*free_fn)(void *))
{
    owned_buf *o = malloc(sizeof *o);
    if (o == NULL) {
        explicit_bzero(buf, len);
        free_fn(buf);
        return vs_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory");
    }
    *o = (owned_buf){buf, len, free_fn};
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback_cls(len, buf, owned_free, o);
    if (resp == NULL) {
        owned_free(o);
        return MHD_NO;
    }
    return queue(r, status, resp, "application/octet-stream", len);
}

json_t *vs_sample_json(const vs_sample *s)
{
    return json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:I}", "sha256", s->sha256, "size",
                     (json_int_t)s->size, "detection", s->detection, "bundle", s->bundle, "client",
                     s->client, "consent", s->consent, "submitter", s->submitter, "received",
                     (json_int_t)s->received);
}

enum MHD_Result vs_reply_fd(vs_req *r, unsigned status, int fd, uint64_t size, const char *ctype)
{
    struct MHD_Response *resp = MHD_create_response_from_fd64(size, fd);
    if (resp == NULL) {
        close(fd);
        return MHD_NO;
    }
    return queue(r, status, resp, ctype, (size_t)size);
}

const char *vs_header(vs_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *vs_query(vs_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int vs_parse_sha256(const char *s, char out[65])
{
    if (s == NULL)
        return 0;
    for (int i = 0; i < 64; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return 0;
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    if (s[64] != '\0')
        return 0;
    out[64] = '\0';
    return 1;
}
