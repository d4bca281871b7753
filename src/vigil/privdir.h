/* Private directories for the CLI's own state (cache, data). */
#ifndef VIGIL_CLI_PRIVDIR_H
#define VIGIL_CLI_PRIVDIR_H

#include <stddef.h>

/* Creates every missing component of the absolute path with mode 0700
 * (existing ones are left as they are) and checks the result is a
 * directory. path is modified while it runs and restored. 0, or -1 with
 * the reason in why. */
int privdir_make(char *path, char *why, size_t why_len);

#endif
