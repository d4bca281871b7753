/* The engine's insides, shared by engine.c, engine_image.c and the scanner. */
#ifndef VGI_SCAN_ENGINE_INT_H
#define VGI_SCAN_ENGINE_INT_H

#include <stdatomic.h>
#include <sys/stat.h>
#include <vigil/engine.h>

#include "../match/hs_db.h"
#include "../match/match.h"
#include "../sig/sig.h"

/* A signature source named by vg_engine_load*(); parsed at compile time. */
typedef struct vgi_source {
    char *name;
    char *buf; /* memory sources: a copy of the text */
    size_t len;
    int is_mem;
    struct stat st; /* file sources: identity when it was named */
} vgi_source;

struct vg_engine {
    atomic_int refs;
    vg_limits limits;
    int compiled;
    vgi_source *src;
    size_t n_src, cap_src;
    /* after compile, from parsing (db) or from an engine image (image) */
    vgi_sigdb *db;
    void *image; /* mapped engine image, or NULL */
    size_t image_len;
    vgi_body_sig *image_bodies;
    vgi_hash_set *hashes; /* detections */
    vgi_hash_set *allows; /* .fp/.sfp */
    vgi_hs_db *hs;
    vgi_body_sig **bodies; /* in use (ignored ones dropped) */
    const char **body_names;
    size_t n_bodies;
    uint32_t body_targets; /* bit (1u << target) of every body signature in use */
    const char *names;     /* name pool: hash entries keep offsets into it */
    size_t names_len;
    const char *skipped_first;
    vg_engine_stats stats;
};

/* ---- engine_image.c: the compiled engine as one cache file ---- */

/* A 256-bit hash of everything that determines the compiled engine: the format
 * version, Hyperscan's version, and each source (a file by its identity:
 * path, device, inode, size, mtime, ctime; memory by its content). */
void vgi_image_key(const vg_engine *e, uint8_t key[32]);
/* Loads cache_dir's image for key into e (compiled state). VG_ERR_NOT_FOUND
 * when there is none; any damage is VG_ERR_MALFORMED and e is unchanged. */
vg_error vgi_image_load(vg_engine *e, const char *cache_dir, const uint8_t key[32]);
/* Writes e's compiled state atomically (temp file, fsync, rename), then
 * prunes older images. Failures are ignored by the caller: it is a cache. */
vg_error vgi_image_save(const vg_engine *e, const char *cache_dir, const uint8_t key[32]);
/* Releases the mapping (NULL-safe); for vg_engine_unref. */
void vgi_image_unmap(vg_engine *e);

#endif
