/* Running totals of a scan, bumped by the workers and read by the progress
 * line and the summary. Relaxed atomics: each counter is independent and
 * only needs to be exact once the threads are joined. */
#ifndef VIGIL_CLI_STATS_H
#define VIGIL_CLI_STATS_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct scan_stats {
    atomic_uint_fast64_t files;      /* top-level files scanned (errors excluded) */
    atomic_uint_fast64_t infected;   /* files with a detection */
    atomic_uint_fast64_t incomplete; /* files a limit or inner error left unfinished */
    atomic_uint_fast64_t errors;     /* files or directories that could not be read */
    atomic_uint_fast64_t bytes_scanned;
    atomic_uint_fast64_t bytes_read;
    atomic_uint_fast64_t acted;         /* flagged files quarantined or deleted */
    atomic_uint_fast64_t action_failed; /* flagged files --action could not treat */
} scan_stats;

static inline void stats_add(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t stats_get(atomic_uint_fast64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

#endif
