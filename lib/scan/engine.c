/* Naming signature sources, and compiling them into an immutable engine.
 *
 *     vg_engine_load(e, "db/")          names every .hdb .hsb .ndb .fp .sfp .ign2 in it
 *     vg_engine_compile(e, &opts, &d)   parse, hash tables, one Hyperscan database
 *
 * Loading only names sources (and refuses a missing path or an unknown
 * file type at once); parsing happens in compile, so a second start can
 * skip it: with a cache directory, compile first looks for an engine image
 * keyed by the identity of every source (engine_image.c) and, when there is
 * one, maps a million hash signatures back in the time it takes to read the
 * file. Without one it parses every source in order, drops .ign2-listed
 * names, builds the tables and the matcher, and saves the image. A
 * malformed line anywhere fails compile with file:line:col, and the engine
 * must then be freed: a half-loaded database never scans. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/diag_int.h"
#include "../core/mem.h"
#include "engine_int.h"

/* A signature file larger than this is refused rather than read whole. */
#define SIGFILE_MAX ((size_t)1 << 31)

static const char eicar_ndb[] =
    "Eicar-Test-Signature:0:0:"
    "58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e"
    "444152442d414e544956495255532d544553542d46494c452124482b482a\n";

vg_error vg_engine_new(const vg_limits *limits, vg_engine **out)
{
    vg_limits l = limits ? *limits : vg_limits_default();
    *out = NULL;
    if (vg_limits_validate(&l, NULL) != VG_OK)
        return VG_ERR_INVALID_ARG;
    vg_engine *e = vg_calloc(1, sizeof *e);
    if (e == NULL)
        return VG_ERR_NOMEM;
    atomic_init(&e->refs, 1);
    e->limits = l;
    *out = e;
    return VG_OK;
}

void vg_engine_ref(vg_engine *e)
{
    atomic_fetch_add(&e->refs, 1);
}

void vg_engine_unref(vg_engine *e)
{
    if (e == NULL || atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    vgi_hash_set_free(e->hashes);
    vgi_hash_set_free(e->allows);
    vgi_hs_db_free(e->hs);
    vg_free(e->bodies);
    vg_free(e->body_names);
    vgi_sigdb_free(e->db);
    vg_free(e->image_bodies);
    vgi_image_unmap(e);
    for (size_t i = 0; i < e->n_src; i++) {
        vg_free(e->src[i].name);
        vg_free(e->src[i].buf);
    }
    vg_free(e->src);
    vg_free(e);
}

const vg_limits *vg_engine_limits(const vg_engine *e)
{
    return &e->limits;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static vg_error add_source(vg_engine *e, const char *name, const void *buf, size_t len,
                           const struct stat *st)
{
    if (e->n_src == e->cap_src) {
        size_t nc = e->cap_src ? e->cap_src * 2 : 8;
        vgi_source *ns = vg_realloc(e->src, nc * sizeof *ns);
        if (ns == NULL)
            return VG_ERR_NOMEM;
        e->src = ns;
        e->cap_src = nc;
    }
    vgi_source *s = &e->src[e->n_src];
    memset(s, 0, sizeof *s);
    if ((s->name = vg_strdup(name)) == NULL)
        return VG_ERR_NOMEM;
    if (st == NULL) {
        s->is_mem = 1;
        s->len = len;
        if ((s->buf = vg_malloc(len ? len : 1)) == NULL) {
            vg_free(s->name);
            return VG_ERR_NOMEM;
        }
        if (len)
            memcpy(s->buf, buf, len);
    } else {
        s->st = *st;
    }
    e->n_src++;
    return VG_OK;
}

static vg_error check_type(const char *name, vg_diag *diag)
{
    if (vgi_sigfmt_for_name(base_name(name)) != NULL)
        return VG_OK;
    const char *dot = strrchr(base_name(name), '.');
    if (dot && (strcasecmp(dot, ".cvd") == 0 || strcasecmp(dot, ".cld") == 0 ||
                strcasecmp(dot, ".cud") == 0))
        return vgi_diag_set(diag, VG_ERR_UNSUPPORTED, name, 0, 0,
                            "signed ClamAV containers are not read yet; unpack it with "
                            "`sigtool -u` and load the files inside");
    return vgi_diag_set(diag, VG_ERR_UNSUPPORTED, name, 0, 0,
                        "unknown signature file type (expected .hdb .hsb .ndb .fp .sfp "
                        ".ign2 .ign)");
}

vg_error vg_engine_load_mem(vg_engine *e, const char *name, const void *buf, size_t len,
                            vg_diag *diag)
{
    if (e == NULL || name == NULL || (buf == NULL && len))
        return VG_ERR_INVALID_ARG;
    if (e->compiled)
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, name, 0, 0,
                            "the engine is compiled; load signatures before compiling");
    vg_error err = check_type(name, diag);
    return err != VG_OK ? err : add_source(e, name, buf, len, NULL);
}

vg_error vg_engine_load_builtin(vg_engine *e)
{
    return vg_engine_load_mem(e, "builtin.ndb", eicar_ndb, sizeof eicar_ndb - 1, NULL);
}

static vg_error read_file(const char *path, char **out, size_t *len, vg_diag *diag)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vgi_diag_set(diag, errno == ENOENT ? VG_ERR_NOT_FOUND : VG_ERR_IO, path, 0, 0,
                            "cannot open: %s", strerror(errno));
    struct stat st;
    vg_error err = VG_OK;
    char *buf = NULL;
    if (fstat(fd, &st) != 0) {
        err = vgi_diag_set(diag, VG_ERR_IO, path, 0, 0, "cannot stat: %s", strerror(errno));
        goto done;
    }
    if ((uint64_t)st.st_size > SIGFILE_MAX) {
        err = vgi_diag_set(diag, VG_ERR_LIMIT, path, 0, 0, "signature file larger than 2 GiB");
        goto done;
    }
    size_t size = (size_t)st.st_size, got = 0;
    if ((buf = vg_malloc(size + 1)) == NULL) {
        err = VG_ERR_NOMEM;
        goto done;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = vgi_diag_set(diag, VG_ERR_IO, path, 0, 0, "read error: %s", strerror(errno));
            goto done;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    buf = NULL;
done:
    vg_free(buf);
    close(fd);
    return err;
}

static int sig_file_filter(const struct dirent *d)
{
    return d->d_name[0] != '.' && vgi_sigfmt_for_name(d->d_name) != NULL;
}

static vg_error load_dir(vg_engine *e, const char *dir, vg_diag *diag)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, sig_file_filter, alphasort);
    if (n < 0)
        return vgi_diag_set(diag, VG_ERR_IO, dir, 0, 0, "cannot read directory: %s",
                            strerror(errno));
    vg_error err = VG_OK;
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        int len = snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        if (err == VG_OK && len > 0 && (size_t)len < sizeof path && stat(path, &st) == 0 &&
            S_ISREG(st.st_mode))
            err = add_source(e, path, NULL, 0, &st);
        free(list[i]);
    }
    free(list);
    return err;
}

vg_error vg_engine_load(vg_engine *e, const char *path, vg_diag *diag)
{
    if (e == NULL || path == NULL)
        return VG_ERR_INVALID_ARG;
    if (e->compiled)
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, path, 0, 0,
                            "the engine is compiled; load signatures before compiling");
    struct stat st;
    if (stat(path, &st) != 0)
        return vgi_diag_set(diag, errno == ENOENT ? VG_ERR_NOT_FOUND : VG_ERR_IO, path, 0, 0,
                            "cannot open: %s", strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        size_t before = e->n_src;
        vg_error err = load_dir(e, path, diag);
        while (err != VG_OK && e->n_src > before) { /* nothing of a failed call stays */
            e->n_src--;
            vg_free(e->src[e->n_src].name);
        }
        return err;
    }
    vg_error err = check_type(path, diag);
    return err != VG_OK ? err : add_source(e, path, NULL, 0, &st);
}

/* Parses every source into a fresh database, in the order they were named. */
static vg_error parse_sources(vg_engine *e, vg_diag *diag)
{
    vg_error err = vgi_sigdb_new(&e->db);
    for (size_t i = 0; err == VG_OK && i < e->n_src; i++) {
        const vgi_source *s = &e->src[i];
        const vgi_sigfmt *fmt = vgi_sigfmt_for_name(base_name(s->name));
        if (fmt == NULL)
            return check_type(s->name, diag);
        if (s->is_mem) {
            err = fmt->parse(e->db, s->name, s->buf, s->len, diag);
        } else {
            char *buf = NULL;
            size_t len = 0;
            if ((err = read_file(s->name, &buf, &len, diag)) == VG_OK)
                err = fmt->parse(e->db, s->name, buf, len, diag);
            vg_free(buf);
        }
    }
    return err;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static vg_error build(vg_engine *e, const char *cache_dir, vg_diag *diag)
{
    vg_error err;
    if ((err = parse_sources(e, diag)) != VG_OK)
        return err;
    size_t nb = vgi_sigdb_body_count(e->db);
    vgi_body_sig **all = vgi_sigdb_bodies(e->db);
    if ((err = vgi_hash_set_build(e->db, 0, &e->hashes)) != VG_OK)
        return err;
    if ((err = vgi_hash_set_build(e->db, 1, &e->allows)) != VG_OK)
        return err;
    vgi_sigdb_drop_hashes(e->db);

    e->bodies = vg_malloc((nb ? nb : 1) * sizeof *e->bodies);
    e->body_names = vg_malloc((nb ? nb : 1) * sizeof *e->body_names);
    if (e->bodies == NULL || e->body_names == NULL)
        return VG_ERR_NOMEM;
    uint64_t ignored = 0;
    for (size_t i = 0; i < nb; i++) {
        const char *name = vgi_sigdb_name(e->db, all[i]->name);
        if (vgi_sigdb_is_ignored(e->db, name)) {
            ignored++;
            continue;
        }
        e->bodies[e->n_bodies] = all[i];
        e->body_names[e->n_bodies++] = name;
        e->body_targets |= 1u << (all[i]->target & 31);
    }
    if ((err = vgi_hs_db_build(e->bodies, e->n_bodies, e->body_names, cache_dir, &e->hs, diag)) !=
        VG_OK)
        return err;
    e->names = vgi_sigdb_pool(e->db, &e->names_len);
    e->skipped_first = vgi_sigdb_skipped_first(e->db);
    e->stats.ignored = ignored;
    e->stats.skipped = vgi_sigdb_skipped_count(e->db);
    e->stats.cache_hit = e->hs->cache_hit;
    return VG_OK;
}

vg_error vg_engine_compile(vg_engine *e, const vg_compile_opts *opts, vg_diag *diag)
{
    if (e == NULL || e->compiled)
        return VG_ERR_INVALID_ARG;
    const char *cache_dir = opts ? opts->cache_dir : NULL;
    double t0 = now_ms();
    uint8_t key[32];
    vg_error err = VG_ERR_NOT_FOUND;
    if (cache_dir != NULL) {
        vgi_image_key(e, key);
        err = vgi_image_load(e, cache_dir, key);
    }
    if (err != VG_OK) {
        if ((err = build(e, cache_dir, diag)) != VG_OK)
            return err;
        if (cache_dir != NULL)
            (void)vgi_image_save(e, cache_dir, key);
    }
    e->stats.hash_sigs = vgi_hash_set_count(e->hashes);
    e->stats.allow_hashes = vgi_hash_set_count(e->allows);
    e->stats.body_sigs = e->n_bodies;
    e->stats.patterns = e->hs->n_patterns;
    e->stats.matcher_bytes = e->hs->db_bytes;
    e->stats.compile_ms = now_ms() - t0;
    e->compiled = 1;
    return VG_OK;
}

vg_error vg_engine_stats_get(const vg_engine *e, vg_engine_stats *out)
{
    if (e == NULL || out == NULL)
        return VG_ERR_INVALID_ARG;
    *out = e->stats;
    return VG_OK;
}

const char *vg_engine_first_skipped(const vg_engine *e)
{
    return e->skipped_first;
}

uint64_t vg_engine_signature_count(const vg_engine *e)
{
    return e->stats.hash_sigs + e->stats.body_sigs;
}
