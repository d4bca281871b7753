/* The bundle manifest: parsed, bounded and cross-checked.
 *
 *     {"version":42,"created":1735787045,
 *      "files":[{"name":"daily.ndb","size":5120,"sha256":"3f2a...",
 *                "signatures":40,"upload_triggers":38}, ...],
 *      "upload_triggers":["Win.Trojan.A-1","Win.Trojan.B-2", ...]}
 *
 * The manifest is read before the signature is checked, so it is hostile:
 * counts are bounded before anything is allocated for them, every file name
 * is a plain name (it becomes a path in vg_bundle_extract: no '/', no "..",
 * no leading '.', no NUL, printable ASCII, a known signature extension, and
 * no two that differ only in case, for case-insensitive file systems), each
 * size is bounded by the file it came in, and the trigger list must agree
 * with the per-file counts (as many names as triggers at most, none
 * repeated). Members this reader does not know are ignored, so a later
 * format can add some. */
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <vigil/lint.h>

#include "../core/mem.h"
#include "bundle_int.h"

int vgi_bundle_name_ok(const char *name, size_t len, const char **why)
{
    if (len == 0 || len > VG_BUNDLE_MAX_NAME) {
        *why = "file name is empty or longer than 128 bytes";
        return 0;
    }
    if (strlen(name) != len) {
        *why = "file name contains a NUL byte";
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c == '/' || c == '\\') {
            *why = "file name contains a path separator";
            return 0;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '+')) {
            *why = "file name has a character outside [A-Za-z0-9._+-]";
            return 0;
        }
    }
    if (name[0] == '.') {
        *why = "file name starts with '.'";
        return 0;
    }
    if (strstr(name, "..") != NULL) {
        *why = "file name contains \"..\"";
        return 0;
    }
    if (!vg_lint_known_format(name)) {
        *why = "file name has no known signature extension (.hdb .hsb .ndb .fp .sfp .ign2 .ign)";
        return 0;
    }
    return 1;
}

/* An integer member 0..max (or min..max), else a message. */
static const char *get_uint(const json_t *o, const char *key, uint64_t min, uint64_t max,
                            uint64_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (v == NULL)
        return "missing";
    if (!json_is_integer(v))
        return "not an integer";
    json_int_t x = json_integer_value(v);
    if (x < 0 || (uint64_t)x < min || (uint64_t)x > max)
        return "out of range";
    *out = (uint64_t)x;
    return NULL;
}

static int hex32(const char *s, size_t len, uint8_t out[32])
{
    if (len != 64)
        return -1;
    for (size_t i = 0; i < 32; i++) {
        int v[2];
        for (int k = 0; k < 2; k++) {
            char c = s[2 * i + (size_t)k];
            v[k] = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (v[k] < 0)
                return -1;
        }
        out[i] = (uint8_t)(v[0] << 4 | v[1]);
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_name_ci(const void *a, const void *b)
{
    const vgi_bundle_entry *x = *(const vgi_bundle_entry *const *)a;
    const vgi_bundle_entry *y = *(const vgi_bundle_entry *const *)b;
    return strcasecmp(x->name, y->name);
}

static vg_error parse_files(vg_bundle *b, const json_t *files, uint64_t moff, uint64_t contents,
                            uint64_t *trigger_sum, char *err, size_t errlen)
{
    size_t n = json_array_size(files);
    uint64_t off = contents, avail = b->len - contents;
    if (n > VG_BUNDLE_MAX_FILES)
        return vgi_bundle_bad(err, errlen, moff, "manifest: %zu files, more than the limit of %u",
                              n, VG_BUNDLE_MAX_FILES);
    if (n > 0 && (b->files = vg_calloc(n, sizeof *b->files)) == NULL)
        return vgi_bundle_err(err, errlen, VG_ERR_NOMEM, "out of memory");
    *trigger_sum = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *f = json_array_get(files, i);
        vgi_bundle_entry *e = &b->files[i];
        const char *why;
        if (!json_is_object(f))
            return vgi_bundle_bad(err, errlen, moff, "manifest: files[%zu] is not an object", i);
        const json_t *jn = json_object_get(f, "name"), *js = json_object_get(f, "sha256");
        if (!json_is_string(jn))
            return vgi_bundle_bad(err, errlen, moff, "manifest: files[%zu].name is not a string",
                                  i);
        e->name = json_string_value(jn);
        if (!vgi_bundle_name_ok(e->name, json_string_length(jn), &why))
            return vgi_bundle_bad(err, errlen, moff, "manifest: files[%zu].name: %s", i, why);
        if ((why = get_uint(f, "size", 0, VG_BUNDLE_MAX_SIZE, &e->size)) != NULL)
            return vgi_bundle_bad(err, errlen, moff, "manifest: files[%zu].size (%s): %s", i,
                                  e->name, why);
        if (e->size > avail)
            return vgi_bundle_bad(err, errlen, b->len,
                                  "truncated: file %s of %llu bytes at offset %llu runs past the "
                                  "end (%zu bytes)",
                                  e->name, (unsigned long long)e->size, (unsigned long long)off,
                                  b->len);
        avail -= e->size;
        e->off = off;
        off += e->size;
        if (!json_is_string(js) ||
            hex32(json_string_value(js), json_string_length(js), e->sha256) != 0)
            return vgi_bundle_bad(err, errlen, moff,
                                  "manifest: files[%zu].sha256 (%s) is not 64 lower-case hex "
                                  "digits",
                                  i, e->name);
        if ((why = get_uint(f, "signatures", 0, UINT32_MAX, &e->signatures)) != NULL)
            return vgi_bundle_bad(err, errlen, moff, "manifest: files[%zu].signatures (%s): %s", i,
                                  e->name, why);
        if ((why = get_uint(f, "upload_triggers", 0, e->signatures, &e->upload_triggers)) != NULL)
            return vgi_bundle_bad(
                err, errlen, moff, "manifest: files[%zu].upload_triggers (%s): %s%s", i, e->name,
                why, strcmp(why, "out of range") == 0 ? " (more than signatures)" : "");
        *trigger_sum += e->upload_triggers;
        b->n_files = i + 1;
    }
    if (n > 1) {
        const vgi_bundle_entry **s = vg_malloc(n * sizeof *s);
        if (s == NULL)
            return vgi_bundle_err(err, errlen, VG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            s[i] = &b->files[i];
        qsort(s, n, sizeof *s, cmp_name_ci);
        for (size_t i = 1; i < n; i++)
            if (strcasecmp(s[i - 1]->name, s[i]->name) == 0) {
                vg_error rc = vgi_bundle_bad(err, errlen, moff,
                                             "manifest: file name %s appears twice (ignoring case)",
                                             s[i]->name);
                vg_free(s);
                return rc;
            }
        vg_free(s);
    }
    return VG_OK;
}

static vg_error parse_triggers(vg_bundle *b, const json_t *t, uint64_t moff, uint64_t sum,
                               char *err, size_t errlen)
{
    size_t n = json_array_size(t);
    if (n > VG_BUNDLE_MAX_TRIGGERS)
        return vgi_bundle_bad(err, errlen, moff, "manifest: %zu upload triggers, limit %u", n,
                              VG_BUNDLE_MAX_TRIGGERS);
    if ((uint64_t)n > sum || (n == 0) != (sum == 0))
        return vgi_bundle_bad(err, errlen, moff,
                              "manifest: %zu upload trigger names, but the files count %llu", n,
                              (unsigned long long)sum);
    if (n == 0)
        return VG_OK;
    if ((b->triggers = vg_malloc(n * sizeof *b->triggers)) == NULL)
        return vgi_bundle_err(err, errlen, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(t, i);
        if (!json_is_string(s))
            return vgi_bundle_bad(err, errlen, moff,
                                  "manifest: upload_triggers[%zu] is not a string", i);
        const char *v = json_string_value(s);
        size_t len = json_string_length(s);
        if (len == 0 || len > VG_BUNDLE_MAX_SIGNAME || strlen(v) != len ||
            strpbrk(v, "\r\n") != NULL)
            return vgi_bundle_bad(err, errlen, moff,
                                  "manifest: upload_triggers[%zu] is not a signature name "
                                  "(1..%u bytes, no NUL or line break)",
                                  i, VG_BUNDLE_MAX_SIGNAME);
        b->triggers[i] = v;
    }
    b->n_triggers = n;
    qsort(b->triggers, n, sizeof *b->triggers, cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(b->triggers[i - 1], b->triggers[i]) == 0)
            return vgi_bundle_bad(err, errlen, moff, "manifest: upload trigger %s listed twice",
                                  b->triggers[i]);
    return VG_OK;
}

vg_error vgi_bundle_parse_manifest(vg_bundle *b, uint64_t moff, uint64_t contents, char *err,
                                   size_t errlen)
{
    json_error_t jerr;
    size_t mlen = (size_t)(contents - moff);
    b->root = json_loadb(b->manifest, mlen, JSON_REJECT_DUPLICATES, &jerr);
    if (b->root == NULL)
        return vgi_bundle_bad(err, errlen, moff + (uint64_t)(jerr.position > 0 ? jerr.position : 0),
                              "manifest is not JSON: %s", jerr.text);
    if (!json_is_object(b->root))
        return vgi_bundle_bad(err, errlen, moff, "manifest is not a JSON object");
    const char *why;
    if ((why = get_uint(b->root, "version", 1, INT64_MAX, &b->version)) != NULL)
        return vgi_bundle_bad(err, errlen, moff, "manifest: version: %s (need 1..2^63-1)", why);
    if ((why = get_uint(b->root, "created", 0, INT64_MAX, &b->created)) != NULL)
        return vgi_bundle_bad(err, errlen, moff, "manifest: created: %s", why);
    const json_t *files = json_object_get(b->root, "files");
    const json_t *trig = json_object_get(b->root, "upload_triggers");
    if (!json_is_array(files))
        return vgi_bundle_bad(err, errlen, moff, "manifest: files is missing or not an array");
    if (!json_is_array(trig))
        return vgi_bundle_bad(err, errlen, moff,
                              "manifest: upload_triggers is missing or not an array");
    uint64_t sum = 0;
    vg_error rc = parse_files(b, files, moff, contents, &sum, err, errlen);
    if (rc == VG_OK)
        rc = parse_triggers(b, trig, moff, sum, err, errlen);
    return rc;
}
