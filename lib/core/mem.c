/* Allocation with failure injection.
 *
 * Tests call vg_mem_fail_after(n) and run a parser; the nth allocation
 * fails and the test checks that the parser returns VG_ERR_NOMEM without
 * leaking (ASan's leak checker) or crashing. The counter is atomic so a
 * stray allocation in another thread cannot corrupt it, but failure
 * injection is meant for single-threaded tests. */
#include "mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_ulong fail_countdown; /* 0 = never fail */

void vg_mem_fail_after(unsigned long n)
{
    atomic_store(&fail_countdown, n);
}

static int should_fail(void)
{
    unsigned long c = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (c == 0)
        return 0;
    if (c == 1)
        return 1; /* stays at 1: every later allocation fails too */
    atomic_fetch_sub(&fail_countdown, 1);
    return 0;
}

void *vg_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *vg_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *vg_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void vg_free(void *p)
{
    free(p);
}

char *vg_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = vg_malloc(len + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *vg_strdup(const char *s)
{
    return vg_strndup(s, strlen(s));
}
