/* Internals shared by the ledger's writer (ledger.c) and reader
 * (ledger_verify.c): one entry's canonical form, parsing a line back, and
 * the head side file. */
#ifndef VGI_PRIVACY_LEDGER_INT_H
#define VGI_PRIVACY_LEDGER_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/ledger.h>

#define VGI_LEDGER_HEX      65          /* 64 hex digits + NUL */
#define VGI_LEDGER_MAX_LINE (64u << 10) /* an entry line is far shorter */
#define VGI_LEDGER_FLAGS    (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)

extern const char vgi_ledger_zero_hash[VGI_LEDGER_HEX];

/* hex = SHA-256 of obj's canonical form without its "hash" member. */
vg_error vgi_ledger_entry_hash(json_t *obj, char hex[VGI_LEDGER_HEX]);

/* Parses one line (without its '\n'). Returns 1 and fills *obj (caller
 * json_decref's it) and e (strings borrowed from *obj) when the line is an
 * object with exactly the ledger's members, each of the right type;
 * otherwise 0 with why filled. */
int vgi_ledger_parse(const char *line, size_t len, json_t **obj, vg_ledger_entry *e, char *why,
                     size_t why_len);

/* Checks a parsed entry on its own: canonical serialisation and its hash.
 * Returns 1 when it holds, else 0 with why filled. */
int vgi_ledger_check_self(const char *line, size_t len, json_t *obj, const vg_ledger_entry *e,
                          char *why, size_t why_len);

/* The head file: count and hash of the last committed entry. */
typedef struct vgi_ledger_head {
    int present;
    uint64_t count;
    char hash[VGI_LEDGER_HEX];
} vgi_ledger_head;

/* Returns 0 (present or absent, see h->present), or -1 when it exists but
 * is unreadable or malformed (why filled). */
int vgi_ledger_head_read(const char *head_path, vgi_ledger_head *h, char *why, size_t why_len);

/* Rewrites the head atomically: temp file, fsync, rename, fsync of the dir. */
vg_error vgi_ledger_head_write(const char *head_path, uint64_t count, const char *hash);

/* malloc'd path + ".head". */
char *vgi_ledger_head_path(const char *path);

/* fsync of the directory holding path. */
vg_error vgi_ledger_sync_dir(const char *path);

#endif
