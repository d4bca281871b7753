/* The audit log's hash chain, shared by the store (which appends) and
 * `vigil-server audit --verify` (which checks).
 *
 * An entry is a JSON object: "seq", "time", "kind", "prev", "hash" and
 * whatever the event carries ("actor", "sha256", "size", "rule",
 * "evidence", "detail"). Its hash is the SHA-256 (lowercase hex) of its
 * canonical text: the entry without "hash", serialised by jansson with
 * JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII. "prev" is the previous
 * entry's hash, or 64 zeros for seq 1. */
#ifndef VIGIL_SERVER_AUDIT_H
#define VIGIL_SERVER_AUDIT_H

#include <jansson.h>
#include <stddef.h>

#define VS_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* The canonical text of entry (without its "hash"); free() it. NULL on
 * allocation failure. */
char *vs_audit_canonical(const json_t *entry);
/* hex gets the entry's hash as it should be. 0, or -1 on allocation failure. */
int vs_audit_hash(const json_t *entry, char hex[65]);

/* Checks an array of entries: each hash right, each prev the hash before,
 * seq consecutive from 1 (a truncated head is an error) and time never
 * going back. Returns 0 when the chain holds; otherwise -1 and err names
 * the first bad entry by seq and says what is wrong. */
int vs_audit_verify(const json_t *entries, char *err, size_t errlen);

#endif
