/* The cache directory holds compiled matchers keyed by the digest of their
 * sources; whoever can write there can plant a matcher, so new directories
 * are private (0700) and an existing one must be a directory we can write.
 * Failure is never fatal: the engine simply compiles without a cache. */
#include "cachedir.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privdir.h"

/* A private directory we can write to. */
static int writable_dir(char *path, char *why, size_t why_len)
{
    if (privdir_make(path, why, why_len) != 0)
        return -1;
    if (access(path, W_OK | X_OK) != 0) {
        snprintf(why, why_len, "cannot write to %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static char *default_dir(char *why, size_t why_len)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *base = NULL, *suffix = NULL;
    if (xdg != NULL && xdg[0] == '/') { /* the spec says: ignore relative values */
        base = xdg;
        suffix = "/vigil";
    } else {
        base = getenv("HOME");
        if (base == NULL || base[0] != '/') {
            struct passwd *pw = getpwuid(getuid());
            base = pw != NULL ? pw->pw_dir : NULL;
        }
        suffix = "/.cache/vigil";
    }
    if (base == NULL || base[0] != '/') {
        snprintf(why, why_len, "no home directory");
        return NULL;
    }
    size_t len = strlen(base) + strlen(suffix) + 1;
    char *dir = malloc(len);
    if (dir == NULL) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    snprintf(dir, len, "%s%s", base, suffix);
    return dir;
}

char *cachedir_resolve(const char *explicit_dir, char *why, size_t why_len)
{
    char *dir = explicit_dir != NULL ? strdup(explicit_dir) : default_dir(why, why_len);
    if (dir == NULL) {
        if (explicit_dir != NULL)
            snprintf(why, why_len, "out of memory");
        return NULL;
    }
    if (dir[0] == '\0') {
        snprintf(why, why_len, "empty directory name");
        free(dir);
        return NULL;
    }
    if (writable_dir(dir, why, why_len) != 0) {
        free(dir);
        return NULL;
    }
    return dir;
}
