/* Acting on a flagged file, only when it is provably the file we scanned,
 * where we scanned it.
 *
 *     /srv/x/a.zip: Eicar-Test-Signature FOUND
 *     /srv/x/a.zip: quarantined as 3f0c... (whole container: match in docs/e.com)
 *
 * Checks, in order, before the library's own (vg_vault_quarantine and
 * vg_file_unlink_checked re-open the name with O_NOFOLLOW relative to the
 * walked directory and compare device, inode, size and mtime):
 *
 * 1. A stream (stdin, a pipe) has nothing on disk: refused.
 * 2. A file reached through a symlink (--follow-symlinks, or a link named on
 *    the command line) is refused: the link's target may be anywhere.
 * 3. The printed path, lstat()ed again, must still be that inode and not a
 *    symlink: a path swapped since the scan is refused.
 * 4. The directory fd's canonical path (/proc/self/fd) must lie under the
 *    canonical path of a PATH argument: a directory moved out of the tree
 *    since the walk is refused, however the move was done.
 *
 * Only then is the library asked to move or unlink the file. */
#include "action.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void add_root(action_ctx *a, const char *canon)
{
    char **grown = realloc(a->roots, (a->n_roots + 1) * sizeof *grown);
    char *copy = strdup(canon);
    if (grown == NULL || copy == NULL) {
        free(copy);
        if (grown != NULL)
            a->roots = grown;
        return; /* a missing root only makes the check stricter */
    }
    a->roots = grown;
    a->roots[a->n_roots++] = copy;
}

/* A directory argument is a root; a file argument's directory is. */
static void resolve_roots(action_ctx *a, const scan_config *cfg)
{
    static char *const here[] = {"."};
    char *const *paths = cfg->n_paths ? cfg->paths : here;
    size_t n = cfg->n_paths ? cfg->n_paths : 1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(paths[i], "-") == 0)
            continue;
        struct stat st;
        char canon[PATH_MAX];
        if (stat(paths[i], &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (realpath(paths[i], canon) != NULL)
                add_root(a, canon);
            continue;
        }
        char *dir = strdup(paths[i]);
        if (dir == NULL)
            continue;
        char *slash = strrchr(dir, '/');
        const char *d = slash == NULL ? "." : slash == dir ? "/" : (*slash = '\0', dir);
        if (realpath(d, canon) != NULL)
            add_root(a, canon);
        free(dir);
    }
}

char *action_default_vault(char *why, size_t why_len)
{
    const char *env = getenv("VIGIL_VAULT");
    if (env != NULL && env[0] != '\0')
        return strdup(env);
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *base, *suffix;
    if (xdg != NULL && xdg[0] == '/') { /* the XDG spec: ignore relative values */
        base = xdg;
        suffix = "/vigil/quarantine";
    } else {
        base = getenv("HOME");
        if (base == NULL || base[0] != '/') {
            struct passwd *pw = getpwuid(getuid());
            base = pw != NULL ? pw->pw_dir : NULL;
        }
        suffix = "/.local/share/vigil/quarantine";
    }
    if (base == NULL || base[0] != '/') {
        snprintf(why, why_len, "no home directory; give --vault DIR");
        return NULL;
    }
    size_t len = strlen(base) + strlen(suffix) + 1;
    char *dir = malloc(len);
    if (dir != NULL)
        snprintf(dir, len, "%s%s", base, suffix);
    else
        snprintf(why, why_len, "out of memory");
    return dir;
}

int action_ctx_init(action_ctx *a, const scan_config *cfg)
{
    memset(a, 0, sizeof *a);
    a->kind = cfg->action;
    if (a->kind == ACTION_REPORT)
        return 0;
    resolve_roots(a, cfg);
    if (a->kind != ACTION_QUARANTINE)
        return 0;
    char why[256] = "";
    char *dir = cfg->vault_dir ? strdup(cfg->vault_dir) : action_default_vault(why, sizeof why);
    if (dir == NULL) {
        fprintf(stderr, "vigil: cannot find the quarantine vault: %s\n", why);
        return 2;
    }
    vg_vault_opts o = {.key_path = cfg->vault_key, .create = 1};
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vg_vault_open(dir, &o, &d, &a->vault);
    if (err != VG_OK) {
        char msg[1024];
        vg_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "vigil: cannot open the quarantine vault: %s\n", msg);
        fputs("vigil: nothing was scanned\n", stderr);
    }
    free(dir);
    return err == VG_OK ? 0 : 2;
}

void action_ctx_cleanup(action_ctx *a)
{
    vg_vault_close(a->vault);
    for (size_t i = 0; i < a->n_roots; i++)
        free(a->roots[i]);
    free(a->roots);
    memset(a, 0, sizeof *a);
}

static void set_result(file_report *r, file_action_status status, const char *error,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set_result(file_report *r, file_action_status status, const char *error,
                       const char *fmt, ...)
{
    r->action.status = status;
    r->action.error = error;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->action.message, sizeof r->action.message, fmt, ap);
    va_end(ap);
}

static bool under_root(const action_ctx *a, const char *canon)
{
    for (size_t i = 0; i < a->n_roots; i++) {
        const char *root = a->roots[i];
        size_t len = strlen(root);
        if (strcmp(root, "/") == 0)
            return true;
        if (strncmp(canon, root, len) == 0 && (canon[len] == '\0' || canon[len] == '/'))
            return true;
    }
    return false;
}

/* Where the detections sat: whole_container when none was the file itself. */
static void note_member(file_report *r)
{
    bool top = false;
    const report_event *first = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const report_event *e = &r->ev[i];
        if (e->kind != VG_EVENT_DETECTION)
            continue;
        if (e->depth == 0)
            top = true;
        else if (first == NULL)
            first = e;
    }
    r->action.whole_container = !top && first != NULL;
    if (!r->action.whole_container)
        return;
    size_t used = 0;
    for (unsigned i = 1; i <= first->depth && used < sizeof r->action.member; i++) {
        int n = snprintf(r->action.member + used, sizeof r->action.member - used, "%s%s",
                         i > 1 ? "//" : "", first->chain[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static const char *first_signature(const file_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->ev[i].kind == VG_EVENT_DETECTION)
            return r->ev[i].signature;
    return "Unknown";
}

static const char *error_token(vg_error err)
{
    return report_error_token(err);
}

/* Checks 1-4 of the header; fills canon_dir on success. */
static bool precheck(const action_ctx *a, const action_target *t, file_report *r, char *canon_dir,
                     size_t canon_len)
{
    if (t->stream || t->parent_fd < 0) {
        set_result(r, ACTION_REFUSED, "unsupported", "not a file on disk");
        return false;
    }
    if (t->via_link) {
        set_result(r, ACTION_REFUSED, "symlink",
                   "reached through a symbolic link; only files inside the scanned tree are "
                   "touched");
        return false;
    }
    struct stat now;
    if (lstat(t->path, &now) != 0) {
        if (errno != ENAMETOOLONG) { /* too long for a path: the fd checks still hold */
            set_result(r, ACTION_REFUSED, "changed", "it vanished since the scan (%s)",
                       strerror(errno));
            return false;
        }
    } else if (S_ISLNK(now.st_mode)) {
        set_result(r, ACTION_REFUSED, "symlink", "it is now a symbolic link");
        return false;
    } else if (now.st_dev != t->st->st_dev || now.st_ino != t->st->st_ino) {
        set_result(r, ACTION_REFUSED, "changed", "another file has taken its place since the scan");
        return false;
    }
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", t->parent_fd);
    ssize_t n = readlink(link, canon_dir, canon_len - 1);
    if (n <= 0 || canon_dir[0] != '/') {
        set_result(r, ACTION_REFUSED, "unsupported",
                   "cannot tell whether it is inside the scanned tree (is /proc mounted?)");
        return false;
    }
    canon_dir[n] = '\0';
    if (!under_root(a, canon_dir)) {
        set_result(r, ACTION_REFUSED, "outside",
                   "it is no longer inside the scanned tree (now in %s)", canon_dir);
        return false;
    }
    return true;
}

void action_apply(const action_ctx *a, const action_target *t, file_report *r)
{
    if (a->kind == ACTION_REPORT || r->verdict != FILE_INFECTED)
        return;
    r->action.kind = a->kind == ACTION_QUARANTINE ? FILE_ACTION_QUARANTINE : FILE_ACTION_DELETE;
    note_member(r);
    char canon[PATH_MAX + 1];
    if (!precheck(a, t, r, canon, sizeof canon))
        return;
    const char *slash = strrchr(t->path, '/');
    const char *name = slash != NULL ? slash + 1 : t->path;
    vg_file_id seen;
    vg_file_id_from_stat(t->st, &seen);
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err;
    if (a->kind == ACTION_DELETE) {
        err = vg_file_unlink_checked(t->parent_fd, name, &seen, &d);
    } else {
        size_t len = strlen(canon) + strlen(name) + 2;
        char *original = malloc(len);
        if (original == NULL) {
            set_result(r, ACTION_FAILED, "nomem", "out of memory");
            return;
        }
        snprintf(original, len, "%s%s%s", canon, strcmp(canon, "/") == 0 ? "" : "/", name);
        vg_vault_meta m = {.original_path = original,
                           .detection = first_signature(r),
                           .found_in = r->action.whole_container ? r->action.member : NULL,
                           .has_atime = 1,
                           .atime_sec = (int64_t)t->st->st_atim.tv_sec,
                           .atime_nsec = t->st->st_atim.tv_nsec};
        char id[VG_VAULT_ID_LEN + 1];
        err = vg_vault_quarantine(a->vault, t->parent_fd, name, &seen, &m, id, &d);
        free(original);
        if (id[0] != '\0') /* also set when only the final directory sync failed */
            snprintf(r->action.id, sizeof r->action.id, "%s", id);
    }
    if (err == VG_OK) {
        r->action.status = ACTION_DONE;
        return;
    }
    const char *msg = d.message[0] ? d.message : vg_strerror(err);
    if (err == VG_ERR_CHANGED)
        set_result(r, ACTION_REFUSED, error_token(err), "%s", msg);
    else
        set_result(r, ACTION_FAILED, error_token(err), "%s", msg);
}
