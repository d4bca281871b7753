/* Loading signatures and compiling them into an immutable engine.
 *
 *     vg_engine_load(e, "db/")          every .hdb .hsb .ndb .fp .sfp .ign2 in name order
 *     vg_engine_compile(e, &opts, &d)   hash tables + one Hyperscan database
 *
 * Loading is transactional per call: a malformed line anywhere in a file
 * (or in any file of a directory) rolls the database back to what it held
 * before the call, so a caller that goes on after an error never scans with
 * a half-loaded file. Compilation drops .ign2-listed names, builds the hash
 * tables and the matcher, then frees the load-time hash arrays. */
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
    if (vgi_sigdb_new(&e->db) != VG_OK) {
        vg_free(e);
        return VG_ERR_NOMEM;
    }
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

static vg_error parse_into(vg_engine *e, const char *name, const char *buf, size_t len,
                           vg_diag *diag)
{
    const vgi_sigfmt *fmt = vgi_sigfmt_for_name(base_name(name));
    if (fmt == NULL) {
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
    return fmt->parse(e->db, name, buf, len, diag);
}

vg_error vg_engine_load_mem(vg_engine *e, const char *name, const void *buf, size_t len,
                            vg_diag *diag)
{
    if (e == NULL || name == NULL || (buf == NULL && len))
        return VG_ERR_INVALID_ARG;
    if (e->compiled)
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, name, 0, 0,
                            "the engine is compiled; load signatures before compiling");
    vgi_sigdb_mark m;
    vgi_sigdb_mark_take(e->db, &m);
    vg_error err = parse_into(e, name, buf ? buf : "", len, diag);
    if (err != VG_OK)
        vgi_sigdb_rollback(e->db, &m);
    return err;
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

static vg_error load_file(vg_engine *e, const char *path, vg_diag *diag)
{
    char *buf = NULL;
    size_t len = 0;
    vg_error err = read_file(path, &buf, &len, diag);
    if (err == VG_OK)
        err = parse_into(e, path, buf, len, diag);
    vg_free(buf);
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
        if (err == VG_OK) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
            struct stat st;
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
                err = load_file(e, path, diag);
        }
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
    vgi_sigdb_mark m;
    vgi_sigdb_mark_take(e->db, &m);
    vg_error err = S_ISDIR(st.st_mode) ? load_dir(e, path, diag) : load_file(e, path, diag);
    if (err != VG_OK)
        vgi_sigdb_rollback(e->db, &m);
    return err;
}

vg_error vg_engine_compile(vg_engine *e, const vg_compile_opts *opts, vg_diag *diag)
{
    if (e == NULL || e->compiled)
        return VG_ERR_INVALID_ARG;
    vg_error err;
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
    }
    err = vgi_hs_db_build(e->bodies, e->n_bodies, e->body_names, opts ? opts->cache_dir : NULL,
                          &e->hs, diag);
    if (err != VG_OK)
        return err;
    e->stats.hash_sigs = vgi_hash_set_count(e->hashes);
    e->stats.allow_hashes = vgi_hash_set_count(e->allows);
    e->stats.body_sigs = e->n_bodies;
    e->stats.ignored = ignored;
    e->stats.skipped = vgi_sigdb_skipped_count(e->db);
    e->stats.patterns = e->hs->n_patterns;
    e->stats.cache_hit = e->hs->cache_hit;
    e->stats.compile_ms = e->hs->ms;
    e->stats.matcher_bytes = e->hs->db_bytes;
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
    return vgi_sigdb_skipped_first(e->db);
}

uint64_t vg_engine_signature_count(const vg_engine *e)
{
    return e->stats.hash_sigs + e->stats.body_sigs;
}
