/* DATA/update-state.json: what `vigil update` installed, and the last
 * signed tree head (STH) of the transparency log it accepted.
 *
 *     {"installed_version": 5,
 *      "bundle_sha256": "9f86d081...",
 *      "sth": {"tree_size": 5, "root_hash": "...", "timestamp": 1700000000000,
 *              "signature": "..."},
 *      "sth_seen_at": 1700000012, "sth_mirror": "https://updates.example"}
 *
 * The STH is the client's memory of the log: the next update must show a
 * consistency proof from it, which is what makes a forked log (one history
 * for this client, another for the world) detectable. So a state file that
 * exists but cannot be read is an error, never a fresh start, and the file
 * is replaced atomically (tmp, fsync, rename, fsync of the directory): a
 * crash leaves the old state or the new one, not a torn file. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "update_int.h"

#define STATE_NAME "update-state.json"
#define STATE_MAX  (64u << 10)

static bool get_u64(json_t *o, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

int state_load(const char *data_dir, update_state *st, char *why, size_t why_len)
{
    memset(st, 0, sizeof *st);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", data_dir, STATE_NAME);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(STATE_MAX + 1);
    ssize_t n = buf != NULL ? read(fd, buf, STATE_MAX + 1) : -1;
    close(fd);
    json_t *j = NULL;
    int rc = -1;
    if (n < 0 || (size_t)n > STATE_MAX) {
        snprintf(why, why_len, "cannot read %s", path);
        goto done;
    }
    json_error_t jerr;
    j = json_loadb(buf, (size_t)n, 0, &jerr);
    if (!json_is_object(j)) {
        snprintf(why, why_len,
                 "%s is not valid JSON (line %d: %s); move it away only if you "
                 "trust the mirror you update from next",
                 path, jerr.line, jerr.text);
        goto done;
    }
    st->present = true;
    json_t *sha = json_object_get(j, "bundle_sha256");
    if (!get_u64(j, "installed_version", &st->installed) ||
        (sha != NULL && (!json_is_string(sha) || strlen(json_string_value(sha)) != 64))) {
        snprintf(why, why_len, "%s: bad installed_version or bundle_sha256", path);
        goto done;
    }
    if (sha != NULL)
        memcpy(st->bundle_sha, json_string_value(sha), 65);
    json_t *s = json_object_get(j, "sth");
    if (s != NULL && !json_is_null(s)) {
        char *txt = json_dumps(s, JSON_COMPACT);
        int ok = txt != NULL && vg_tlog_sth_parse(txt, strlen(txt), &st->sth) == VG_OK;
        free(txt);
        if (!ok) {
            snprintf(why, why_len, "%s: the remembered STH is malformed", path);
            goto done;
        }
        st->has_sth = true;
        get_u64(j, "sth_seen_at", &st->sth_seen_at);
        const char *m = json_string_value(json_object_get(j, "sth_mirror"));
        if (m != NULL)
            snprintf(st->sth_mirror, sizeof st->sth_mirror, "%s", m);
    }
    rc = 0;
done:
    json_decref(j);
    free(buf);
    return rc;
}

int state_save(const char *data_dir, const update_state *st, char *why, size_t why_len)
{
    json_t *j = json_object();
    json_object_set_new(j, "installed_version", json_integer((json_int_t)st->installed));
    if (st->bundle_sha[0])
        json_object_set_new(j, "bundle_sha256", json_string(st->bundle_sha));
    if (st->has_sth) {
        char txt[512];
        json_t *s =
            vg_tlog_sth_json(&st->sth, txt, sizeof txt) > 0 ? json_loads(txt, 0, NULL) : NULL;
        json_object_set_new(j, "sth", s != NULL ? s : json_null());
        json_object_set_new(j, "sth_seen_at", json_integer((json_int_t)st->sth_seen_at));
        json_object_set_new(j, "sth_mirror", json_string(st->sth_mirror));
    }
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (text == NULL) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", data_dir, STATE_NAME);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(why, why_len, "cannot create %s: %s", tmp, strerror(errno));
        goto done;
    }
    size_t len = strlen(text);
    text[len] = '\n';
    bool ok = write(fd, text, len + 1) == (ssize_t)(len + 1) && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(why, why_len, "cannot write %s: %s", path, strerror(ok ? errno : e));
        unlink(tmp);
        goto done;
    }
    int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd); /* the rename itself is durable only with its directory */
        close(dfd);
    }
    rc = 0;
done:
    free(text);
    return rc;
}
