/* A fixed set of worker threads fed through a bounded queue.
 *
 *     void *state[4] = {...};                  one per thread, e.g. a vg_scanner
 *     pool *p;
 *     pool_start(4, 16, state, run_job, &p);
 *     pool_submit(p, job);                     blocks while the queue is full
 *     pool_finish(p);                          drains, joins, frees
 *
 * The bound is what keeps a walk over millions of files from opening them
 * all at once: the walker waits for the scanners. */
#ifndef VIGIL_CLI_POOL_H
#define VIGIL_CLI_POOL_H

#include <stddef.h>

typedef struct pool pool;

/* Called in worker thread i with state[i] and one submitted job. */
typedef void (*pool_fn)(void *state, void *job);

/* Returns 0, or an errno value when a thread or memory could not be had
 * (the threads already started are stopped again). */
int pool_start(unsigned nthreads, size_t capacity, void **state, pool_fn fn, pool **out);

void pool_submit(pool *p, void *job);

/* Runs every queued job, then joins the threads and frees p. */
void pool_finish(pool *p);

#endif
