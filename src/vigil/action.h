/* --action quarantine|delete: what `vigil scan` does to a flagged file.
 *
 *     action_ctx a;
 *     action_ctx_init(&a, cfg);                 opens the vault, resolves the roots
 *     ... per flagged top-level file, in its worker thread, after the verdict:
 *     action_apply(&a, &target, &report);       fills report.action
 *     action_ctx_cleanup(&a);
 *
 * The context is read-only once initialised, so workers share it; the
 * vault is safe to use from several threads (see <vigil/vault.h>). */
#ifndef VIGIL_CLI_ACTION_H
#define VIGIL_CLI_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <vigil/vault.h>

#include "report.h"
#include "scan_args.h"

typedef struct action_ctx {
    scan_action kind;
    vg_vault *vault; /* ACTION_QUARANTINE */
    char **roots;    /* canonical directories the scan may act in */
    size_t n_roots;
} action_ctx;

/* Returns 0, or 2 (the exit code) after printing why on stderr. */
int action_ctx_init(action_ctx *a, const scan_config *cfg);
void action_ctx_cleanup(action_ctx *a);

typedef struct action_target {
    const char *path;      /* as printed */
    int parent_fd;         /* the directory the walk opened it in, or -1 */
    const struct stat *st; /* the identity the scan saw (fstat of what it read) */
    bool via_link;         /* reached through a symlink */
    bool stream;           /* stdin or a pipe: nothing on disk to act on */
} action_target;

/* Acts on a file whose verdict is FILE_INFECTED; no-op otherwise. */
void action_apply(const action_ctx *a, const action_target *t, file_report *r);

/* The default vault directory: $VIGIL_VAULT, $XDG_DATA_HOME/vigil/quarantine
 * or ~/.local/share/vigil/quarantine. malloc'd; NULL with why filled. */
char *action_default_vault(char *why, size_t why_len);

#endif
