/* Where the compiled-matcher cache lives. */
#ifndef VIGIL_CLI_CACHEDIR_H
#define VIGIL_CLI_CACHEDIR_H

#include <stddef.h>

/* Returns a malloc'd, existing directory: explicit_dir, else
 * $XDG_CACHE_HOME/vigil, else ~/.cache/vigil; missing components are
 * created with mode 0700. Returns NULL when no usable directory can be had,
 * with the reason in why. */
char *cachedir_resolve(const char *explicit_dir, char *why, size_t why_len);

#endif
