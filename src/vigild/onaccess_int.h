/* Internals shared by onaccess.c (queue, workers, watchdog), onaccess_fan.c
 * (fanotify reader) and onaccess_inotify.c (recursive inotify watches). */
#ifndef VIGILD_ONACCESS_INT_H
#define VIGILD_ONACCESS_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "onaccess.h"

/* Queued events beyond this are answered at once (by the timeout policy)
 * instead of waiting: a flood of opens must not grow memory or latency
 * without bound. */
#define OA_QUEUE_MAX 4096

typedef struct oa_job {
    int fd;      /* the event's fd (fanotify) or our own open (inotify); we close it */
    bool perm;   /* a fanotify permission event: must be answered */
    pid_t pid;   /* the opener */
    vd_vkey key; /* identity as opened, for the cache */
    uint64_t deadline_ms;
    atomic_int answered;
    struct oa_job *next;
    char path[PATH_MAX];
} oa_job;

typedef struct oa_dirwatch oa_dirwatch;

struct vd_onaccess {
    vd_oa_opts o;
    unsigned budget_ms, n_workers;
    atomic_bool enabled;
    bool fan; /* fanotify mode */
    int fan_fd;
    int stop_fd; /* eventfd: wakes the reader threads */
    oa_dirwatch *dw;
    pthread_t reader;
    bool reader_started;

    pthread_mutex_t mu; /* queue, in_flight, stopping */
    pthread_cond_t work_cv, wd_cv;
    oa_job *qhead, *qtail;
    size_t qlen;
    oa_job **in_flight; /* [n_workers] */
    bool stopping;
    pthread_t *workers;
    unsigned workers_started;
    pthread_t watchdog;
    bool watchdog_started;

    struct {
        atomic_uint_fast64_t events, own, excluded, disabled, cached, scanned, found, denied,
            timeouts, errors, overload, dirs;
    } st;
};

void oa_log(vd_onaccess *o, int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
uint64_t oa_now_ms(void);

/* Answers a job's opener once; false if someone (watchdog, shutdown) did. */
bool oa_answer(vd_onaccess *o, oa_job *job, bool allow);
/* Writes one fanotify response for fd. */
void oa_fan_respond(vd_onaccess *o, int fd, bool allow);

/* Decides what the reader can decide alone for an opened regular file, or
 * queues a scan. Takes ownership of fd. perm: fanotify permission event. */
void oa_dispatch(vd_onaccess *o, int fd, bool perm, pid_t pid);
bool oa_excluded(const vd_onaccess *o, const char *path);

int oa_fan_start(vd_onaccess *o, char *why, size_t why_size);
void oa_fan_stop_reader(vd_onaccess *o);
/* Marks one directory (fanotify mode); called by the directory watcher. */
void oa_fan_mark_dir(vd_onaccess *o, const char *dir);

/* Recursive directory watching with inotify: on_dir for every directory
 * found (initial = during start), on_file for files closed after writing or
 * moved in (when files is true). */
typedef void (*oa_dir_fn)(vd_onaccess *o, const char *dir, bool initial);
typedef void (*oa_file_fn)(vd_onaccess *o, const char *path);
int oa_dirwatch_start(vd_onaccess *o, oa_dir_fn on_dir, oa_file_fn on_file, oa_dirwatch **out,
                      char *why, size_t why_size);
void oa_dirwatch_stop(oa_dirwatch *dw);

#endif
