/* The thread pool (pool.h): a ring buffer of jobs under one mutex, with a
 * condition variable for idle workers. One mutex is enough here: a job is a
 * whole client connection, so the lock is taken twice per connection, not
 * per file scanned. */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct job {
    vd_job_fn fn;
    void *arg;
} job;

struct vd_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    job *ring;
    unsigned cap, head, count;
    unsigned nthreads, busy;
    bool stopping;
    pthread_t *threads;
};

static void *worker(void *arg)
{
    vd_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->cond, &p->lock);
        if (p->count == 0)
            break; /* stopping and drained */
        job j = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        p->busy++;
        pthread_mutex_unlock(&p->lock);
        j.fn(j.arg);
        pthread_mutex_lock(&p->lock);
        p->busy--;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

vd_pool *vd_pool_new(unsigned threads, unsigned max_queue)
{
    vd_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->cap = max_queue ? max_queue : 1;
    p->ring = calloc(p->cap, sizeof *p->ring);
    p->threads = calloc(threads, sizeof *p->threads);
    if (p->ring == NULL || p->threads == NULL) {
        free(p->ring);
        free(p->threads);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0) {
        vd_pool_free(p);
        return NULL;
    }
    return p;
}

int vd_pool_submit(vd_pool *p, vd_job_fn fn, void *arg)
{
    int rc = -1;
    pthread_mutex_lock(&p->lock);
    if (!p->stopping && p->count < p->cap) {
        p->ring[(p->head + p->count) % p->cap] = (job){fn, arg};
        p->count++;
        pthread_cond_signal(&p->cond);
        rc = 0;
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

bool vd_pool_has_room(vd_pool *p)
{
    pthread_mutex_lock(&p->lock);
    bool room = p->count < p->cap;
    pthread_mutex_unlock(&p->lock);
    return room;
}

void vd_pool_stats(vd_pool *p, unsigned *threads, unsigned *busy, unsigned *queued)
{
    pthread_mutex_lock(&p->lock);
    *threads = p->nthreads;
    *busy = p->busy;
    *queued = p->count;
    pthread_mutex_unlock(&p->lock);
}

void vd_pool_free(vd_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p->ring);
    free(p->threads);
    free(p);
}
