/* The progress thread sleeps on a condition variable with a timeout, so
 * progress_stop() wakes it at once instead of waiting out a tick. It only
 * reads the shared counters; the line itself is printed by output.c under
 * the same lock as the results, which wipes it before any result line. */
#include "progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TICK_NS 200000000L /* 5 redraws per second at most */

struct progress {
    output *out;
    scan_stats *stats;
    pthread_t tid;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    struct timespec t0;
};

static double since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void draw(progress *p)
{
    double secs = since(&p->t0);
    double mb = (double)stats_get(&p->stats->bytes_read) / (1024.0 * 1024.0);
    char line[128];
    snprintf(line, sizeof line, "vigil: %llu files, %.1f MB, %.1f MB/s, %llu found",
             (unsigned long long)stats_get(&p->stats->files), mb, secs > 0 ? mb / secs : 0.0,
             (unsigned long long)stats_get(&p->stats->infected));
    output_progress(p->out, line);
}

static void *run(void *arg)
{
    progress *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_nsec += TICK_NS;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        int rc = 0;
        while (!p->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&p->wake, &p->lock, &deadline);
        if (p->stop)
            break;
        pthread_mutex_unlock(&p->lock);
        draw(p);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

progress *progress_start(output *out, scan_stats *stats)
{
    progress *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->out = out;
    p->stats = stats;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&p->lock, NULL);
    if (pthread_create(&p->tid, NULL, run, p) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

void progress_stop(progress *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->tid, NULL);
    output_progress_clear(p->out);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
