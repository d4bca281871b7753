/* Allocation: every allocation of the library goes through here, so tests
 * can make the Nth allocation fail and check that nothing leaks or crashes. */
#ifndef VGI_CORE_MEM_H
#define VGI_CORE_MEM_H

#include <stddef.h>

#define VGI_HIDDEN __attribute__((visibility("hidden")))

void *vg_malloc(size_t n);
void *vg_calloc(size_t count, size_t size);
void *vg_realloc(void *p, size_t n);
void vg_free(void *p);
char *vg_strdup(const char *s);
char *vg_strndup(const char *s, size_t n);

/* Test hook: the nth allocation from now (1-based) and every later one fail,
 * until reset with 0. Process-wide; for single-threaded tests only. */
void vg_mem_fail_after(unsigned long n);

#endif
