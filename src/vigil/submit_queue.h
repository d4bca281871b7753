/* Reading the offline queue back (submit_queue.c); writing is queue_put()
 * in submit_int.h. */
#ifndef VIGIL_CLI_SUBMIT_QUEUE_H
#define VIGIL_CLI_SUBMIT_QUEUE_H

#include "submit_int.h"

typedef struct queue_item {
    sub_object obj; /* data filled for uploads */
    bool upload;    /* else a lookup only */
    unsigned attempts;
    long long queued, next;
    char *type_name;
    char *file;
} queue_item;

/* The items due now (all when force), oldest first; *out is an array of
 * the returned count, each freed with queue_item_free, then free(*out). */
size_t queue_load_due(submit_ctx *s, bool force, queue_item **out);
void queue_item_free(queue_item *q);
void queue_remove(const queue_item *q);

/* Drops the oldest items until the queue is within its bounds (never the
 * file named keep when it is the only one left). */
void queue_trim(submit_ctx *s, const char *keep);

#endif
