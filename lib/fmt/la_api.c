/* Loading libarchive on demand: dlopen once, resolve every symbol the
 * handler uses, and refuse the whole table if one is missing (a partial
 * table would fail later, somewhere less obvious). */
#include "la_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static vgi_la table;
static const vgi_la *loaded;
static char failure[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int resolve(void *lib, const char *name, void **out)
{
    *out = dlsym(lib, name);
    if (*out == NULL)
        snprintf(failure, sizeof failure, "libarchive has no %s", name);
    return *out != NULL;
}

static void load(void)
{
    void *lib = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        snprintf(failure, sizeof failure, "cannot load libarchive: %s", dlerror());
        return;
    }
    int ok = 1;
    void *p;
#define X(n) ok = ok && resolve(lib, #n, &p) && (memcpy(&table.n, &p, sizeof p), 1);
    VGI_LA_SYMS(X)
#undef X
    size_t i = 0;
#define X(n, v)                                                                                    \
    if (ok && resolve(lib, #n, &p)) {                                                              \
        memcpy(&table.filters[i].enable, &p, sizeof p);                                            \
        const char *libfn = v;                                                                     \
        void *q = libfn == NULL ? NULL : dlsym(lib, libfn);                                        \
        memcpy(&table.filters[i].library, &q, sizeof q);                                           \
        if (libfn != NULL && q == NULL)                                                            \
            table.filters[i].enable = NULL;                                                        \
        i++;                                                                                       \
    } else {                                                                                       \
        ok = 0;                                                                                    \
    }
    VGI_LA_FILTERS(X)
#undef X
    i = 0;
#define X(n) ok = ok && resolve(lib, #n, &p) && (memcpy(&table.formats[i++], &p, sizeof p), 1);
    VGI_LA_FORMATS(X)
#undef X
    if (ok)
        loaded = &table; /* the library stays loaded for the process's life */
    else
        dlclose(lib);
}

const vgi_la *vgi_la_get(const char **why)
{
    pthread_once(&once, load);
    if (loaded == NULL && why != NULL)
        *why = failure;
    return loaded;
}
