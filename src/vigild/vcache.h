/* The clean-verdict cache of on-access scanning.
 *
 *     vd_vcache *c = vd_vcache_new(65536, 16);       capacity, lock stripes
 *     vd_vkey k;  vd_vkey_from_stat(&st, &k);
 *     if (vd_vcache_lookup(c, &k, gen)) allow at once;
 *     else { scan; if clean: vd_vcache_insert(c, &k, gen); }
 *     vd_vcache_drop(c, st.st_dev, st.st_ino);        on FAN_CLOSE_WRITE
 *
 * Only clean verdicts are cached: a detection is rare and is worth scanning
 * again (the file may be quarantined meanwhile). An entry answers for one
 * inode exactly as it was scanned -- same device, inode, size, mtime and
 * ctime to the nanosecond -- and for one engine generation: a reload makes
 * every older entry a miss. ctime cannot be set from user space, so a file
 * rewritten with its old mtime restored (touch -r) still misses.
 *
 * Bounded: at most `capacity` entries, least recently used evicted first,
 * per stripe. Threads: every function may be called from any thread. */
#ifndef VIGILD_VCACHE_H
#define VIGILD_VCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

typedef struct vd_vcache vd_vcache;

typedef struct vd_vkey {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
} vd_vkey;

typedef struct vd_vcache_stats {
    uint64_t hits, misses, inserts, evictions, drops;
    size_t entries, capacity;
} vd_vcache_stats;

void vd_vkey_from_stat(const struct stat *st, vd_vkey *key);

/* capacity: total entries (at least one per stripe); stripes: independent
 * locks, rounded up to a power of two (1 = a single mutex). NULL when out of
 * memory. */
vd_vcache *vd_vcache_new(size_t capacity, unsigned stripes);
/* NULL is a no-op. */
void vd_vcache_free(vd_vcache *cache);

/* true: this exact file state was judged clean by engine generation gen. */
bool vd_vcache_lookup(vd_vcache *cache, const vd_vkey *key, uint64_t gen);
/* Records a clean verdict, replacing any entry for the same inode. */
void vd_vcache_insert(vd_vcache *cache, const vd_vkey *key, uint64_t gen);
/* Forgets the inode (written or modified). */
void vd_vcache_drop(vd_vcache *cache, uint64_t dev, uint64_t ino);
void vd_vcache_clear(vd_vcache *cache);
void vd_vcache_stats_get(vd_vcache *cache, vd_vcache_stats *out);

#endif
