/* The public documents of the transparency log, built once for both ways
 * they leave the server: the HTTP endpoints (h_log.c) and the static mirror
 * of `vigil-server log export` (cmd_log.c). Both serialise them with
 * vs_logdoc_dump, so a mirror's file holds exactly the bytes the endpoint
 * answers.
 *
 * Each builder returns an HTTP status: 200 with *out set (a new
 * reference), or 400 / 404 / 500 with *out NULL and msg saying why. */
#ifndef VIGIL_SERVER_LOG_DOC_H
#define VIGIL_SERVER_LOG_DOC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/tlog.h>

#include "store.h"

#define VS_LOG_ENTRIES_MAX 1000 /* entries per GET /v1/log/entries */

/* The bytes of a document: compact, ASCII, members in insertion order, no
 * newline (free()). */
char *vs_logdoc_dump(const json_t *doc);

/* The STH as a JSON object (members in the contract's order). */
json_t *vs_logdoc_sth_json(const vg_tlog_sth *sth);

/* GET /v1/bundles/latest: {"version","sha256","leaf_index","url"}. */
unsigned vs_logdoc_latest(vs_store *st, json_t **out, char *msg, size_t msglen);
/* GET /v1/log/sth. */
unsigned vs_logdoc_sth(vs_store *st, json_t **out, char *msg, size_t msglen);
/* GET /v1/log/entries?start=&end=: end is cut to start + 1000 and to the
 * tree's size; start must be below the size. */
unsigned vs_logdoc_entries(vs_store *st, uint64_t start, uint64_t end, json_t **out, char *msg,
                           size_t msglen);

/* The proofs, from the leaf hashes of the whole log (leaves[0..n)):
 * inclusion of leaf_index in the tree of tree_size leaves (index <
 * tree_size <= n), consistency from first to second (1 <= first <= second
 * <= n). */
unsigned vs_logdoc_inclusion(const vg_tlog_hash *leaves, uint64_t n, uint64_t leaf_index,
                             uint64_t tree_size, json_t **out, char *msg, size_t msglen);
unsigned vs_logdoc_consistency(const vg_tlog_hash *leaves, uint64_t n, uint64_t first,
                               uint64_t second, json_t **out, char *msg, size_t msglen);

#endif
