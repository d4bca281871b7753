/* Thread pool: a ring buffer of job pointers under one mutex, with two
 * condition variables (not empty / not full). Scanning a file takes
 * milliseconds against microseconds of queue work, so one lock is not the
 * bottleneck and keeps the code obviously correct. */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    void **ring;
    size_t cap, head, count;
    bool closing;
    pool_fn fn;
    unsigned nthreads;
    struct worker {
        pool *p;
        void *state;
        pthread_t tid;
    } * workers;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    pool *p = w->p;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->count == 0 && !p->closing)
            pthread_cond_wait(&p->not_empty, &p->lock);
        if (p->count == 0) { /* closing and drained */
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        void *job = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        pthread_cond_signal(&p->not_full);
        pthread_mutex_unlock(&p->lock);
        p->fn(w->state, job);
    }
}

static void stop_and_join(pool *p, unsigned started)
{
    pthread_mutex_lock(&p->lock);
    p->closing = true;
    pthread_cond_broadcast(&p->not_empty);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < started; i++)
        pthread_join(p->workers[i].tid, NULL);
}

static void destroy(pool *p)
{
    pthread_cond_destroy(&p->not_full);
    pthread_cond_destroy(&p->not_empty);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p->ring);
    free(p);
}

int pool_start(unsigned nthreads, size_t capacity, void **state, pool_fn fn, pool **out)
{
    *out = NULL;
    if (nthreads == 0 || capacity == 0)
        return EINVAL;
    pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return ENOMEM;
    p->ring = calloc(capacity, sizeof *p->ring);
    p->workers = calloc(nthreads, sizeof *p->workers);
    if (p->ring == NULL || p->workers == NULL) {
        free(p->ring);
        free(p->workers);
        free(p);
        return ENOMEM;
    }
    p->cap = capacity;
    p->fn = fn;
    p->nthreads = nthreads;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    for (unsigned i = 0; i < nthreads; i++) {
        p->workers[i] = (struct worker){.p = p, .state = state[i]};
        int rc = pthread_create(&p->workers[i].tid, NULL, worker_main, &p->workers[i]);
        if (rc != 0) {
            stop_and_join(p, i);
            destroy(p);
            return rc;
        }
    }
    *out = p;
    return 0;
}

void pool_submit(pool *p, void *job)
{
    pthread_mutex_lock(&p->lock);
    while (p->count == p->cap)
        pthread_cond_wait(&p->not_full, &p->lock);
    p->ring[(p->head + p->count) % p->cap] = job;
    p->count++;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->lock);
}

void pool_finish(pool *p)
{
    if (p == NULL)
        return;
    stop_and_join(p, p->nthreads);
    destroy(p);
}
