/* A fixed set of worker threads fed from a bounded queue.
 *
 *     vd_pool *p = vd_pool_new(10, 200);
 *     if (vd_pool_submit(p, serve_client, conn) != 0)  -> queue full: refuse
 *     vd_pool_free(p);                 runs what is queued, then joins
 *
 * The bound is the point: a flood of connections waits in the kernel's
 * listen backlog instead of in our memory. */
#ifndef VIGILD_POOL_H
#define VIGILD_POOL_H

#include <stdbool.h>

typedef struct vd_pool vd_pool;
typedef void (*vd_job_fn)(void *arg);

vd_pool *vd_pool_new(unsigned threads, unsigned max_queue);
/* 0, or -1 when the queue is full or the pool is stopping (the job is not run). */
int vd_pool_submit(vd_pool *p, vd_job_fn fn, void *arg);
bool vd_pool_has_room(vd_pool *p);
/* For STATS: threads, busy threads, queued jobs. */
void vd_pool_stats(vd_pool *p, unsigned *threads, unsigned *busy, unsigned *queued);
/* Stops taking jobs, lets the queued ones run, joins every thread. NULL ok. */
void vd_pool_free(vd_pool *p);

#endif
