/* The client side of docs/server.md, through libcurl: exactly two requests.
 *
 *     POST /v1/lookup    {"sha256":["<hex>"]}                  -> known-bad | unknown
 *     POST /v1/samples   the object's bytes, X-Vigil-* headers -> 201 | 200 | 422
 *
 * Nothing else is ever added: no cookies, no proxy-detected extras beyond
 * what libcurl's environment (http_proxy ...) asks for, a fixed User-Agent
 * "vigil/<version>". Failures are sorted by what the caller should do:
 * no connection, a timeout or a 5xx means "try again later" (queue); a 4xx
 * means retrying would not help (bad token, refused), and is reported. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <vigil/version.h>

#include "submit_int.h"

#define MAX_ANSWER (1u << 20)

struct http_ctx {
    CURL *curl;
    char *base; /* without a trailing slash */
    char auth[600];
    char client[64];
    long timeout_s;
};

typedef struct body {
    char *p;
    size_t n;
    int too_big;
} body;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    body *b = ud;
    size_t n = size * nmemb;
    if (b->n + n > MAX_ANSWER) {
        b->too_big = 1;
        return 0;
    }
    char *np = realloc(b->p, b->n + n + 1);
    if (np == NULL)
        return 0;
    memcpy(np + b->n, ptr, n);
    b->p = np;
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

http_ctx *http_new(const submit_opts *o, const char *client_id)
{
    static int global_done;
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
            return NULL;
        global_done = 1;
    }
    http_ctx *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->curl = curl_easy_init();
    h->base = strdup(o->server ? o->server : "");
    if (h->curl == NULL || h->base == NULL) {
        http_free(h);
        return NULL;
    }
    size_t n = strlen(h->base);
    while (n > 0 && h->base[n - 1] == '/')
        h->base[--n] = '\0';
    if (o->token != NULL && o->token[0] != '\0')
        snprintf(h->auth, sizeof h->auth, "Authorization: Bearer %s", o->token);
    snprintf(h->client, sizeof h->client, "X-Vigil-Client: %s", client_id);
    h->timeout_s = o->timeout_s > 0 ? o->timeout_s : 60;
    return h;
}

void http_free(http_ctx *h)
{
    if (h == NULL)
        return;
    if (h->curl != NULL)
        curl_easy_cleanup(h->curl);
    free(h->base);
    free(h);
}

static void copy_str(json_t *o, const char *key, char *dst, size_t cap)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (v != NULL)
        snprintf(dst, cap, "%s", v);
}

/* One request; fills a->code and parses a JSON answer's common members. */
static http_outcome perform(http_ctx *h, const char *path, struct curl_slist *hdrs,
                            const void *data, size_t n, http_answer *a, json_t **json)
{
    memset(a, 0, sizeof *a);
    *json = NULL;
    char url[4200];
    snprintf(url, sizeof url, "%s%s", h->base, path);
    body b = {0};
    CURL *c = h->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigil/" VG_VERSION_STRING);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->timeout_s < 15 ? h->timeout_s : 15L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, h->timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect never moves a sample */
    CURLcode rc = curl_easy_perform(c);
    http_outcome out;
    if (rc != CURLE_OK) {
        snprintf(a->message, sizeof a->message, "%s", curl_easy_strerror(rc));
        out = rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT ? HTTP_FAILED
                                                                            : HTTP_UNAVAILABLE;
        goto done;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->code);
    json_t *j = b.p != NULL ? json_loadb(b.p, b.n, 0, NULL) : NULL;
    if (json_is_object(j)) {
        copy_str(j, "status", a->status, sizeof a->status);
        copy_str(j, "rule", a->rule, sizeof a->rule);
        copy_str(j, "message", a->message, sizeof a->message);
        if (a->message[0] == '\0')
            copy_str(j, "error", a->message, sizeof a->message);
    }
    *json = j;
    if (a->code >= 500 || a->code == 429 || a->code == 408) {
        if (a->message[0] == '\0')
            snprintf(a->message, sizeof a->message, "HTTP %ld", a->code);
        out = HTTP_UNAVAILABLE;
    } else if (a->code >= 200 && a->code < 300) {
        out = HTTP_DONE;
    } else if (a->code == 422) {
        out = HTTP_DONE; /* refused on content: an answer, not a failure */
    } else {
        char tmp[sizeof a->message];
        memcpy(tmp, a->message, sizeof tmp);
        int w = snprintf(a->message, sizeof a->message, "HTTP %ld%s", a->code, tmp[0] ? ": " : "");
        if (w > 0 && (size_t)w < sizeof a->message)
            memcpy(a->message + w, tmp, strnlen(tmp, sizeof a->message - (size_t)w - 1) + 1);
        a->message[sizeof a->message - 1] = '\0';
        out = HTTP_FAILED;
    }
done:
    free(b.p);
    return out;
}

static struct curl_slist *common_headers(http_ctx *h, const char *content_type)
{
    struct curl_slist *l = NULL;
    l = curl_slist_append(l, content_type);
    if (h->auth[0])
        l = curl_slist_append(l, h->auth);
    l = curl_slist_append(l, "Expect:"); /* no 100-continue round trip */
    return l;
}

http_outcome http_lookup(http_ctx *h, const char *sha256, http_answer *a)
{
    char req[100];
    snprintf(req, sizeof req, "{\"sha256\":[\"%s\"]}", sha256);
    struct curl_slist *hdrs = common_headers(h, "Content-Type: application/json");
    json_t *j = NULL;
    http_outcome out = perform(h, "/v1/lookup", hdrs, req, strlen(req), a, &j);
    curl_slist_free_all(hdrs);
    if (out == HTTP_DONE) {
        json_t *r0 = json_array_get(json_object_get(j, "results"), 0);
        const char *sha = json_string_value(json_object_get(r0, "sha256"));
        const char *st = json_string_value(json_object_get(r0, "status"));
        if (a->code != 200 || sha == NULL || st == NULL || strcasecmp(sha, sha256) != 0) {
            snprintf(a->message, sizeof a->message, "unexpected lookup answer (HTTP %ld)", a->code);
            out = HTTP_FAILED;
        } else {
            snprintf(a->status, sizeof a->status, "%s", st);
            copy_str(r0, "detection", a->detection, sizeof a->detection);
        }
    }
    json_decref(j);
    return out;
}

http_outcome http_upload(http_ctx *h, const uint8_t *data, size_t n, const upload_meta *m,
                         http_answer *a)
{
    char line[300];
    struct curl_slist *hdrs = common_headers(h, "Content-Type: application/octet-stream");
    snprintf(line, sizeof line, "X-Vigil-SHA256: %s", m->sha256);
    hdrs = curl_slist_append(hdrs, line);
    snprintf(line, sizeof line, "X-Vigil-Size: %zu", m->size);
    hdrs = curl_slist_append(hdrs, line);
    snprintf(line, sizeof line, "X-Vigil-Detection: %s", m->detection);
    hdrs = curl_slist_append(hdrs, line);
    snprintf(line, sizeof line, "X-Vigil-Bundle: vigil-%s", vg_version());
    hdrs = curl_slist_append(hdrs, line);
    hdrs = curl_slist_append(hdrs, h->client);
    snprintf(line, sizeof line, "X-Vigil-Consent: %s", m->consent);
    hdrs = curl_slist_append(hdrs, line);
    json_t *j = NULL;
    http_outcome out = perform(h, "/v1/samples", hdrs, n ? (const void *)data : "", n, a, &j);
    curl_slist_free_all(hdrs);
    json_decref(j);
    return out;
}
