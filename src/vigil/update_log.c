/* The client's checks against the transparency log (include/vigil/tlog.h):
 *
 *   1. the STH:          signed by the pinned log key
 *   2. consistency:      the STH extends the last one this client accepted
 *                        (RFC 9162 2.1.4); same size: same root
 *   3. inclusion:        the bundle's leaf "vigil-bundle\n5\n<sha>\n" is at
 *                        leaf_index of the STH's tree (RFC 9162 2.1.3)
 *
 * The proofs come from the mirror and are not trusted: only their
 * verification against roots from signed heads counts. A log that shows
 * this client one history and the world another has to sign two heads that
 * no consistency proof joins; step 2 catches it the first time this client
 * sees the other branch. A bundle the vendor signed but kept out of the log
 * fails step 3: no path from its leaf reaches a signed root. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "update_int.h"

#define PROOF_MAX (64u << 10) /* 65 hashes in JSON fit in 5 KiB */
#define STH_MAX   (4u << 10)

int key_read(const char *path, uint8_t key[32], char *why, size_t why_len)
{
    char err[256] = "";
    vg_error e = vg_bundle_key_read_public(path, key, err, sizeof err);
    if (e == VG_OK)
        return 0;
    if (err[0] != '\0' && strstr(err, path) != NULL)
        snprintf(why, why_len, "%s", err);
    else
        snprintf(why, why_len, "%s: %s", path, err[0] ? err : vg_strerror(e));
    return -1;
}

void log_time_text(uint64_t unix_s, char *out, size_t cap)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(out, cap, "@%llu", (unsigned long long)unix_s);
}

int log_fetch_sth(fetch_ctx *f, const uint8_t log_key[32], vg_tlog_sth *out, bool *bad_sig,
                  char *why, size_t why_len)
{
    *bad_sig = false;
    uint8_t *body = NULL;
    size_t len = 0;
    char fwhy[1024];
    if (fetch_get(f, "/v1/log/sth", "/v1/log/sth", STH_MAX, &body, &len, fwhy, sizeof fwhy) !=
        FETCH_OK) {
        snprintf(why, why_len, "cannot fetch the log's signed tree head: %s", fwhy);
        return -1;
    }
    vg_error e = vg_tlog_sth_parse((const char *)body, len, out);
    free(body);
    if (e != VG_OK) {
        *bad_sig = true;
        snprintf(why, why_len, "the log's signed tree head is malformed");
        return -1;
    }
    if (vg_tlog_sth_verify(out, log_key) != VG_OK) {
        *bad_sig = true;
        snprintf(why, why_len,
                 "the log's signed tree head (size %llu) does not verify with the pinned log key",
                 (unsigned long long)out->tree_size);
        return -1;
    }
    return 0;
}

/* The "path" member of a proof answer, at most VG_TLOG_MAX_PATH hashes. */
static int get_path(fetch_ctx *f, const char *query, const char *file_path, vg_tlog_hash *path,
                    size_t *n, char *why, size_t why_len, fetch_rc *frc)
{
    uint8_t *body = NULL;
    size_t len = 0;
    *n = 0;
    *frc = fetch_get(f, query, file_path, PROOF_MAX, &body, &len, why, why_len);
    if (*frc != FETCH_OK)
        return -1;
    json_t *j = json_loadb((const char *)body, len, 0, NULL);
    free(body);
    json_t *a = json_object_get(j, "path");
    int rc = -1;
    if (!json_is_array(a) || json_array_size(a) > VG_TLOG_MAX_PATH) {
        snprintf(why, why_len, "%s: not a proof", query);
        goto done;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *h = json_string_value(json_array_get(a, i));
        if (h == NULL || vg_tlog_unhex(h, strlen(h), path[i].b, VG_TLOG_HASH_SIZE) != VG_OK) {
            snprintf(why, why_len, "%s: hash %zu of the proof is malformed", query, i);
            goto done;
        }
    }
    *n = json_array_size(a);
    rc = 0;
done:
    json_decref(j);
    return rc;
}

log_check log_check_consistent(fetch_ctx *f, const vg_tlog_sth *seen, const vg_tlog_sth *now,
                               char *why, size_t why_len)
{
    if (now->tree_size < seen->tree_size) {
        snprintf(why, why_len, "smaller than the size %llu seen before",
                 (unsigned long long)seen->tree_size);
        return LOG_ROLLED_BACK;
    }
    vg_tlog_hash path[VG_TLOG_MAX_PATH];
    size_t n = 0;
    if (now->tree_size > seen->tree_size && seen->tree_size > 0) {
        char q[128], p[128];
        snprintf(q, sizeof q, "/v1/log/proof/consistency?first=%llu&second=%llu",
                 (unsigned long long)seen->tree_size, (unsigned long long)now->tree_size);
        snprintf(p, sizeof p, "/v1/log/proof/consistency/%llu-%llu",
                 (unsigned long long)seen->tree_size, (unsigned long long)now->tree_size);
        fetch_rc frc;
        if (get_path(f, q, p, path, &n, why, why_len, &frc) != 0)
            /* A mirror that is down is not a fork; one that has no proof
             * (404) for two heads its own log signed is. */
            return frc == FETCH_FAILED ? LOG_FETCH_FAILED : LOG_NOT_CONSISTENT;
    }
    if (vg_tlog_consistency_verify(seen->tree_size, now->tree_size, &seen->root, &now->root, path,
                                   n) != VG_OK) {
        snprintf(why, why_len, "the consistency proof does not verify");
        return LOG_NOT_CONSISTENT;
    }
    return LOG_OK;
}

bool log_check_included(fetch_ctx *f, const vg_tlog_sth *now, uint64_t leaf_index,
                        const char *entry, char *why, size_t why_len)
{
    if (leaf_index >= now->tree_size) {
        snprintf(why, why_len, "leaf %llu is past the signed tree of size %llu",
                 (unsigned long long)leaf_index, (unsigned long long)now->tree_size);
        return false;
    }
    char q[128], p[128];
    snprintf(q, sizeof q, "/v1/log/proof/inclusion?leaf_index=%llu&tree_size=%llu",
             (unsigned long long)leaf_index, (unsigned long long)now->tree_size);
    snprintf(p, sizeof p, "/v1/log/proof/inclusion/%llu-%llu", (unsigned long long)leaf_index,
             (unsigned long long)now->tree_size);
    vg_tlog_hash path[VG_TLOG_MAX_PATH], leaf;
    size_t n = 0;
    fetch_rc frc;
    if (get_path(f, q, p, path, &n, why, why_len, &frc) != 0)
        return false;
    vg_tlog_leaf_hash(entry, strlen(entry), &leaf);
    if (vg_tlog_inclusion_verify(leaf_index, now->tree_size, &leaf, path, n, &now->root) != VG_OK) {
        snprintf(why, why_len, "the inclusion proof for leaf %llu does not verify",
                 (unsigned long long)leaf_index);
        return false;
    }
    return true;
}
