/* The signature database while it is loaded.
 *
 * Parsers append to flat arrays: a name pool (NUL-terminated names, referred
 * to by 32-bit offsets so a million hash entries cost 4 bytes of name each),
 * hash entries per digest kind (detections and allow-list apart), body
 * signatures, and .ign2 names. Nothing is indexed here; the compiler in
 * lib/match builds the lookup tables once loading is over. A failed file
 * load rolls back to the mark taken before it, so a half-read file never
 * leaves signatures behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"
#include "sig.h"

typedef struct hash_vec {
    vgi_hash_entry *v;
    size_t n, cap;
} hash_vec;

struct vgi_sigdb {
    char *names;
    size_t names_len, names_cap;
    hash_vec hashes[VGI_HASH_KINDS][2]; /* [kind][allow] */
    vgi_body_sig **bodies;
    size_t n_bodies, cap_bodies;
    char **ignores;
    size_t n_ignores, cap_ignores;
    int ignores_sorted;
    size_t skipped;
    char skipped_first[768];
};

/* Grows *v (elements of size sz) to hold at least want; doubling. */
static vg_error grow(void **v, size_t *cap, size_t want, size_t sz)
{
    if (want <= *cap)
        return VG_OK;
    size_t nc = *cap ? *cap : 64;
    while (nc < want) {
        if (nc > SIZE_MAX / 2 / sz)
            return VG_ERR_NOMEM;
        nc *= 2;
    }
    void *p = vg_realloc(*v, nc * sz);
    if (p == NULL)
        return VG_ERR_NOMEM;
    *v = p;
    *cap = nc;
    return VG_OK;
}

vg_error vgi_sigdb_new(vgi_sigdb **out)
{
    *out = vg_calloc(1, sizeof **out);
    return *out ? VG_OK : VG_ERR_NOMEM;
}

void vgi_sigdb_free(vgi_sigdb *db)
{
    if (db == NULL)
        return;
    vg_free(db->names);
    for (int k = 0; k < VGI_HASH_KINDS; k++)
        for (int a = 0; a < 2; a++)
            vg_free(db->hashes[k][a].v);
    for (size_t i = 0; i < db->n_bodies; i++)
        vg_free(db->bodies[i]);
    vg_free(db->bodies);
    for (size_t i = 0; i < db->n_ignores; i++)
        vg_free(db->ignores[i]);
    vg_free(db->ignores);
    vg_free(db);
}

void vgi_sigdb_mark_take(const vgi_sigdb *db, vgi_sigdb_mark *m)
{
    m->names = db->names_len;
    for (int k = 0; k < VGI_HASH_KINDS; k++) {
        m->hashes[k] = db->hashes[k][0].n;
        m->allows[k] = db->hashes[k][1].n;
    }
    m->bodies = db->n_bodies;
    m->ignores = db->n_ignores;
    m->skipped = db->skipped;
}

void vgi_sigdb_rollback(vgi_sigdb *db, const vgi_sigdb_mark *m)
{
    db->names_len = m->names;
    for (int k = 0; k < VGI_HASH_KINDS; k++) {
        db->hashes[k][0].n = m->hashes[k];
        db->hashes[k][1].n = m->allows[k];
    }
    for (size_t i = m->bodies; i < db->n_bodies; i++)
        vg_free(db->bodies[i]);
    db->n_bodies = m->bodies;
    for (size_t i = m->ignores; i < db->n_ignores; i++)
        vg_free(db->ignores[i]);
    db->n_ignores = m->ignores;
    db->skipped = m->skipped;
}

vg_error vgi_sigdb_reserve(vgi_sigdb *db, vgi_hash_kind kind, int allow, size_t hashes,
                           size_t name_bytes)
{
    if ((unsigned)kind >= VGI_HASH_KINDS)
        return VG_ERR_INVALID_ARG;
    hash_vec *hv = &db->hashes[kind][allow ? 1 : 0];
    vg_error err = grow((void **)&hv->v, &hv->cap, hv->n + hashes, sizeof *hv->v);
    if (err == VG_OK)
        err = grow((void **)&db->names, &db->names_cap, db->names_len + name_bytes, 1);
    return err;
}

vg_error vgi_sigdb_add_name(vgi_sigdb *db, const char *name, size_t len, uint32_t *off)
{
    if (len > VGI_SIG_MAX_NAME || db->names_len + len + 1 > UINT32_MAX)
        return VG_ERR_LIMIT;
    vg_error err = grow((void **)&db->names, &db->names_cap, db->names_len + len + 1, 1);
    if (err != VG_OK)
        return err;
    memcpy(db->names + db->names_len, name, len);
    db->names[db->names_len + len] = '\0';
    *off = (uint32_t)db->names_len;
    db->names_len += len + 1;
    return VG_OK;
}

const char *vgi_sigdb_name(const vgi_sigdb *db, uint32_t off)
{
    return off < db->names_len ? db->names + off : "?";
}

const char *vgi_sigdb_pool(const vgi_sigdb *db, size_t *len)
{
    *len = db->names_len;
    return db->names ? db->names : "";
}

vg_error vgi_sigdb_add_hash(vgi_sigdb *db, vgi_hash_kind kind, const uint8_t *digest, uint64_t size,
                            const char *name, size_t name_len, int allow)
{
    if ((unsigned)kind >= VGI_HASH_KINDS)
        return VG_ERR_INVALID_ARG;
    hash_vec *hv = &db->hashes[kind][allow ? 1 : 0];
    vg_error err = grow((void **)&hv->v, &hv->cap, hv->n + 1, sizeof *hv->v);
    if (err != VG_OK)
        return err;
    vgi_hash_entry *e = &hv->v[hv->n];
    if ((err = vgi_sigdb_add_name(db, name, name_len, &e->name)) != VG_OK)
        return err;
    memset(e->digest, 0, sizeof e->digest);
    memcpy(e->digest, digest, vgi_hash_len(kind));
    e->size = size;
    hv->n++;
    return VG_OK;
}

vg_error vgi_sigdb_add_body(vgi_sigdb *db, vgi_body_sig *sig)
{
    vg_error err =
        grow((void **)&db->bodies, &db->cap_bodies, db->n_bodies + 1, sizeof *db->bodies);
    if (err != VG_OK) {
        vg_free(sig);
        return err;
    }
    db->bodies[db->n_bodies++] = sig;
    return VG_OK;
}

vg_error vgi_sigdb_add_ignore(vgi_sigdb *db, const char *name, size_t len)
{
    vg_error err =
        grow((void **)&db->ignores, &db->cap_ignores, db->n_ignores + 1, sizeof *db->ignores);
    if (err != VG_OK)
        return err;
    char *copy = vg_strndup(name, len);
    if (copy == NULL)
        return VG_ERR_NOMEM;
    db->ignores[db->n_ignores++] = copy;
    db->ignores_sorted = 0;
    return VG_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vgi_sigdb_is_ignored(const vgi_sigdb *db, const char *name)
{
    if (db->n_ignores == 0)
        return 0;
    if (!db->ignores_sorted) {
        /* Sorting is a cache of the set's order; the set itself is unchanged. */
        vgi_sigdb *mut = (vgi_sigdb *)db;
        qsort(mut->ignores, mut->n_ignores, sizeof *mut->ignores, cmp_str);
        mut->ignores_sorted = 1;
    }
    return bsearch(&name, db->ignores, db->n_ignores, sizeof *db->ignores, cmp_str) != NULL;
}

size_t vgi_sigdb_ignore_count(const vgi_sigdb *db)
{
    return db->n_ignores;
}

void vgi_sigdb_note_skipped(vgi_sigdb *db, const char *src, unsigned line, const char *why)
{
    if (db->skipped++ == 0)
        snprintf(db->skipped_first, sizeof db->skipped_first, "%s:%u: %s", src ? src : "?", line,
                 why);
}

size_t vgi_sigdb_skipped_count(const vgi_sigdb *db)
{
    return db->skipped;
}

const char *vgi_sigdb_skipped_first(const vgi_sigdb *db)
{
    return db->skipped ? db->skipped_first : NULL;
}

size_t vgi_sigdb_hash_count(const vgi_sigdb *db, vgi_hash_kind kind, int allow)
{
    return db->hashes[kind][allow ? 1 : 0].n;
}

vgi_hash_entry *vgi_sigdb_hashes(vgi_sigdb *db, vgi_hash_kind kind, int allow)
{
    return db->hashes[kind][allow ? 1 : 0].v;
}

void vgi_sigdb_drop_hashes(vgi_sigdb *db)
{
    for (int k = 0; k < VGI_HASH_KINDS; k++)
        for (int a = 0; a < 2; a++) {
            vg_free(db->hashes[k][a].v);
            db->hashes[k][a] = (hash_vec){0};
        }
}

size_t vgi_sigdb_body_count(const vgi_sigdb *db)
{
    return db->n_bodies;
}

vgi_body_sig **vgi_sigdb_bodies(vgi_sigdb *db)
{
    return db->bodies;
}
