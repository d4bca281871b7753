/* vigil-server-load: a load generator for vigil-server's intake.
 *
 *     vigil-server-load --url http://127.0.0.1:8640 --token SUBMITTER \
 *         --analyst-token ANALYST [--threads 4] [--count 500] [--size 16384] \
 *         [--client ID] [--seed N] [--json]
 *
 * N threads, each with one libcurl easy handle (one keep-alive connection),
 * upload --count distinct generated samples of --size bytes each to
 * POST /v1/samples with correct headers, timing every request. Then the
 * stored set is read back through GET /v1/samples?client=ID (analyst token,
 * pages of 1000) and compared with the set the server acknowledged (201 or
 * 200): no sample may be lost, listed twice or listed without having been
 * sent. Prints requests/s, MB/s, latency p50/p99/max and the count of each
 * status; --json prints the same as one JSON object. Exit 0 when every
 * upload got 201 and the stored set is exact, 1 otherwise, 2 on bad usage.
 *
 * Samples are pseudo-random bytes from (seed, thread, index): distinct across
 * threads and, with a different --seed or --client, across runs. Generating
 * and hashing a sample happens outside the timed request. */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct opts {
    const char *url;
    const char *token;
    const char *analyst_token;
    const char *client;
    unsigned threads;
    unsigned count;
    size_t size;
    uint64_t seed;
    int json;
} opts;

typedef struct worker {
    const opts *o;
    unsigned id;
    double *lat;     /* count latencies, seconds */
    char (*sha)[65]; /* count hashes */
    long *status;    /* count HTTP statuses; 0 = transport error */
    long connects;   /* connections opened (1 when keep-alive held) */
    char err[CURL_ERROR_SIZE];
} worker;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The sample (seed, thread, index): size pseudo-random bytes. */
static void make_sample(uint8_t *buf, size_t size, uint64_t seed, unsigned thread, unsigned idx)
{
    uint64_t s = seed ^ ((uint64_t)thread << 40) ^ (uint64_t)idx;
    splitmix(&s);
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t v = splitmix(&s);
        memcpy(buf + i, &v, 8);
    }
    if (i < size) {
        uint64_t v = splitmix(&s);
        memcpy(buf + i, &v, size - i);
    }
}

static int sha256_hex(const uint8_t *buf, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        return -1;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

typedef struct membuf {
    char *p;
    size_t len;
} membuf;

static size_t collect(char *data, size_t sz, size_t n, void *ud)
{
    membuf *m = ud;
    size_t add = sz * n;
    char *np = realloc(m->p, m->len + add + 1);
    if (!np)
        return 0;
    memcpy(np + m->len, data, add);
    m->p = np;
    m->len += add;
    m->p[m->len] = 0;
    return add;
}

static size_t discard(char *data, size_t sz, size_t n, void *ud)
{
    (void)data;
    (void)ud;
    return sz * n;
}

static void *work(void *arg)
{
    worker *w = arg;
    const opts *o = w->o;
    uint8_t *buf = malloc(o->size ? o->size : 1);
    CURL *h = curl_easy_init();
    char url[1024], auth[256], hsha[128], hsize[64], hclient[128];
    if (!buf || !h) {
        snprintf(w->err, sizeof w->err, "out of memory");
        free(buf);
        if (h)
            curl_easy_cleanup(h);
        return NULL;
    }
    snprintf(url, sizeof url, "%s/v1/samples", o->url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token);
    snprintf(hsize, sizeof hsize, "X-Vigil-Size: %zu", o->size);
    snprintf(hclient, sizeof hclient, "X-Vigil-Client: %s", o->client);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, w->err);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 300L);
    for (unsigned i = 0; i < o->count; i++) {
        make_sample(buf, o->size, o->seed, w->id, i);
        if (sha256_hex(buf, o->size, w->sha[i]) != 0) {
            w->status[i] = 0;
            continue;
        }
        snprintf(hsha, sizeof hsha, "X-Vigil-SHA256: %s", w->sha[i]);
        struct curl_slist *hd = NULL;
        hd = curl_slist_append(hd, auth);
        hd = curl_slist_append(hd, "Content-Type: application/octet-stream");
        hd = curl_slist_append(hd, hsha);
        hd = curl_slist_append(hd, hsize);
        hd = curl_slist_append(hd, "X-Vigil-Detection: Bench.Load.Sample");
        hd = curl_slist_append(hd, "X-Vigil-Bundle: bench");
        hd = curl_slist_append(hd, hclient);
        hd = curl_slist_append(hd, "X-Vigil-Consent: safe");
        hd = curl_slist_append(hd, "Expect:");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)buf);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->size);
        double t0 = now();
        CURLcode rc = curl_easy_perform(h);
        w->lat[i] = now() - t0;
        long code = 0;
        if (rc == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        w->status[i] = code;
        long nc = 0;
        if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK)
            w->connects += nc; /* new connections this transfer made */
        curl_slist_free_all(hd);
    }
    curl_easy_cleanup(h);
    free(buf);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_sha(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static double pct(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)(p * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return sorted[k - 1];
}

/* Reads every sample listed for o->client; *out gets strdup'd hashes. */
static int list_stored(const opts *o, char ***out, size_t *n_out)
{
    CURL *h = curl_easy_init();
    char url[1024], auth[256], *esc = NULL;
    char **list = NULL;
    size_t n = 0, cap = 0;
    int ret = -1;
    if (!h)
        return -1;
    esc = curl_easy_escape(h, o->client, 0);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->analyst_token);
    struct curl_slist *hd = curl_slist_append(NULL, auth);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 300L);
    for (unsigned offset = 0;;) {
        membuf m = {0};
        snprintf(url, sizeof url, "%s/v1/samples?client=%s&limit=1000&offset=%u", o->url, esc,
                 offset);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &m);
        CURLcode rc = curl_easy_perform(h);
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (rc != CURLE_OK || code != 200) {
            fprintf(stderr, "GET %s: %s, HTTP %ld: %.200s\n", url, curl_easy_strerror(rc), code,
                    m.p ? m.p : "");
            free(m.p);
            goto out;
        }
        json_error_t jerr;
        json_t *doc = json_loadb(m.p ? m.p : "", m.len, 0, &jerr);
        free(m.p);
        json_t *arr = json_object_get(doc, "samples");
        if (!json_is_array(arr)) {
            fprintf(stderr, "GET %s: no \"samples\" array\n", url);
            json_decref(doc);
            goto out;
        }
        size_t i;
        json_t *it;
        json_array_foreach(arr, i, it)
        {
            const char *s = json_string_value(json_object_get(it, "sha256"));
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                char **nl = realloc(list, cap * sizeof *nl);
                if (!nl) {
                    json_decref(doc);
                    goto out;
                }
                list = nl;
            }
            list[n++] = strdup(s ? s : "");
        }
        size_t got = json_array_size(arr);
        json_decref(doc);
        if (got < 1000)
            break;
        offset += (unsigned)got;
    }
    ret = 0;
out:
    curl_free(esc);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    if (ret != 0) {
        for (size_t i = 0; i < n; i++)
            free(list[i]);
        free(list);
        return ret;
    }
    *out = list;
    *n_out = n;
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: vigil-server-load --url URL --token SUBMITTER_TOKEN --analyst-token TOKEN\n"
          "         [--threads N (4)] [--count PER_THREAD (500)] [--size BYTES (16384)]\n"
          "         [--client ID (load-<pid>)] [--seed N (pid)] [--json]\n",
          f);
}

static int parse(int argc, char **argv, opts *o)
{
    static char client[64];
    snprintf(client, sizeof client, "load-%ld", (long)getpid());
    *o = (opts){.threads = 4,
                .count = 500,
                .size = 16384,
                .client = client,
                .seed = (uint64_t)getpid() * 0x100000001b3ULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) {
            o->json = 1;
            continue;
        }
        if (!strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        }
        if (!v) {
            usage(stderr);
            return -1;
        }
        i++;
        char *end = NULL;
        errno = 0;
        if (!strcmp(a, "--url"))
            o->url = v;
        else if (!strcmp(a, "--token"))
            o->token = v;
        else if (!strcmp(a, "--analyst-token"))
            o->analyst_token = v;
        else if (!strcmp(a, "--client"))
            o->client = v;
        else if (!strcmp(a, "--threads"))
            o->threads = (unsigned)strtoul(v, &end, 10);
        else if (!strcmp(a, "--count"))
            o->count = (unsigned)strtoul(v, &end, 10);
        else if (!strcmp(a, "--size"))
            o->size = (size_t)strtoull(v, &end, 10);
        else if (!strcmp(a, "--seed"))
            o->seed = strtoull(v, &end, 10);
        else {
            fprintf(stderr, "unknown option %s\n", a);
            usage(stderr);
            return -1;
        }
        if (end && (*end || errno)) {
            fprintf(stderr, "%s: not a number: %s\n", a, v);
            return -1;
        }
    }
    if (!o->url || !o->token || !o->analyst_token || !o->threads || !o->count || !o->size ||
        strlen(o->client) > 63) {
        usage(stderr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o;
    if (parse(argc, argv, &o) != 0)
        return 2;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fprintf(stderr, "curl_global_init failed\n");
        return 2;
    }
    size_t total = (size_t)o.threads * o.count;
    double *lat = calloc(total, sizeof *lat);
    char(*sha)[65] = calloc(total, sizeof *sha);
    long *status = calloc(total, sizeof *status);
    worker *w = calloc(o.threads, sizeof *w);
    pthread_t *tid = calloc(o.threads, sizeof *tid);
    if (!lat || !sha || !status || !w || !tid) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    double t0 = now();
    for (unsigned t = 0; t < o.threads; t++) {
        w[t] = (worker){.o = &o,
                        .id = t,
                        .lat = lat + (size_t)t * o.count,
                        .sha = sha + (size_t)t * o.count,
                        .status = status + (size_t)t * o.count};
        if (pthread_create(&tid[t], NULL, work, &w[t]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 2;
        }
    }
    for (unsigned t = 0; t < o.threads; t++)
        pthread_join(tid[t], NULL);
    double wall = now() - t0;

    size_t n201 = 0, n200 = 0, nother = 0, nerr = 0;
    for (size_t i = 0; i < total; i++) {
        if (status[i] == 201)
            n201++;
        else if (status[i] == 200)
            n200++;
        else if (status[i] == 0)
            nerr++, nother++;
        else
            nother++;
    }
    for (unsigned t = 0; t < o.threads; t++)
        if (w[t].err[0])
            fprintf(stderr, "thread %u: last error: %s\n", t, w[t].err);
    qsort(lat, total, sizeof *lat, cmp_double);
    double p50 = pct(lat, total, 0.50), p99 = pct(lat, total, 0.99), pmax = lat[total - 1];

    /* The acknowledged set against the stored set. */
    char **acked = calloc(total, sizeof *acked);
    size_t nacked = 0;
    for (size_t i = 0; i < total; i++)
        if (status[i] == 201 || status[i] == 200)
            acked[nacked++] = sha[i];
    qsort(acked, nacked, sizeof *acked, cmp_sha);
    char **stored = NULL;
    size_t nstored = 0;
    size_t lost = 0, dup = 0, extra = 0;
    int listed = list_stored(&o, &stored, &nstored) == 0;
    if (listed) {
        qsort(stored, nstored, sizeof *stored, cmp_sha);
        size_t i = 0, j = 0;
        while (i < nacked || j < nstored) {
            int c = i >= nacked ? 1 : j >= nstored ? -1 : strcmp(acked[i], stored[j]);
            if (c < 0) {
                lost++, i++;
            } else if (c > 0) {
                if (j > 0 && !strcmp(stored[j], stored[j - 1]))
                    dup++;
                else
                    extra++;
                j++;
            } else {
                i++, j++;
            }
        }
        /* Also count an acked hash acked twice (it cannot be: samples are distinct). */
        for (size_t k = 1; k < nacked; k++)
            if (!strcmp(acked[k], acked[k - 1]))
                fprintf(stderr, "generated the same sample twice: %s\n", acked[k]);
    }
    int ok = n201 == total && listed && lost == 0 && dup == 0 && extra == 0;
    double mb = (double)total * (double)o.size / 1e6;
    long connects = 0;
    for (unsigned t = 0; t < o.threads; t++)
        connects += w[t].connects;

    if (o.json) {
        printf("{\"threads\":%u,\"count\":%u,\"size\":%zu,\"requests\":%zu,\"seconds\":%.3f,"
               "\"rps\":%.1f,\"mbps\":%.2f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,"
               "\"s201\":%zu,\"s200\":%zu,\"other\":%zu,\"transport_errors\":%zu,"
               "\"connections\":%ld,\"listed\":%s,\"stored\":%zu,\"lost\":%zu,\"duplicated\":%zu,"
               "\"extra\":%zu,"
               "\"ok\":%s}\n",
               o.threads, o.count, o.size, total, wall, (double)total / wall, mb / wall, p50 * 1e3,
               p99 * 1e3, pmax * 1e3, n201, n200, nother, nerr, connects, listed ? "true" : "false",
               nstored, lost, dup, extra, ok ? "true" : "false");
    } else {
        printf("uploads:  %zu x %zu bytes from %u threads, %ld connections (client id %s)\n", total,
               o.size, o.threads, connects, o.client);
        printf("time:     %.3f s   %.1f requests/s   %.2f MB/s\n", wall, (double)total / wall,
               mb / wall);
        printf("latency:  p50 %.2f ms   p99 %.2f ms   max %.2f ms\n", p50 * 1e3, p99 * 1e3,
               pmax * 1e3);
        printf("status:   201 %zu   200 %zu   other %zu (transport errors %zu)\n", n201, n200,
               nother, nerr);
        if (listed)
            printf("stored:   %zu listed; lost %zu, duplicated %zu, not sent %zu: %s\n", nstored,
                   lost, dup, extra, ok ? "OK" : "MISMATCH");
        else
            printf("stored:   could not list the stored samples\n");
    }
    for (size_t i = 0; i < nstored; i++)
        free(stored[i]);
    free(stored);
    free(acked);
    free(lat);
    free(sha);
    free(status);
    free(w);
    free(tid);
    curl_global_cleanup();
    return ok ? 0 : 1;
}
