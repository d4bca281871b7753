/* The engine: loaded signatures and the compiled matcher.
 *
 *     vg_engine *e;
 *     vg_limits lim = vg_limits_default();
 *     vg_engine_new(&lim, &e);
 *     vg_engine_load(e, "/var/lib/vigil/main.ndb", &diag);   any number of files/dirs
 *     vg_engine_compile(e, &opts, &diag);                    once; then immutable
 *     ... one vg_scanner per thread ...
 *     vg_engine_unref(e);
 *
 * Once compiled, an engine is immutable and shared by every scanner, in any
 * thread. A reload builds a new engine and swaps it in; scanners hold a
 * reference on the engine they were made from. */
#ifndef VIGIL_ENGINE_H
#define VIGIL_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/diag.h>
#include <vigil/limits.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_engine vg_engine;

/* limits is copied; NULL means vg_limits_default(). Refcount starts at 1. */
vg_error vg_engine_new(const vg_limits *limits, vg_engine **out);
void vg_engine_ref(vg_engine *engine);
/* Drops one reference; frees at zero. NULL is a no-op. */
void vg_engine_unref(vg_engine *engine);

/* Names a signature file, chosen by its extension (.hdb .hsb .ndb .fp .sfp
 * .ign2 .ign), or every such file in a directory (not recursive, in name
 * order; other files are ignored). A missing path or an unknown file type is
 * refused at once (VG_ERR_NOT_FOUND, VG_ERR_UNSUPPORTED, with diag); the
 * files are parsed by vg_engine_compile(). */
vg_error vg_engine_load(vg_engine *engine, const char *path, vg_diag *diag);

/* Names signatures held in memory (copied); name's extension selects the
 * format and name is used in diagnostics. For tests, fuzzers and embedded
 * databases. */
vg_error vg_engine_load_mem(vg_engine *engine, const char *name, const void *buf, size_t len,
                            vg_diag *diag);

/* Adds the built-in EICAR test signature ("Eicar-Test-Signature"). */
vg_error vg_engine_load_builtin(vg_engine *engine);

typedef struct vg_compile_opts {
    const char *cache_dir; /* compiled-engine cache; NULL = no cache */
} vg_compile_opts;

/* Parses every named source and builds the matchers; with a cache_dir, a
 * second start with the same sources (same path, inode, size, mtime, ctime)
 * loads the compiled engine from there instead. A malformed line fails with
 * VG_ERR_MALFORMED and diag naming file:line:col; the engine must then be
 * freed. After success, load calls fail with VG_ERR_INVALID_ARG. */
vg_error vg_engine_compile(vg_engine *engine, const vg_compile_opts *opts, vg_diag *diag);

typedef struct vg_engine_stats {
    uint64_t hash_sigs;    /* hash signatures (MD5, SHA1, SHA256) */
    uint64_t body_sigs;    /* body (.ndb) signatures */
    uint64_t allow_hashes; /* .fp/.sfp entries */
    uint64_t ignored;      /* signatures dropped by .ign2 */
    uint64_t skipped;      /* well-formed signatures this engine cannot use yet (EP offsets) */
    uint64_t patterns;     /* distinct patterns given to the matcher */
    int cache_hit;         /* compiled matcher loaded from the cache */
    double compile_ms;     /* time to build or load the matcher */
    uint64_t matcher_bytes;
} vg_engine_stats;

vg_error vg_engine_stats_get(const vg_engine *engine, vg_engine_stats *out);
const vg_limits *vg_engine_limits(const vg_engine *engine);
/* "file:line: reason" of the first skipped signature, or NULL. */
const char *vg_engine_first_skipped(const vg_engine *engine);
/* Total number of signatures (hash + body), clamscan's "Known viruses". */
uint64_t vg_engine_signature_count(const vg_engine *engine);

#ifdef __cplusplus
}
#endif
#endif
