/* The daemon: libmicrohttpd with an internal thread pool, bounded
 * connections, an idle timeout so a stalled upload cannot hold a slot, and
 * optional TLS; plus the per-request state machine (see http.h) and the
 * orderly shutdown.
 *
 * Signals: SIGTERM and SIGINT are blocked in every thread (MHD's threads
 * inherit the mask) and taken by sigwait() in the main thread, so no work
 * happens in a signal handler. Shutdown then quiesces the daemon (the
 * listening socket stops accepting), waits until no request is in flight or
 * 30 s passed, stops MHD (closing idle keep-alive connections), closes the
 * store and returns 0. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vigil/version.h>

#include "log.h"
#include "publish.h"

#define DRAIN_SECONDS 30

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int vs_inflight_reserve(vs_req *r, uint64_t n)
{
    uint64_t max = r->srv->args->max_inflight;
    uint64_t cur = atomic_load(&r->srv->inflight_bytes);
    do {
        if (n > max || cur > max - n)
            return -1;
    } while (!atomic_compare_exchange_weak(&r->srv->inflight_bytes, &cur, cur + n));
    r->reserved += n;
    return 0;
}

/* Appends a chunk of body. Past the route's limit the request is marked
 * and nothing more is kept; the caller answers 413. */
static void take_chunk(vs_req *r, const char *data, size_t n)
{
    if (r->overflow || r->starved)
        return;
    if ((uint64_t)n > r->limit - r->len) {
        r->overflow = 1;
        return;
    }
    if (r->len + n > r->cap) {
        size_t want = r->cap ? r->cap : 4096;
        while (want < r->len + n)
            want *= 2;
        if ((uint64_t)want > r->limit)
            want = (size_t)r->limit;
        if (vs_inflight_reserve(r, want - r->cap) != 0) {
            r->starved = 1;
            return;
        }
        uint8_t *nb = malloc(want);
        if (nb == NULL) {
            r->starved = 1;
            return;
        }
        /* Copy and wipe instead of realloc: the old block must not be
         * returned to the heap with sample bytes in it. */
        if (r->len)
            memcpy(nb, r->body, r->len);
        if (r->body) {
            explicit_bzero(r->body, r->cap);
            free(r->body);
        }
        r->body = nb;
        r->cap = want;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    if (r->md != NULL)
        EVP_DigestUpdate(r->md, data, n);
}

/* Wipes and frees the body as soon as the request is known to fail, and
 * returns its memory to the in-flight budget. */
static void drop_body(vs_req *r)
{
    if (r->body != NULL) {
        explicit_bzero(r->body, r->cap);
        free(r->body);
        r->body = NULL;
    }
    r->len = r->cap = 0;
    atomic_fetch_sub(&r->srv->inflight_bytes, r->reserved);
    r->reserved = 0;
}

static enum MHD_Result first_call(vs_server *srv, vs_req *r, const char *url, const char *method)
{
    unsigned st = vs_route(r, method, url);
    if (st == MHD_HTTP_NOT_FOUND)
        return vs_reply_error(r, st, "not-found", "no such endpoint");
    if (st == MHD_HTTP_METHOD_NOT_ALLOWED)
        return vs_reply_error(r, st, "method-not-allowed", "%s is not allowed here", r->method);
    if (vs_auth(r, vs_route_role(r->route)) != 0)
        return MHD_YES; /* 401/403 queued */
    r->limit = vs_route_body_limit(r);
    if (r->limit == 0)
        return vs_dispatch(r);
    if (r->route == VS_R_SAMPLE_POST)
        return vs_h_sample_begin(r);
    /* JSON body: Content-Length known up front is refused here. */
    const char *cl = vs_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL && strtoull(cl, NULL, 10) > r->limit)
        return vs_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                              "the body is larger than %llu bytes", (unsigned long long)r->limit);
    (void)srv;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    vs_server *srv = cls;
    vs_req *r = *con_cls;
    if (r == NULL) {
        r = calloc(1, sizeof *r);
        if (r == NULL)
            return MHD_NO;
        r->srv = srv;
        r->conn = conn;
        r->t0_ms = now_ms();
        r->claimed_size = -1;
        snprintf(r->method, sizeof r->method, "%s", method);
        for (char *p = r->method; *p; p++)
            if (*p < 'A' || *p > 'Z')
                *p = '?';
        *con_cls = r;
        atomic_fetch_add(&srv->active, 1);
        return first_call(srv, r, url, method);
    }
    if (r->queued) {
        /* Answered already (an error): drop whatever else arrives. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (!r->overflow && !r->starved) {
            take_chunk(r, upload_data, n);
            if (r->overflow || r->starved)
                drop_body(r);
            return MHD_YES;
        }
        /* libmicrohttpd 0.9.75 cannot queue a response while the body is
         * still arriving, so the rest of an oversize (chunked) body is read
         * and discarded - never kept - and 413 answers at its end. Beyond
         * another limit's worth the connection is closed instead: an
         * endless body must not hold a slot forever. */
        r->discarded += n;
        return r->discarded > r->limit ? MHD_NO : MHD_YES;
    }
    return vs_dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    vs_server *srv = cls;
    vs_req *r = *con_cls;
    if (r == NULL)
        return;
    *con_cls = NULL;
    unsigned status = r->queued ? r->status : 0;
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && status == 0)
        status = 499; /* the client went away (or a timeout) before an answer */
    vs_log_request(r->method, r->path, status, r->resp_bytes, now_ms() - r->t0_ms, r->actor);
    if (r->body != NULL) {
        explicit_bzero(r->body, r->cap);
        free(r->body);
    }
    EVP_MD_CTX_free(r->md);
    atomic_fetch_sub(&srv->inflight_bytes, r->reserved);
    explicit_bzero(&r->meta, sizeof r->meta);
    free(r);
    atomic_fetch_sub(&srv->active, 1);
}

/* "127.0.0.1:8640", "[::1]:8640", ":8640" (all IPv4 addresses). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, int *v6)
{
    memset(ss, 0, sizeof *ss);
    char host[128];
    const char *colon = strrchr(s, ':');
    if (colon == NULL || (size_t)(colon - s) >= sizeof host)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port > 65535)
        return -1;
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']')
            return -1;
        host[n - 1] = '\0';
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        *v6 = 1;
        return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 ? 0 : -1;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    *v6 = 0;
    if (host[0] == '\0')
        return 0;
    return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

/* Reads a small PEM file, NUL-terminated as MHD wants it. */
static char *read_pem(const char *path, size_t *len_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < (1 << 20) &&
        (buf = malloc((size_t)st.st_size + 1)) != NULL) {
        size_t got = 0;
        while (got < (size_t)st.st_size) {
            ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        buf[got] = '\0';
        *len_out = got + 1;
        if (got != (size_t)st.st_size) {
            explicit_bzero(buf, got);
            free(buf);
            buf = NULL;
        }
    }
    close(fd);
    return buf;
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    vs_log_event("warn", "http", json_pack("{s:s}", "message", msg));
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 64 ? 64 : (unsigned)n);
}

static void drain(vs_server *srv)
{
    double deadline = now_ms() + DRAIN_SECONDS * 1000.0;
    unsigned n;
    while ((n = atomic_load(&srv->active)) > 0 && now_ms() < deadline) {
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (n > 0)
        vs_log_event("warn", "drain-timeout", json_pack("{s:i}", "requests", (int)n));
}

static struct MHD_Daemon *start_daemon(vs_server *srv, const vs_args *a, char *key, char *cert,
                                       char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int v6 = 0;
    if (parse_listen(a->listen, &ss, &v6) != 0) {
        snprintf(err, errlen, "--listen: expected ADDR:PORT, got %s", a->listen);
        return NULL;
    }
    unsigned threads = a->threads ? a->threads : default_threads();
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                     MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0) | (key ? MHD_USE_TLS : 0);
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, a->max_connections, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, a->timeout_s, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
        {key ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
                         NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (d == NULL)
        snprintf(err, errlen, "cannot listen on %s (address in use, or TLS files unusable)",
                 a->listen);
    return d;
}

int vs_serve(const vs_args *a)
{
    vs_log_set_json(a->log_json);
    char err[512] = "";
    char *key = NULL, *cert = NULL;
    size_t key_len = 0, cert_len = 0;
    vs_server srv = {.args = a};
    int rc = 2;
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (a->tls_cert != NULL) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            snprintf(err, sizeof err, "this libmicrohttpd was built without TLS support");
            goto done;
        }
        key = read_pem(a->tls_key, &key_len);
        cert = read_pem(a->tls_cert, &cert_len);
        if (key == NULL || cert == NULL) {
            snprintf(err, sizeof err, "cannot read %s", key == NULL ? a->tls_key : a->tls_cert);
            goto done;
        }
    }
    if (vs_store_open(a->data_dir, a->db, &srv.store, err, sizeof err) != VG_OK)
        goto done;
    if (vs_marker_new(a->max_sample, &srv.marker, err, sizeof err) != VG_OK)
        goto done;
    /* Only a server given the vendor's key publishes bundles (and so needs
     * the log key); every server answers the log's GETs. */
    if (a->bundle_pubkey != NULL &&
        vs_publisher_new(a->data_dir, a->bundle_pubkey, &srv.publisher, err, sizeof err) != VG_OK)
        goto done;
    srv.daemon = start_daemon(&srv, a, key, cert, err, sizeof err);
    if (srv.daemon == NULL)
        goto done;
    unsigned tmp_files = 0, orphans = 0;
    vs_store_recovered(srv.store, &tmp_files, &orphans);
    if (tmp_files || orphans)
        vs_log_event(
            "warn", "recovered",
            json_pack("{s:i,s:i}", "tmp_files", (int)tmp_files, "orphan_blobs", (int)orphans));
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(srv.daemon, MHD_DAEMON_INFO_BIND_PORT);
    vs_log_event("info", "start",
                 json_pack("{s:s,s:i,s:s,s:b,s:I,s:i,s:s}", "listen", a->listen, "port",
                           pi ? (int)pi->port : -1, "backend", vs_store_backend(srv.store), "tls",
                           key != NULL, "max_sample", (json_int_t)a->max_sample, "threads",
                           (int)(a->threads ? a->threads : default_threads()), "version",
                           VG_VERSION_STRING));
    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    vs_log_event("info", "stopping", json_pack("{s:s}", "signal", sig == SIGINT ? "INT" : "TERM"));
    /* Stop accepting; the listening socket is handed back to us, and
     * closing it makes new clients fail fast instead of waiting in the
     * backlog of a server that will never accept them. */
    MHD_socket ls = MHD_quiesce_daemon(srv.daemon);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    drain(&srv);
    MHD_stop_daemon(srv.daemon);
    srv.daemon = NULL;
    rc = 0;
done:
    if (rc != 0)
        fprintf(stderr, "vigil-server: %s\n", err[0] ? err : "cannot start");
    vs_marker_free(srv.marker);
    vs_publisher_free(srv.publisher);
    vs_store_close(srv.store);
    if (key) {
        explicit_bzero(key, key_len);
        free(key);
    }
    free(cert);
    if (rc == 0)
        vs_log_event("info", "stop", NULL);
    return rc;
}
