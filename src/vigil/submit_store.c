/* The submit step's files in the data directory:
 *
 *     $VIGIL_DATA | $XDG_DATA_HOME/vigil | ~/.local/share/vigil   (0700)
 *         ledger, ledger.head     what was decided, before it was sent
 *         client-id               a random id, sent as X-Vigil-Client (0600)
 *         submitted               "SHA256 SERVER" per line: stored or known there
 *         submit-queue/           what waits for the server (submit_queue.c)
 *
 * The directory is found as the quarantine vault's is (action.c), one level
 * up: the vault lives in <data>/quarantine. "submitted" is what stops a
 * second upload of the same object to the same server across runs. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privdir.h"
#include "submit_int.h"

char *submit_data_dir(const char *explicit_dir, char *why, size_t why_len)
{
    const char *env = getenv("VIGIL_DATA");
    char *dir = NULL;
    if (explicit_dir != NULL && explicit_dir[0] != '\0') {
        dir = strdup(explicit_dir);
    } else if (env != NULL && env[0] != '\0') {
        dir = strdup(env);
    } else {
        const char *xdg = getenv("XDG_DATA_HOME");
        const char *base, *suffix;
        if (xdg != NULL && xdg[0] == '/') { /* the XDG spec: ignore relative values */
            base = xdg;
            suffix = "/vigil";
        } else {
            base = getenv("HOME");
            if (base == NULL || base[0] != '/') {
                struct passwd *pw = getpwuid(getuid());
                base = pw != NULL ? pw->pw_dir : NULL;
            }
            suffix = "/.local/share/vigil";
        }
        if (base == NULL || base[0] != '/') {
            snprintf(why, why_len, "no home directory; set VIGIL_DATA");
            return NULL;
        }
        size_t len = strlen(base) + strlen(suffix) + 1;
        if ((dir = malloc(len)) != NULL)
            snprintf(dir, len, "%s%s", base, suffix);
    }
    if (dir == NULL) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    if (dir[0] == '\0' || privdir_make(dir, why, why_len) != 0) {
        if (dir[0] == '\0')
            snprintf(why, why_len, "empty directory name");
        free(dir);
        return NULL;
    }
    return dir;
}

int store_client_id(const char *data_dir, char out[40])
{
    char path[4096];
    snprintf(path, sizeof path, "%s/client-id", data_dir);
    FILE *f = fopen(path, "re");
    if (f != NULL) {
        char buf[64] = "";
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        buf[strcspn(buf, "\r\n")] = '\0';
        if (strlen(buf) == 32 && strspn(buf, "0123456789abcdef") == 32) {
            memcpy(out, buf, 33);
            return 0;
        }
    }
    unsigned char rnd[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, rnd, sizeof rnd) != (ssize_t)sizeof rnd) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", rnd[i]);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    char line[40];
    int len = snprintf(line, sizeof line, "%s\n", out);
    int ok = write(fd, line, (size_t)len) == len && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

bool store_was_sent(const submit_ctx *s, const char *sha256)
{
    FILE *f = fopen(s->sent_path, "re");
    if (f == NULL)
        return false;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool found = false;
    size_t slen = strlen(s->o.server ? s->o.server : "");
    while (!found && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        found = (size_t)n == 65 + slen && strncmp(line, sha256, 64) == 0 && line[64] == ' ' &&
                strcmp(line + 65, s->o.server ? s->o.server : "") == 0;
    }
    free(line);
    fclose(f);
    return found;
}

void store_mark_sent(const submit_ctx *s, const char *sha256)
{
    int fd = open(s->sent_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return;
    flock(fd, LOCK_EX);
    dprintf(fd, "%s %s\n", sha256, s->o.server ? s->o.server : "");
    fsync(fd);
    flock(fd, LOCK_UN);
    close(fd);
}
