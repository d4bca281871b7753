/* Installing a verified bundle into the database directory, atomically:
 *
 *     DB/v4/           the bundle in use: its signature files, manifest.json
 *                      and bundle.vgb (the verified file, for P5 and audit)
 *     DB/current -> v4
 *
 *   1. extract into DB/v5.tmp; fsync every file and the directory
 *   2. rename DB/v5.tmp -> DB/v5; fsync DB
 *   3. symlink DB/current.tmp.<pid> -> v5; rename it over DB/current; fsync DB
 *   4. remove older versions, keeping v4 (the one just replaced)
 *
 * Until step 3 `current` names the old, complete version; after it, the new
 * complete one. rename(2) replaces the link in one step, so a scanner
 * opening DB/current/... sees either version whole, never a mix and never a
 * missing link, and a crash at any point leaves a working `current`. A
 * leftover v5.tmp from a crash is removed on the next run. An flock on
 * DB/.lock keeps two `vigil update` runs from interleaving these steps. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "update_int.h"

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Removes dir and the plain files in it (what this code writes there:
 * never follows a symlink, never descends further). */
static void remove_version_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            unlinkat(dirfd(d), e->d_name, 0);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int write_file(const char *dir, const char *name, const void *p, size_t n, char *why,
                      size_t why_len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        snprintf(why, why_len, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    const uint8_t *q = p;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, q, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        q += w;
        left -= (size_t)w;
    }
    bool ok = left == 0 && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = false;
    if (!ok) {
        snprintf(why, why_len, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The target of DB/current ("v4"), or "" when there is none. */
static void current_target(const char *db_dir, char *out, size_t cap)
{
    char link[4200];
    snprintf(link, sizeof link, "%s/current", db_dir);
    ssize_t n = readlink(link, out, cap - 1);
    out[n > 0 ? n : 0] = '\0';
}

static int swap_current(const char *db_dir, const char *target, char *why, size_t why_len)
{
    char link[4200], tmp[4300];
    snprintf(link, sizeof link, "%s/current", db_dir);
    snprintf(tmp, sizeof tmp, "%s/current.tmp.%ld", db_dir, (long)getpid());
    unlink(tmp);
    if (symlink(target, tmp) != 0) {
        snprintf(why, why_len, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (rename(tmp, link) != 0) {
        snprintf(why, why_len, "cannot replace %s: %s", link, strerror(errno));
        unlink(tmp);
        return -1;
    }
    fsync_path(db_dir, O_DIRECTORY);
    return 0;
}

int install_lock(const char *db_dir, char *why, size_t why_len)
{
    if (mkdir(db_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(why, why_len, "cannot create %s: %s", db_dir, strerror(errno));
        return -1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/.lock", db_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(why, why_len, "another vigil update is running on %s", db_dir);
        close(fd);
        return -1;
    }
    return fd;
}

int install_bundle(const char *db_dir, const vg_bundle *b, const uint8_t *raw, size_t n,
                   char *installed_dir, size_t dir_cap, char *prev, size_t prev_cap, char *why,
                   size_t why_len)
{
    char name[64], tmp[4300], final[4200];
    uint8_t digest[32];
    char hex[65];
    vg_bundle_digest(b, digest);
    vg_tlog_hex(digest, 32, hex);
    current_target(db_dir, prev, prev_cap);
    snprintf(name, sizeof name, "v%llu", (unsigned long long)vg_bundle_version(b));
    snprintf(final, sizeof final, "%s/%s", db_dir, name);
    struct stat st;
    if (lstat(final, &st) == 0) {
        /* Left by an earlier install whose state was lost. Never touch the
         * directory `current` names: install beside it instead. */
        if (strcmp(prev, name) == 0) {
            snprintf(name, sizeof name, "v%llu-%.12s", (unsigned long long)vg_bundle_version(b),
                     hex);
            snprintf(final, sizeof final, "%s/%s", db_dir, name);
            if (strcmp(prev, name) != 0)
                remove_version_dir(final);
        } else {
            remove_version_dir(final);
        }
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", final);
    remove_version_dir(tmp); /* a crash's leftover */
    if (mkdir(tmp, 0755) != 0) {
        snprintf(why, why_len, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    vg_error e = vg_bundle_extract(b, tmp);
    if (e != VG_OK) {
        snprintf(why, why_len, "cannot extract the bundle into %s: %s", tmp, vg_strerror(e));
        goto fail;
    }
    const char *manifest = vg_bundle_manifest_json(b);
    if (write_file(tmp, "manifest.json", manifest, strlen(manifest), why, why_len) != 0 ||
        write_file(tmp, "bundle.vgb", raw, n, why, why_len) != 0)
        goto fail;
    if (fsync_path(tmp, O_DIRECTORY) != 0) {
        snprintf(why, why_len, "cannot fsync %s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (rename(tmp, final) != 0) {
        snprintf(why, why_len, "cannot rename %s: %s", tmp, strerror(errno));
        goto fail;
    }
    fsync_path(db_dir, O_DIRECTORY);
    if (swap_current(db_dir, name, why, why_len) != 0) {
        remove_version_dir(final);
        return -1;
    }
    snprintf(installed_dir, dir_cap, "%s", final);
    return 0;
fail:
    remove_version_dir(tmp);
    return -1;
}

int install_restore_current(const char *db_dir, const char *prev)
{
    char why[256];
    if (prev[0] == '\0') {
        char link[4200];
        snprintf(link, sizeof link, "%s/current", db_dir);
        return unlink(link);
    }
    return swap_current(db_dir, prev, why, sizeof why);
}

void install_prune(const char *db_dir, const char *keep)
{
    char cur[256];
    current_target(db_dir, cur, sizeof cur);
    DIR *d = opendir(db_dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        /* Only names this file makes: v<digits>[-hex][.tmp]. */
        if (nm[0] != 'v' || nm[1] < '0' || nm[1] > '9')
            continue;
        if (strcmp(nm, cur) == 0 || (keep != NULL && strcmp(nm, keep) == 0))
            continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", db_dir, nm);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_version_dir(path);
    }
    closedir(d);
}
