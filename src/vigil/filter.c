/* Path filters. Patterns are compiled once with REG_NOSUB (we only need a
 * yes/no answer, which lets the regex engine skip capture bookkeeping) and
 * are only read afterwards, so regexec() may run from any thread. */
#include "filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int path_filter_add(path_filter *f, filter_kind kind, const char *pattern, char *err, size_t errlen)
{
    filter_list *l = &f->list[kind];
    regex_t *grown = realloc(l->re, (l->n + 1) * sizeof *grown);
    if (grown == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->re = grown;
    int rc = regcomp(&l->re[l->n], pattern, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        regerror(rc, &l->re[l->n], err, errlen);
        return -1;
    }
    l->n++;
    return 0;
}

static bool any_match(const filter_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (regexec(&l->re[i], path, 0, NULL, 0) == 0)
            return true;
    return false;
}

static bool passes(const filter_list *exclude, const filter_list *include, const char *path)
{
    if (any_match(exclude, path))
        return false;
    return include->n == 0 || any_match(include, path);
}

bool path_filter_file_ok(const path_filter *f, const char *path)
{
    return passes(&f->list[FILTER_EXCLUDE], &f->list[FILTER_INCLUDE], path);
}

bool path_filter_dir_ok(const path_filter *f, const char *path)
{
    return passes(&f->list[FILTER_EXCLUDE_DIR], &f->list[FILTER_INCLUDE_DIR], path);
}

void path_filter_cleanup(path_filter *f)
{
    for (int k = 0; k < FILTER_KIND_COUNT; k++) {
        for (size_t i = 0; i < f->list[k].n; i++)
            regfree(&f->list[k].re[i]);
        free(f->list[k].re);
        f->list[k].re = NULL;
        f->list[k].n = 0;
    }
}
