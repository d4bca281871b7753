/* The compiled body-signature database: one Hyperscan stream-mode database
 * holding every signature's atom, and the map from a Hyperscan pattern id
 * back to the signatures that share that atom. */
#ifndef VGI_MATCH_HS_DB_H
#define VGI_MATCH_HS_DB_H

#include <hs/hs.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/diag.h>
#include "../sig/sig.h"

typedef struct vgi_hs_ref {
    uint32_t sig; /* index into the body signature array */
    uint32_t el;  /* anchor: element and byte where the atom starts */
    uint32_t byte;
    uint32_t len; /* atom length: the match ends len bytes after the anchor */
} vgi_hs_ref;

typedef struct vgi_hs_db {
    hs_database_t *db; /* NULL when there are no body signatures */
    uint32_t n_patterns;
    uint32_t *ref_start; /* refs of pattern i: refs[ref_start[i] .. ref_start[i+1]) */
    vgi_hs_ref *refs;
    size_t db_bytes;
    int cache_hit;
    double ms;
    int borrowed; /* ref arrays point into an engine image */
} vgi_hs_db;

/* Builds (or loads from cache_dir, keyed by a digest of every expression)
 * the database for sigs[0..n). cache_dir may be NULL. A signature whose atom
 * Hyperscan refuses is an error naming it; a cache that can't be read or
 * written is silently rebuilt (the database is correct either way). */
vg_error vgi_hs_db_build(vgi_body_sig *const *sigs, size_t n, const char *const *names,
                         const char *cache_dir, vgi_hs_db **out, vg_diag *diag);
void vgi_hs_db_free(vgi_hs_db *db);

/* Engine images: the pattern map and the serialized Hyperscan database.
 * read() checks every reference against n_bodies; the arrays stay views
 * into the image. */
struct vgi_blob;
struct vgi_reader;
void vgi_hs_db_write(const vgi_hs_db *h, struct vgi_blob *b);
vg_error vgi_hs_db_read(struct vgi_reader *r, size_t n_bodies, vgi_hs_db **out);

#endif
