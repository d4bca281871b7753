/* The ledger's writer: open, append (locked, chained, fsynced), close.
 *
 * An append, with two processes A and B sharing one ledger:
 *
 *     A: flock(EX) ─ read tail: last entry seq 7, hash H7 ─ check H7 against
 *        ledger.head ─ write {"seq":8,"prev":H7,...} ─ fsync ─ head "8 H8"
 *        ─ fsync ─ unlock
 *     B: flock(EX) waits ... read tail: seq 8, hash H8 ─ write seq 9 ...
 *
 * The tail is re-read under the lock every time, so no process chains to a
 * stale entry. The write is one write(2) of the whole line with O_APPEND; a
 * crash can leave a prefix of it (no newline): the head file still names
 * the entry before it, which tells an uncommitted line from a truncated
 * ledger, and the next append cuts the prefix away. A tail that agrees with
 * neither the head nor itself is refused: the caller then sends nothing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/mem.h"
#include "ledger_int.h"

struct vg_ledger {
    int fd;
    char *path;
    char *head_path;
    char seq_hash[VGI_LEDGER_HEX]; /* the last appended entry's hash, for out */
};

static vg_error io_error(void)
{
    return errno == ENOSPC || errno == EDQUOT ? VG_ERR_NOSPACE : VG_ERR_IO;
}

vg_error vg_ledger_open(const char *path, vg_ledger **out)
{
    if (out == NULL)
        return VG_ERR_INVALID_ARG;
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return VG_ERR_INVALID_ARG;
    vg_ledger *l = vg_calloc(1, sizeof *l);
    if (l == NULL)
        return VG_ERR_NOMEM;
    l->fd = -1;
    vg_error err = VG_ERR_NOMEM;
    if ((l->path = vg_strdup(path)) == NULL || (l->head_path = vgi_ledger_head_path(path)) == NULL)
        goto fail;
    for (int tries = 0; tries < 2 && l->fd < 0; tries++) {
        l->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (l->fd >= 0 || errno != ENOENT)
            break;
        l->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (l->fd >= 0) {
            /* A new ledger: its name must survive a crash too. */
            if ((err = vgi_ledger_sync_dir(path)) != VG_OK)
                goto fail;
        } else if (errno != EEXIST) {
            break;
        }
    }
    if (l->fd < 0) {
        err = errno == ENOENT ? VG_ERR_NOT_FOUND : io_error();
        goto fail;
    }
    struct stat st;
    if (fstat(l->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = VG_ERR_INVALID_ARG;
        goto fail;
    }
    *out = l;
    return VG_OK;
fail:
    vg_ledger_close(l);
    return err;
}

void vg_ledger_close(vg_ledger *l)
{
    if (l == NULL)
        return;
    if (l->fd >= 0)
        close(l->fd);
    vg_free(l->path);
    vg_free(l->head_path);
    vg_free(l);
}

/* The committed tail: the last complete line's seq and hash, and where the
 * complete lines end (a partial line after that is cut away). */
typedef struct tail {
    uint64_t seq;
    char hash[VGI_LEDGER_HEX];
    char prev[VGI_LEDGER_HEX];
    off_t complete_end;
    off_t size;
} tail;

static vg_error read_tail(vg_ledger *l, tail *t)
{
    memset(t, 0, sizeof *t);
    memcpy(t->hash, vgi_ledger_zero_hash, VGI_LEDGER_HEX);
    memcpy(t->prev, vgi_ledger_zero_hash, VGI_LEDGER_HEX);
    struct stat st;
    if (fstat(l->fd, &st) != 0)
        return VG_ERR_IO;
    t->size = st.st_size;
    if (st.st_size == 0)
        return VG_OK;
    size_t want = st.st_size > (off_t)(2 * VGI_LEDGER_MAX_LINE) ? 2 * VGI_LEDGER_MAX_LINE
                                                                : (size_t)st.st_size;
    off_t base = st.st_size - (off_t)want;
    char *buf = vg_malloc(want);
    if (buf == NULL)
        return VG_ERR_NOMEM;
    vg_error err = VG_ERR_MALFORMED;
    if (pread(l->fd, buf, want, base) != (ssize_t)want) {
        err = VG_ERR_IO;
        goto done;
    }
    /* End of the complete lines: just after the last '\n'. */
    size_t end = want;
    while (end > 0 && buf[end - 1] != '\n')
        end--;
    if (end == 0) {
        if (base == 0) { /* only a partial first line: nothing committed */
            t->complete_end = 0;
            err = VG_OK;
        }
        goto done; /* else: a "line" longer than any entry */
    }
    t->complete_end = base + (off_t)end;
    size_t start = end - 1;
    while (start > 0 && buf[start - 1] != '\n')
        start--;
    if (start == 0 && base != 0)
        goto done; /* the last line is longer than any entry */
    json_t *obj = NULL;
    vg_ledger_entry e;
    char why[256];
    if (!vgi_ledger_parse(buf + start, end - 1 - start, &obj, &e, why, sizeof why))
        goto done;
    if (vgi_ledger_check_self(buf + start, end - 1 - start, obj, &e, why, sizeof why)) {
        t->seq = e.seq;
        memcpy(t->hash, e.hash, VGI_LEDGER_HEX);
        memcpy(t->prev, e.prev, VGI_LEDGER_HEX);
        err = VG_OK;
    }
    json_decref(obj);
done:
    vg_free(buf);
    return err;
}

/* Copies s into a JSON string: invalid UTF-8 bytes become "\xNN" text and
 * the whole is cut at max bytes. */
static json_t *safe_string(const char *s, size_t max)
{
    if (s == NULL)
        s = "";
    size_t n = strlen(s);
    char *buf = vg_malloc(4 * n + 4);
    if (buf == NULL)
        return NULL;
    size_t o = 0, i = 0;
    while (i < n && o < max) {
        const unsigned char *p = (const unsigned char *)s + i;
        size_t len = p[0] < 0x80                             ? 1
                     : (p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2 ? 2
                     : (p[0] & 0xf0) == 0xe0                 ? 3
                     : (p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4 ? 4
                                                             : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[k] & 0xc0) == 0x80;
        /* Overlong 3-byte forms and surrogates are invalid too. */
        if (ok && len == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)))
            ok = 0;
        if (ok && len == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90)))
            ok = 0;
        if (ok) {
            memcpy(buf + o, p, len);
            o += len;
            i += len;
        } else {
            o += (size_t)snprintf(buf + o, 5, "\\x%02x", p[0]);
            i++;
        }
    }
    if (i < n) {
        /* Cut on a character boundary and say so. */
        o = max > 3 ? max - 3 : 0;
        while (o > 0 && ((unsigned char)buf[o] & 0xc0) == 0x80)
            o--;
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    json_t *j = json_stringn(buf, o);
    vg_free(buf);
    return j;
}

static int set(json_t *o, const char *key, json_t *v)
{
    return v == NULL || json_object_set_new(o, key, v) != 0 ? -1 : 0;
}

static json_t *build(const vg_ledger_record *r, uint64_t seq, const char *prev)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    if (set(o, "seq", json_integer((json_int_t)seq)) || set(o, "time", json_string(when)) ||
        set(o, "kind", safe_string(r->kind, 32)) || set(o, "sha256", safe_string(r->sha256, 64)) ||
        set(o, "size", json_integer((json_int_t)r->size)) ||
        set(o, "type", safe_string(r->type, 64)) ||
        set(o, "path", safe_string(r->path, VG_LEDGER_MAX_PATH)) ||
        set(o, "signature", safe_string(r->signature, 256)) ||
        set(o, "consent", safe_string(r->consent, 16)) ||
        set(o, "server", safe_string(r->server, 1024)) ||
        set(o, "reason", safe_string(r->reason, 1024)) || set(o, "prev", json_string(prev))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static vg_error write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return io_error();
        p += w;
        n -= (size_t)w;
    }
    return VG_OK;
}

static int valid_record(const vg_ledger_record *r)
{
    if (r->kind == NULL || r->sha256 == NULL || strlen(r->sha256) != 64)
        return 0;
    return strcmp(r->kind, "upload") == 0 || strcmp(r->kind, "hashes") == 0 ||
           strcmp(r->kind, "blocked") == 0;
}

/* Under the lock: the tail must be what the head says was committed last,
 * or one entry past it (a crash between the ledger's fsync and the head's). */
static vg_error check_tail(vg_ledger *l, const tail *t)
{
    vgi_ledger_head h;
    char why[256];
    if (vgi_ledger_head_read(l->head_path, &h, why, sizeof why) != 0)
        return VG_ERR_MALFORMED;
    if (h.count == t->seq && strcmp(h.hash, t->hash) == 0)
        return VG_OK;
    if (t->seq > 0 && h.count == t->seq - 1 && strcmp(h.hash, t->prev) == 0)
        return VG_OK;
    return VG_ERR_MALFORMED;
}

vg_error vg_ledger_append(vg_ledger *l, const vg_ledger_record *rec, vg_ledger_entry *out)
{
    if (l == NULL || rec == NULL || !valid_record(rec))
        return VG_ERR_INVALID_ARG;
    while (flock(l->fd, LOCK_EX) != 0)
        if (errno != EINTR)
            return VG_ERR_IO;
    json_t *o = NULL;
    char *line = NULL;
    tail t;
    vg_error err = read_tail(l, &t);
    if (err != VG_OK || (err = check_tail(l, &t)) != VG_OK)
        goto done;
    if (t.complete_end < t.size) {
        /* A line cut by a crash in an earlier append: never committed. */
        if (ftruncate(l->fd, t.complete_end) != 0 || fsync(l->fd) != 0) {
            err = io_error();
            goto done;
        }
    }
    err = VG_ERR_NOMEM;
    char hex[VGI_LEDGER_HEX];
    if ((o = build(rec, t.seq + 1, t.hash)) == NULL || vgi_ledger_entry_hash(o, hex) != VG_OK ||
        json_object_set_new(o, "hash", json_string(hex)) != 0 ||
        (line = json_dumps(o, VGI_LEDGER_FLAGS)) == NULL)
        goto done;
    size_t n = strlen(line);
    if (n + 1 > VGI_LEDGER_MAX_LINE) {
        err = VG_ERR_LIMIT;
        goto done;
    }
    line[n] = '\n'; /* json_dumps leaves room only for the NUL: replace it */
    err = write_all(l->fd, line, n + 1);
    if (err == VG_OK && fsync(l->fd) != 0)
        err = io_error();
    if (err == VG_OK)
        err = vgi_ledger_head_write(l->head_path, t.seq + 1, hex);
    if (err == VG_OK && out != NULL) {
        memset(out, 0, sizeof *out);
        memcpy(l->seq_hash, hex, VGI_LEDGER_HEX);
        out->seq = t.seq + 1;
        out->hash = l->seq_hash;
    }
done:
    free(line);
    json_decref(o);
    flock(l->fd, LOCK_UN);
    return err;
}
