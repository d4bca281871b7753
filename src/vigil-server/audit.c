/* The audit log's hash chain (see audit.h). */
#include "audit.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *vs_audit_canonical(const json_t *entry)
{
    json_t *copy = json_copy((json_t *)entry);
    if (copy == NULL)
        return NULL;
    json_object_del(copy, "hash");
    char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(copy);
    return text;
}

int vs_audit_hash(const json_t *entry, char hex[65])
{
    char *text = vs_audit_canonical(entry);
    if (text == NULL)
        return -1;
    unsigned char md[32];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
    free(text);
    if (!ok || mdlen != 32)
        return -1;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static const char *field_str(const json_t *e, const char *key)
{
    const char *s = json_string_value(json_object_get(e, key));
    return s ? s : "";
}

int vs_audit_verify(const json_t *entries, char *err, size_t errlen)
{
    if (!json_is_array(entries)) {
        snprintf(err, errlen, "the audit log is not a JSON array of entries");
        return -1;
    }
    const char *prev = VS_AUDIT_GENESIS;
    json_int_t last_time = 0;
    for (size_t i = 0; i < json_array_size(entries); i++) {
        const json_t *e = json_array_get(entries, i);
        json_int_t seq = json_integer_value(json_object_get(e, "seq"));
        json_int_t t = json_integer_value(json_object_get(e, "time"));
        if (!json_is_object(e) || !json_is_integer(json_object_get(e, "seq"))) {
            snprintf(err, errlen, "entry %zu: not an object with a seq", i + 1);
            return -1;
        }
        if (seq != (json_int_t)i + 1) {
            snprintf(err, errlen,
                     "entry seq %" PRId64 ": expected seq %zu (entries missing or reordered)",
                     (int64_t)seq, i + 1);
            return -1;
        }
        if (strcmp(field_str(e, "prev"), prev) != 0) {
            snprintf(err, errlen,
                     "entry seq %" PRId64 ": prev does not match the hash of entry %" PRId64,
                     (int64_t)seq, (int64_t)seq - 1);
            return -1;
        }
        char want[65];
        if (vs_audit_hash(e, want) != 0) {
            snprintf(err, errlen, "entry seq %" PRId64 ": out of memory", (int64_t)seq);
            return -1;
        }
        if (strcmp(field_str(e, "hash"), want) != 0) {
            snprintf(err, errlen, "entry seq %" PRId64 ": hash does not match its content (edited)",
                     (int64_t)seq);
            return -1;
        }
        if (t < last_time) {
            snprintf(err, errlen, "entry seq %" PRId64 ": time goes back", (int64_t)seq);
            return -1;
        }
        last_time = t;
        prev = field_str(e, "hash");
    }
    return 0;
}
