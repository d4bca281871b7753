/* One ledger entry: its canonical form and hash, parsing a line back, and
 * the head side file.
 *
 * Take the entry {"seq":1, ..., "hash":"ab12..."}. Its hash is the SHA-256
 * of exactly the bytes jansson writes for the same object without "hash",
 * with JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII: no spaces, keys in
 * byte order, every non-ASCII character as \uXXXX. Anyone can recompute it
 * with a few lines of Python (json.dumps(e, sort_keys=True,
 * separators=(",", ":"), ensure_ascii=True) gives the same bytes for the
 * strings and integers an entry holds). A line must also BE the canonical
 * form of the whole entry, so two byte-different lines never verify as the
 * same entry. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/mem.h"
#include "ledger_int.h"

const char vgi_ledger_zero_hash[VGI_LEDGER_HEX] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static const char *const string_members[] = {"time",   "kind",      "sha256",  "type",
                                             "path",   "signature", "consent", "server",
                                             "reason", "prev",      "hash"};
#define N_STRINGS (sizeof string_members / sizeof string_members[0])
#define N_MEMBERS (N_STRINGS + 2) /* + seq, size */

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

vg_error vgi_ledger_entry_hash(json_t *obj, char hex[VGI_LEDGER_HEX])
{
    json_t *copy = json_copy(obj);
    if (copy == NULL)
        return VG_ERR_NOMEM;
    json_object_del(copy, "hash");
    char *s = json_dumps(copy, VGI_LEDGER_FLAGS);
    json_decref(copy);
    if (s == NULL)
        return VG_ERR_NOMEM;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = EVP_Digest(s, strlen(s), d, &n, EVP_sha256(), NULL);
    free(s);
    if (!ok || n != 32)
        return VG_ERR_NOMEM;
    to_hex(d, 32, hex);
    return VG_OK;
}

static int is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int vgi_ledger_parse(const char *line, size_t len, json_t **obj, vg_ledger_entry *e, char *why,
                     size_t why_len)
{
    *obj = NULL;
    memset(e, 0, sizeof *e);
    json_error_t jerr;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (o == NULL) {
        snprintf(why, why_len, "not JSON (%s at column %d)", jerr.text, jerr.column);
        return 0;
    }
    if (!json_is_object(o)) {
        snprintf(why, why_len, "not a JSON object");
        goto bad;
    }
    if (json_object_size(o) != N_MEMBERS) {
        snprintf(why, why_len, "has %zu members, an entry has %zu", json_object_size(o),
                 (size_t)N_MEMBERS);
        goto bad;
    }
    const char **slots[N_STRINGS] = {&e->time,   &e->kind,      &e->sha256,  &e->type,
                                     &e->path,   &e->signature, &e->consent, &e->server,
                                     &e->reason, &e->prev,      &e->hash};
    for (size_t i = 0; i < N_STRINGS; i++) {
        json_t *v = json_object_get(o, string_members[i]);
        if (!json_is_string(v)) {
            snprintf(why, why_len, "member \"%s\" missing or not a string", string_members[i]);
            goto bad;
        }
        *slots[i] = json_string_value(v);
    }
    json_t *seq = json_object_get(o, "seq");
    json_t *size = json_object_get(o, "size");
    if (!json_is_integer(seq) || json_integer_value(seq) < 1) {
        snprintf(why, why_len, "member \"seq\" missing or not a positive integer");
        goto bad;
    }
    if (!json_is_integer(size) || json_integer_value(size) < 0) {
        snprintf(why, why_len, "member \"size\" missing or not an integer");
        goto bad;
    }
    e->seq = (uint64_t)json_integer_value(seq);
    e->size = (uint64_t)json_integer_value(size);
    if (!is_hex64(e->hash) || !is_hex64(e->prev)) {
        snprintf(why, why_len, "\"hash\" or \"prev\" is not 64 lowercase hex digits");
        goto bad;
    }
    *obj = o;
    return 1;
bad:
    json_decref(o);
    memset(e, 0, sizeof *e);
    return 0;
}

int vgi_ledger_check_self(const char *line, size_t len, json_t *obj, const vg_ledger_entry *e,
                          char *why, size_t why_len)
{
    char hex[VGI_LEDGER_HEX];
    if (vgi_ledger_entry_hash(obj, hex) != VG_OK) {
        snprintf(why, why_len, "out of memory hashing it");
        return 0;
    }
    if (strcmp(hex, e->hash) != 0) {
        snprintf(why, why_len, "its hash does not match its content: the entry was edited");
        return 0;
    }
    char *canon = json_dumps(obj, VGI_LEDGER_FLAGS);
    int same = canon != NULL && strlen(canon) == len && memcmp(canon, line, len) == 0;
    free(canon);
    if (!same) {
        snprintf(why, why_len, "the line is not the entry's canonical form: it was edited");
        return 0;
    }
    return 1;
}

int vgi_ledger_head_read(const char *head_path, vgi_ledger_head *h, char *why, size_t why_len)
{
    memset(h, 0, sizeof *h);
    memcpy(h->hash, vgi_ledger_zero_hash, VGI_LEDGER_HEX);
    FILE *f = fopen(head_path, "re");
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, why_len, "cannot read %s: %s", head_path, strerror(errno));
        return -1;
    }
    char buf[160];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    unsigned long long count = 0;
    char hex[VGI_LEDGER_HEX + 1];
    int used = 0;
    if (sscanf(buf, "%llu %64s%n", &count, hex, &used) != 2 || strcmp(buf + used, "\n") != 0 ||
        !is_hex64(hex)) {
        snprintf(why, why_len, "%s is malformed", head_path);
        return -1;
    }
    h->present = 1;
    h->count = count;
    memcpy(h->hash, hex, VGI_LEDGER_HEX);
    return 0;
}

char *vgi_ledger_head_path(const char *path)
{
    size_t n = strlen(path);
    char *p = vg_malloc(n + 6);
    if (p != NULL) {
        memcpy(p, path, n);
        memcpy(p + n, ".head", 6);
    }
    return p;
}

vg_error vgi_ledger_sync_dir(const char *path)
{
    char *copy = vg_strdup(path);
    if (copy == NULL)
        return VG_ERR_NOMEM;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    vg_free(copy);
    if (fd < 0)
        return VG_ERR_IO;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? VG_OK : VG_ERR_IO;
}

static vg_error io_error(void)
{
    return errno == ENOSPC || errno == EDQUOT ? VG_ERR_NOSPACE : VG_ERR_IO;
}

vg_error vgi_ledger_head_write(const char *head_path, uint64_t count, const char *hash)
{
    size_t n = strlen(head_path);
    char *tmp = vg_malloc(n + 32);
    if (tmp == NULL)
        return VG_ERR_NOMEM;
    snprintf(tmp, n + 32, "%s.tmp.%ld", head_path, (long)getpid());
    char line[100];
    int len = snprintf(line, sizeof line, "%llu %s\n", (unsigned long long)count, hash);
    vg_error err = VG_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        err = io_error();
        goto done;
    }
    if (write(fd, line, (size_t)len) != len || fsync(fd) != 0) {
        err = io_error();
        close(fd);
        unlink(tmp);
        goto done;
    }
    close(fd);
    if (rename(tmp, head_path) != 0) {
        err = io_error();
        unlink(tmp);
        goto done;
    }
    err = vgi_ledger_sync_dir(head_path);
done:
    vg_free(tmp);
    return err;
}
