/* The offline queue: what could not reach the server waits in
 * <data>/submit-queue/, one file per (object, server), mode 0600:
 *
 *     {"action":"upload","attempts":1,"consent":"safe","next":1735790000,...}\n
 *     <the object's bytes, for an upload>
 *
 * Written to a temporary name, fsynced, renamed: a crash leaves the old
 * file or the new one. Bounded by a count and a byte total; when full, the
 * oldest entries are dropped (and said so) to make room for the newest.
 * Retries back off exponentially: 1 min, 2, 4 ... at most a day after the
 * last attempt; `vigil submit --flush` retries everything now. Each retry
 * goes through the same steps as a first attempt (guard, consent, lookup,
 * ledger entry, upload), so a queued object is never sent twice and never
 * sent without a ledger entry written just before. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "submit_int.h"
#include "submit_queue.h"

static void server_tag(const char *server, char out[17])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    const char *s = server ? server : "";
    EVP_Digest(s, strlen(s), d, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void item_path(const submit_ctx *s, const char *sha256, char *buf, size_t cap)
{
    char tag[17];
    server_tag(s->o.server, tag);
    snprintf(buf, cap, "%s/%s-%s.q", s->queue_dir, sha256, tag);
}

bool queue_has(const submit_ctx *s, const char *sha256)
{
    char p[4200];
    item_path(s, sha256, p, sizeof p);
    return access(p, F_OK) == 0;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static long backoff(unsigned attempts)
{
    long d = 60;
    for (unsigned i = 1; i < attempts && d < 86400; i++)
        d *= 2;
    return d < 86400 ? d : 86400;
}

int queue_put(submit_ctx *s, const sub_object *o, bool upload, unsigned attempts)
{
    if (mkdir(s->queue_dir, 0700) != 0 && errno != EEXIST)
        return -1;
    char path[4200], tmp[4300];
    item_path(s, o->sha256, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    time_t now = time(NULL);
    json_t *m = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "action",
                          upload ? "upload" : "lookup", "sha256", o->sha256, "size",
                          (json_int_t)o->size, "type", o->type.name, "path", o->path, "signature",
                          o->signature, "consent", consent_name(s->o.consent), "server",
                          s->o.server ? s->o.server : "", "queued", (json_int_t)now, "attempts",
                          (json_int_t)attempts, "next", (json_int_t)(now + backoff(attempts)));
    char *meta = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(m);
    if (meta == NULL)
        return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = -1;
    if (fd >= 0) {
        if (write_all(fd, meta, strlen(meta)) == 0 && write_all(fd, "\n", 1) == 0 &&
            (!upload || write_all(fd, o->data, o->size) == 0) && fsync(fd) == 0)
            rc = 0;
        close(fd);
        if (rc == 0 && rename(tmp, path) != 0)
            rc = -1;
        if (rc != 0)
            unlink(tmp);
    }
    free(meta);
    if (rc == 0)
        queue_trim(s, path);
    return rc;
}

/* ---- reading the queue back ---- */

void queue_item_free(queue_item *q)
{
    if (q == NULL)
        return;
    sub_object_free(&q->obj);
    free(q->type_name); /* q->obj.type.name borrowed it */
    free(q->file);
    memset(q, 0, sizeof *q);
}

static char *dup_member(json_t *m, const char *key)
{
    const char *v = json_string_value(json_object_get(m, key));
    return strdup(v ? v : "");
}

/* Loads one queue file; with_data also reads the bytes. 0 or -1. */
static int load(const char *file, bool with_data, queue_item *q)
{
    memset(q, 0, sizeof *q);
    FILE *f = fopen(file, "re");
    if (f == NULL)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    json_t *m = n > 0 ? json_loadb(line, (size_t)n, 0, NULL) : NULL;
    free(line);
    int rc = -1;
    if (!json_is_object(m))
        goto done;
    const char *sha = json_string_value(json_object_get(m, "sha256"));
    const char *action = json_string_value(json_object_get(m, "action"));
    const char *type = json_string_value(json_object_get(m, "type"));
    json_int_t size = json_integer_value(json_object_get(m, "size"));
    if (sha == NULL || strlen(sha) != 64 || action == NULL || type == NULL || size < 0 ||
        (uint64_t)size > SUBMIT_MAX_OBJECT)
        goto done;
    q->upload = strcmp(action, "upload") == 0;
    q->queued = (long long)json_integer_value(json_object_get(m, "queued"));
    q->next = (long long)json_integer_value(json_object_get(m, "next"));
    q->attempts = (unsigned)json_integer_value(json_object_get(m, "attempts"));
    memcpy(q->obj.sha256, sha, 65);
    q->obj.size = (size_t)size;
    q->obj.full_size = (uint64_t)size;
    q->obj.path = dup_member(m, "path");
    q->obj.signature = dup_member(m, "signature");
    q->type_name = dup_member(m, "type");
    q->file = strdup(file);
    if (q->obj.path == NULL || q->obj.signature == NULL || q->type_name == NULL || q->file == NULL)
        goto done;
    if (q->upload && with_data) {
        q->obj.data = malloc(q->obj.size ? q->obj.size : 1);
        if (q->obj.data == NULL || fread(q->obj.data, 1, q->obj.size, f) != q->obj.size)
            goto done;
    }
    rc = 0;
done:
    json_decref(m);
    fclose(f);
    if (rc != 0)
        queue_item_free(q);
    return rc;
}

/* Every queue file of this server (names end in -<tag>.q), sorted oldest first. */
typedef struct entry {
    char *file;
    long long queued;
    off_t bytes;
} entry;

static int by_age(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->queued < y->queued ? -1 : x->queued > y->queued ? 1 : strcmp(x->file, y->file);
}

static size_t list(const submit_ctx *s, entry **out)
{
    *out = NULL;
    DIR *d = opendir(s->queue_dir);
    if (d == NULL)
        return 0;
    entry *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    char suffix[24];
    server_tag(s->o.server, suffix + 1);
    suffix[0] = '-';
    memcpy(suffix + 17, ".q", 3);
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        /* This server's items only: another server's wait for it. */
        if (len != 64 + 1 + 16 + 2 || strcmp(de->d_name + 64, suffix) != 0)
            continue;
        char file[4200];
        snprintf(file, sizeof file, "%s/%s", s->queue_dir, de->d_name);
        queue_item q;
        struct stat st;
        if (stat(file, &st) != 0 || load(file, false, &q) != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            entry *nv = realloc(v, cap * sizeof *nv);
            if (nv == NULL) {
                queue_item_free(&q);
                break;
            }
            v = nv;
        }
        v[n].file = strdup(file);
        v[n].queued = q.queued;
        v[n].bytes = st.st_size;
        if (v[n].file != NULL)
            n++;
        queue_item_free(&q);
    }
    closedir(d);
    if (n > 1)
        qsort(v, n, sizeof *v, by_age);
    *out = v;
    return n;
}

static void free_list(entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].file);
    free(v);
}

void queue_trim(submit_ctx *s, const char *keep)
{
    entry *v;
    size_t n = list(s, &v);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += (uint64_t)v[i].bytes;
    size_t count = n;
    for (size_t i = 0; i < n && (count > s->o.queue_max_files || total > s->o.queue_max_bytes);
         i++) {
        if (keep != NULL && strcmp(v[i].file, keep) == 0 && count == 1)
            break;
        queue_item q;
        if (load(v[i].file, false, &q) == 0) {
            char pb[1024];
            fprintf(stderr,
                    "vigil: submit queue full: dropped the oldest entry, %s (%.12s..., %zu "
                    "bytes); it was not sent\n",
                    sub_printable(q.obj.path, pb, sizeof pb), q.obj.sha256, q.obj.size);
            queue_item_free(&q);
        }
        if (unlink(v[i].file) == 0) {
            count--;
            total -= (uint64_t)v[i].bytes;
        }
    }
    free_list(v, n);
}

size_t queue_load_due(submit_ctx *s, bool force, queue_item **out)
{
    *out = NULL;
    entry *v;
    size_t n = list(s, &v);
    queue_item *items = n ? calloc(n, sizeof *items) : NULL;
    size_t k = 0;
    long long now = (long long)time(NULL);
    for (size_t i = 0; i < n && items != NULL; i++) {
        if (load(v[i].file, true, &items[k]) != 0)
            continue;
        if (!force && items[k].next > now) {
            queue_item_free(&items[k]);
            continue;
        }
        k++;
    }
    free_list(v, n);
    *out = items;
    return k;
}

void queue_remove(const queue_item *q)
{
    if (q->file != NULL)
        unlink(q->file);
}
