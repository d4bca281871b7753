/* Cache pruning. Each distinct set of signature files leaves its own engine
 * image (tens of megabytes for a large database) and Hyperscan database in
 * the cache directory; without pruning, every signature update would add
 * one more. Only the newest few of each kind are kept. */
#include "cache_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEEN 256

typedef struct entry {
    struct timespec mtime;
    char name[128];
} entry;

static int newest_first(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
    return 0;
}

void vgi_cache_prune(const char *dir, const char *prefix, unsigned keep)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    entry *list = malloc(MAX_SEEN * sizeof *list);
    if (list == NULL) {
        closedir(d);
        return;
    }
    size_t n = 0, plen = strlen(prefix);
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < MAX_SEEN) {
        if (strncmp(de->d_name, prefix, plen) != 0 || strlen(de->d_name) >= sizeof list[0].name)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        list[n].mtime = st.st_mtim;
        snprintf(list[n].name, sizeof list[n].name, "%s", de->d_name);
        n++;
    }
    qsort(list, n, sizeof *list, newest_first);
    for (size_t i = keep; i < n; i++)
        unlinkat(dirfd(d), list[i].name, 0);
    closedir(d);
    free(list);
}
