/* The metadata record of an entry: one JSON object, sealed like the content.
 *
 *     {"v":1,"id":"3f0c...","path":"/home/u/a.zip","detection":"Eicar-Test-Signature",
 *      "found_in":"docs/x.com","uid":1000,"gid":1000,"owner":"u","group":"u",
 *      "mode":33188,"size":68,"sha256":"275a...","atime":[1700000000,5],
 *      "mtime":[...],"ctime":[...],"dev":2049,"ino":1234,"date":1700000100}
 *
 * JSON strings must be UTF-8 and file names are bytes: a name that is not
 * valid UTF-8 is stored as "<field>_hex" instead, so the exact bytes come
 * back on restore. Decoding checks every field's type; the record is
 * authenticated, but a reader must not crash on a record another version
 * wrote. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/diag_int.h"
#include "vault_int.h"

static int set_bytes(json_t *o, const char *field, const char *s)
{
    if (s == NULL)
        return 0;
    json_t *j = json_string(s);
    if (j != NULL)
        return json_object_set_new(o, field, j);
    size_t len = strlen(s);
    char *hex = vg_malloc(2 * len + 1);
    if (hex == NULL)
        return -1;
    sodium_bin2hex(hex, 2 * len + 1, (const unsigned char *)s, len);
    char name[64];
    snprintf(name, sizeof name, "%s_hex", field);
    int rc = json_object_set_new(o, name, json_string(hex));
    vg_free(hex);
    return rc;
}

static json_t *ts(struct timespec t)
{
    return json_pack("[I,I]", (json_int_t)t.tv_sec, (json_int_t)t.tv_nsec);
}

char *vgi_entry_encode(const char *id, const vg_vault_meta *meta, const struct stat *st,
                       const uint8_t sha256[32])
{
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, sha256, 32);
    int64_t date = meta->date != 0 ? meta->date : (int64_t)time(NULL);
    struct timespec atime = st->st_atim;
    if (meta->has_atime) {
        atime.tv_sec = (time_t)meta->atime_sec;
        atime.tv_nsec = meta->atime_nsec;
    }
    json_t *o =
        json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:s, s:o, s:o, s:o, s:I, s:I, s:I}", "v", 1, "id",
                  id, "uid", (json_int_t)st->st_uid, "gid", (json_int_t)st->st_gid, "mode",
                  (json_int_t)st->st_mode, "size", (json_int_t)st->st_size, "sha256", hex, "atime",
                  ts(atime), "mtime", ts(st->st_mtim), "ctime", ts(st->st_ctim), "dev",
                  (json_int_t)st->st_dev, "ino", (json_int_t)st->st_ino, "date", (json_int_t)date);
    if (o == NULL)
        return NULL;
    char buf[1024];
    struct passwd pw, *pwp = NULL;
    struct group gr, *grp = NULL;
    if (getpwuid_r(st->st_uid, &pw, buf, sizeof buf, &pwp) == 0 && pwp != NULL)
        set_bytes(o, "owner", pwp->pw_name);
    if (getgrgid_r(st->st_gid, &gr, buf, sizeof buf, &grp) == 0 && grp != NULL)
        set_bytes(o, "group", grp->gr_name);
    char *text = NULL;
    if (set_bytes(o, "path", meta->original_path) == 0 &&
        set_bytes(o, "detection", meta->detection) == 0 &&
        set_bytes(o, "found_in", meta->found_in) == 0)
        text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text; /* malloc'd by jansson: the caller frees with free() */
}

/* A string field, or its "_hex" twin; NULL (and *bad set when required)
 * when absent or of the wrong type. */
static char *get_bytes(json_t *o, const char *field, bool required, bool *bad)
{
    json_t *j = json_object_get(o, field);
    if (json_is_string(j))
        return vg_strdup(json_string_value(j));
    char name[64];
    snprintf(name, sizeof name, "%s_hex", field);
    j = json_object_get(o, name);
    if (json_is_string(j)) {
        const char *hex = json_string_value(j);
        size_t len = strlen(hex) / 2;
        char *s = vg_malloc(len + 1);
        size_t got = 0;
        if (s != NULL &&
            sodium_hex2bin((unsigned char *)s, len, hex, 2 * len, NULL, &got, NULL) == 0 &&
            got == len && memchr(s, '\0', len) == NULL) {
            s[len] = '\0';
            return s;
        }
        vg_free(s);
        *bad = true;
        return NULL;
    }
    if (required)
        *bad = true;
    return NULL;
}

static int64_t get_int(json_t *o, const char *field, bool *bad)
{
    json_t *j = json_object_get(o, field);
    if (!json_is_integer(j)) {
        *bad = true;
        return 0;
    }
    return (int64_t)json_integer_value(j);
}

static void get_time(json_t *o, const char *field, int64_t *sec, long *nsec, bool *bad)
{
    json_t *j = json_object_get(o, field);
    json_t *s = json_array_get(j, 0), *n = json_array_get(j, 1);
    if (!json_is_array(j) || !json_is_integer(s) || !json_is_integer(n) ||
        json_integer_value(n) < 0 || json_integer_value(n) > 999999999) {
        *bad = true;
        return;
    }
    *sec = (int64_t)json_integer_value(s);
    *nsec = (long)json_integer_value(n);
}

vg_error vgi_entry_decode(const char *text, vg_vault_entry *e, vg_diag *diag)
{
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    if (!json_is_object(o)) {
        json_decref(o);
        return vgi_diag_set(diag, VG_ERR_MALFORMED, e->id, 0, 0, "metadata is not JSON");
    }
    bool bad = false;
    if (get_int(o, "v", &bad) != 1)
        bad = true;
    json_t *id = json_object_get(o, "id");
    json_t *sha = json_object_get(o, "sha256");
    if (!json_is_string(id) || strcmp(json_string_value(id), e->id) != 0 || !json_is_string(sha) ||
        strlen(json_string_value(sha)) != 64)
        bad = true;
    else
        memcpy(e->sha256, json_string_value(sha), 65);
    e->original_path = get_bytes(o, "path", true, &bad);
    e->detection = get_bytes(o, "detection", true, &bad);
    e->found_in = get_bytes(o, "found_in", false, &bad);
    e->owner = get_bytes(o, "owner", false, &bad);
    e->group = get_bytes(o, "group", false, &bad);
    e->uid = (uint32_t)get_int(o, "uid", &bad);
    e->gid = (uint32_t)get_int(o, "gid", &bad);
    e->mode = (uint32_t)get_int(o, "mode", &bad);
    e->size = (uint64_t)get_int(o, "size", &bad);
    e->date = get_int(o, "date", &bad);
    get_time(o, "atime", &e->atime_sec, &e->atime_nsec, &bad);
    get_time(o, "mtime", &e->mtime_sec, &e->mtime_nsec, &bad);
    get_time(o, "ctime", &e->ctime_sec, &e->ctime_nsec, &bad);
    json_decref(o);
    if (bad)
        return vgi_diag_set(diag, VG_ERR_MALFORMED, e->id, 0, 0, "metadata fields are missing");
    return VG_OK;
}

vg_error vgi_entry_read(const vg_vault *v, const char *id, vg_vault_entry *e, vgi_opener *o,
                        int *fd_out, vg_diag *diag)
{
    memset(e, 0, sizeof *e);
    if (fd_out != NULL)
        *fd_out = -1;
    if (!vgi_id_valid(id))
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, id, 0, 0, "not an entry id (32 hex digits)");
    memcpy(e->id, id, VG_VAULT_ID_LEN + 1);
    char name[VG_VAULT_ID_LEN + sizeof VGI_VAULT_EXT];
    snprintf(name, sizeof name, "%s%s", id, VGI_VAULT_EXT);
    int fd = openat(v->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return vgi_diag_set(diag, errno == ENOENT ? VG_ERR_NOT_FOUND : vgi_errno_error(errno), id,
                            0, 0, "%s", errno == ENOENT ? "no such entry" : strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0)
        e->entry_bytes = (uint64_t)st.st_size;
    vgi_opener local;
    vgi_opener *op = o != NULL ? o : &local;
    char *meta = NULL;
    vg_error err = vgi_open_begin(op, v, fd, id, &meta, diag);
    if (err == VG_OK)
        err = vgi_entry_decode(meta, e, diag);
    vg_free(meta);
    if (err != VG_OK || o == NULL) {
        vgi_open_end(op);
        close(fd);
        if (err != VG_OK) {
            uint64_t bytes = e->entry_bytes;
            vg_vault_entry_cleanup(e);
            memcpy(e->id, id, VG_VAULT_ID_LEN + 1);
            e->entry_bytes = bytes;
            e->status = err;
        }
        return err;
    }
    *fd_out = fd;
    return VG_OK;
}

void vg_vault_entry_cleanup(vg_vault_entry *e)
{
    if (e == NULL)
        return;
    vg_free(e->original_path);
    vg_free(e->detection);
    vg_free(e->found_in);
    vg_free(e->owner);
    vg_free(e->group);
    memset(e, 0, sizeof *e);
}
