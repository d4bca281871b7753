/* GETs from an update mirror, through libcurl, for http(s):// and file://.
 *
 * A mirror is either a running vigil-server or a directory written by
 * `vigil-server log export DIR`, which holds the same answers as files:
 *
 *     http://h:8640/v1/log/proof/inclusion?leaf_index=3&tree_size=7
 *     file:///srv/mirror/v1/log/proof/inclusion/3-7
 *
 * so each resource is named twice by the caller and this file picks the
 * form. Nothing a mirror serves is trusted: every byte is checked against
 * the pinned keys afterwards (update_log.c, the bundle's signature), so a
 * mirror can withhold an update but not forge one. What this file does
 * bound is what a hostile mirror could waste: each answer has a maximum
 * size, each request a timeout, and redirects may only lead to http(s),
 * never from a remote mirror into a local file:// path. */
#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/version.h>

#include "update_int.h"

struct fetch_ctx {
    CURL *curl;
    char *base;   /* URL without a trailing slash */
    char *mirror; /* as given */
    bool is_file;
    long timeout_s;
};

typedef struct body {
    uint8_t *p;
    size_t n, max;
    bool too_big;
} body;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    body *b = ud;
    size_t n = size * nmemb;
    if (n > b->max - b->n) {
        b->too_big = true;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    uint8_t *np = realloc(b->p, b->n + n + 1);
    if (np == NULL)
        return 0;
    memcpy(np + b->n, ptr, n);
    b->p = np;
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

/* "/srv/m" -> "file:///srv/m"; a relative path is made absolute first. */
static char *file_url(const char *path)
{
    char *abs = realpath(path, NULL);
    if (abs == NULL)
        return NULL;
    char *esc = curl_easy_escape(NULL, abs, 0);
    free(abs);
    if (esc == NULL)
        return NULL;
    /* curl_easy_escape also escapes '/': put them back. */
    size_t n = strlen(esc), cap = n + 8;
    char *url = malloc(cap);
    if (url != NULL) {
        size_t o = (size_t)snprintf(url, cap, "file://");
        for (size_t i = 0; i < n; i++) {
            if (strncmp(esc + i, "%2F", 3) == 0) {
                url[o++] = '/';
                i += 2;
            } else {
                url[o++] = esc[i];
            }
        }
        url[o] = '\0';
    }
    curl_free(esc);
    return url;
}

fetch_ctx *fetch_new(const char *mirror, long timeout_s, char *why, size_t why_len)
{
    static bool global_done;
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
            snprintf(why, why_len, "libcurl cannot start");
            return NULL;
        }
        global_done = true;
    }
    fetch_ctx *f = calloc(1, sizeof *f);
    if (f == NULL)
        goto oom;
    f->timeout_s = timeout_s > 0 ? timeout_s : 60;
    f->mirror = strdup(mirror);
    if (f->mirror == NULL)
        goto oom;
    if (strncmp(mirror, "http://", 7) == 0 || strncmp(mirror, "https://", 8) == 0) {
        f->base = strdup(mirror);
    } else if (strncmp(mirror, "file://", 7) == 0) {
        f->is_file = true;
        f->base = strdup(mirror);
    } else if (strstr(mirror, "://") != NULL) {
        snprintf(why, why_len, "mirror %s: only http://, https:// and file:// are supported",
                 mirror);
        fetch_free(f);
        return NULL;
    } else {
        f->is_file = true;
        if ((f->base = file_url(mirror)) == NULL) {
            snprintf(why, why_len, "mirror %s: no such directory", mirror);
            fetch_free(f);
            return NULL;
        }
    }
    if (f->base == NULL || (f->curl = curl_easy_init()) == NULL)
        goto oom;
    size_t n = strlen(f->base);
    while (n > 0 && f->base[n - 1] == '/')
        f->base[--n] = '\0';
    return f;
oom:
    snprintf(why, why_len, "out of memory");
    fetch_free(f);
    return NULL;
}

void fetch_free(fetch_ctx *f)
{
    if (f == NULL)
        return;
    if (f->curl != NULL)
        curl_easy_cleanup(f->curl);
    free(f->base);
    free(f->mirror);
    free(f);
}

const char *fetch_mirror(const fetch_ctx *f)
{
    return f->mirror;
}

bool fetch_is_file(const fetch_ctx *f)
{
    return f->is_file;
}

fetch_rc fetch_get(fetch_ctx *f, const char *query, const char *file_path, size_t max,
                   uint8_t **out, size_t *len, char *why, size_t why_len)
{
    *out = NULL;
    *len = 0;
    const char *path = f->is_file ? file_path : query;
    size_t ulen = strlen(f->base) + strlen(path) + 1;
    char *url = malloc(ulen);
    if (url == NULL) {
        snprintf(why, why_len, "out of memory");
        return FETCH_FAILED;
    }
    snprintf(url, ulen, "%s%s", f->base, path);
    body b = {.max = max};
    CURL *c = f->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigil/" VG_VERSION_STRING);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, f->timeout_s < 15 ? f->timeout_s : 15L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, f->timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, f->is_file ? "file" : "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    if (max < (size_t)LONG_MAX)
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
    CURLcode rc = curl_easy_perform(c);
    fetch_rc res = FETCH_FAILED;
    long code = 0;
    if (rc != CURLE_OK) {
        if (b.too_big || rc == CURLE_FILESIZE_EXCEEDED)
            snprintf(why, why_len, "%s: larger than %zu bytes", url, max);
        else if (rc == CURLE_FILE_COULDNT_READ_FILE) {
            res = FETCH_NOT_FOUND;
            snprintf(why, why_len, "%s: not found", url);
        } else
            snprintf(why, why_len, "%s: %s", url, curl_easy_strerror(rc));
        goto done;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (!f->is_file && code != 200) {
        if (code == 404)
            res = FETCH_NOT_FOUND;
        snprintf(why, why_len, "%s: HTTP %ld", url, code);
        goto done;
    }
    if (b.p == NULL && (b.p = malloc(1)) != NULL)
        b.p[0] = '\0';
    if (b.p == NULL) {
        snprintf(why, why_len, "out of memory");
        goto done;
    }
    *out = b.p;
    *len = b.n;
    b.p = NULL;
    res = FETCH_OK;
done:
    free(b.p);
    free(url);
    return res;
}
