/* Writing bundles: vg_bundle_build (lint, count, pack) and vg_bundle_sign.
 *
 *     files daily.ndb (40 signatures, 2 refused by lint), daily.hdb (10 hashes)
 *       -> manifest {"created":..., "files":[{"name":"daily.hdb","signatures":10,
 *                    "upload_triggers":0,...},{"name":"daily.ndb","signatures":40,
 *                    "upload_triggers":38,...}], "upload_triggers":[38 names], "version":N}
 *       -> header | manifest | daily.ndb | daily.hdb            (unsigned)
 *     vg_bundle_sign -> the same bytes | Ed25519 signature       (signed)
 *
 * Triggers are names, because a detection reports a name: a name is listed
 * only when every detection of that name in the bundle may trigger (a PE
 * rule and a refused document rule that share a name leave the name
 * detect-only), and each file's upload_triggers counts its signatures whose
 * name made the list. The manifest is written with sorted keys and no
 * white space, so the same inputs, version and time give the same bytes. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/diag_int.h"
#include "../core/mem.h"
#include "bundle_int.h"

typedef struct trig {
    char *name;
    size_t file;
} trig;

typedef struct build_state {
    const vg_bundle_build_opts *opts;
    size_t file;
    uint64_t *sigs; /* per file */
    trig *trig;
    size_t n_trig, cap_trig;
    char **deny; /* names with a detection that may not trigger */
    size_t n_deny, cap_deny;
    vg_error oom;
} build_state;

static int push(void **v, size_t *n, size_t *cap, size_t sz)
{
    if (*n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 256;
    void *p = vg_realloc(*v, nc * sz);
    if (p == NULL)
        return -1;
    *v = p;
    *cap = nc;
    return 0;
}

static int on_item(const vg_lint_item *item, void *ud)
{
    build_state *st = ud;
    vg_lint_item it = *item;
    st->sigs[st->file]++;
    if (it.kind == VG_LINT_BODY || it.kind == VG_LINT_HASH) {
        if (it.trigger) {
            /* The manifest is JSON: a name that is not UTF-8 cannot be listed. */
            json_t *s = json_string(it.name);
            if (s == NULL) {
                it.trigger = 0;
                it.refused = 1;
                it.rule = "name-encoding";
                strcpy(it.why,
                       "its name is not UTF-8, so the manifest cannot list it as a trigger");
            }
            json_decref(s);
        }
        char *copy = vg_strdup(it.name);
        if (copy == NULL) {
            st->oom = VG_ERR_NOMEM;
            return 1;
        }
        if (it.trigger) {
            if (push((void **)&st->trig, &st->n_trig, &st->cap_trig, sizeof *st->trig) != 0) {
                vg_free(copy);
                st->oom = VG_ERR_NOMEM;
                return 1;
            }
            st->trig[st->n_trig++] = (trig){copy, st->file};
        } else {
            if (push((void **)&st->deny, &st->n_deny, &st->cap_deny, sizeof *st->deny) != 0) {
                vg_free(copy);
                st->oom = VG_ERR_NOMEM;
                return 1;
            }
            st->deny[st->n_deny++] = copy;
        }
    }
    return st->opts->on_sig != NULL ? st->opts->on_sig(&it, st->opts->ud) : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_trig(const void *a, const void *b)
{
    return strcmp(((const trig *)a)->name, ((const trig *)b)->name);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static vg_error check_inputs(const vg_bundle_build_opts *o, const vg_bundle_src *files, size_t n,
                             vg_diag *diag)
{
    if (o->version < 1 || o->version > INT64_MAX)
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, NULL, 0, 0,
                            "version must be from 1 to 2^63-1");
    if (o->created > INT64_MAX)
        return vgi_diag_set(diag, VG_ERR_INVALID_ARG, NULL, 0, 0, "creation time out of range");
    if (n > VG_BUNDLE_MAX_FILES)
        return vgi_diag_set(diag, VG_ERR_LIMIT, NULL, 0, 0, "more than %u files",
                            VG_BUNDLE_MAX_FILES);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const char *why;
        if (files[i].name == NULL || (files[i].data == NULL && files[i].len > 0))
            return VG_ERR_INVALID_ARG;
        if (!vgi_bundle_name_ok(files[i].name, strlen(files[i].name), &why))
            return vgi_diag_set(diag, VG_ERR_INVALID_ARG, files[i].name, 0, 0, "%s", why);
        for (size_t k = 0; k < i; k++)
            if (strcasecmp(files[k].name, files[i].name) == 0)
                return vgi_diag_set(diag, VG_ERR_INVALID_ARG, files[i].name, 0, 0,
                                    "two files of this name (ignoring case)");
        total += files[i].len;
        if (total > VG_BUNDLE_MAX_SIZE)
            return vgi_diag_set(diag, VG_ERR_LIMIT, NULL, 0, 0,
                                "the files add up to more than %llu bytes",
                                (unsigned long long)VG_BUNDLE_MAX_SIZE);
    }
    return VG_OK;
}

/* Keeps the triggers whose name is not denied; fills per-file counts. */
static void resolve(build_state *st, uint64_t *trig_per_file)
{
    if (st->n_deny > 0) /* qsort on a NULL array is undefined even for 0 items */
        qsort(st->deny, st->n_deny, sizeof *st->deny, cmp_str);
    if (st->n_trig > 0)
        qsort(st->trig, st->n_trig, sizeof *st->trig, cmp_trig);
    size_t k = 0;
    for (size_t i = 0; i < st->n_trig; i++) {
        const char *name = st->trig[i].name;
        if (st->n_deny > 0 &&
            bsearch(&name, st->deny, st->n_deny, sizeof *st->deny, cmp_str) != NULL) {
            vg_free(st->trig[i].name);
            continue;
        }
        trig_per_file[st->trig[i].file]++;
        st->trig[k++] = st->trig[i];
    }
    st->n_trig = k;
}

static json_t *manifest(const vg_bundle_build_opts *o, const vg_bundle_src *files, size_t n,
                        const build_state *st, const uint64_t *tpf)
{
    json_t *root = json_object(), *fa = json_array(), *ta = json_array();
    if (root == NULL || fa == NULL || ta == NULL)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        uint8_t md[32];
        char hex[65];
        vgi_sha256(files[i].data, files[i].len, md);
        vgi_hex_lower(md, 32, hex);
        json_t *f = json_pack("{s:s, s:I, s:s, s:I, s:I}", "name", files[i].name, "size",
                              (json_int_t)files[i].len, "sha256", hex, "signatures",
                              (json_int_t)st->sigs[i], "upload_triggers", (json_int_t)tpf[i]);
        if (f == NULL || json_array_append_new(fa, f) != 0)
            goto fail;
    }
    for (size_t i = 0; i < st->n_trig; i++) {
        if (i > 0 && strcmp(st->trig[i - 1].name, st->trig[i].name) == 0)
            continue;
        if (json_array_append_new(ta, json_string(st->trig[i].name)) != 0)
            goto fail;
    }
    if (json_object_set_new(root, "version", json_integer((json_int_t)o->version)) != 0 ||
        json_object_set_new(root, "created", json_integer((json_int_t)o->created)) != 0 ||
        json_object_set(root, "files", fa) != 0 ||
        json_object_set(root, "upload_triggers", ta) != 0)
        goto fail;
    json_decref(fa);
    json_decref(ta);
    return root;
fail:
    json_decref(fa);
    json_decref(ta);
    json_decref(root);
    return NULL;
}

vg_error vg_bundle_build(const vg_bundle_build_opts *opts, const vg_bundle_src *files, size_t n,
                         uint8_t **out, size_t *outlen, vg_diag *diag)
{
    if (opts == NULL || out == NULL || outlen == NULL || (files == NULL && n > 0))
        return VG_ERR_INVALID_ARG;
    *out = NULL;
    *outlen = 0;
    vg_error rc = check_inputs(opts, files, n, diag);
    if (rc != VG_OK)
        return rc;
    build_state st = {.opts = opts};
    uint64_t *tpf = NULL;
    json_t *root = NULL;
    char *mjson = NULL;
    st.sigs = vg_calloc(n + 1, sizeof *st.sigs);
    tpf = vg_calloc(n + 1, sizeof *tpf);
    if (st.sigs == NULL || tpf == NULL) {
        rc = vgi_diag_set(diag, VG_ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    vg_lint_opts lo = {.hash_triggers = opts->hash_triggers};
    for (size_t i = 0; i < n; i++) {
        st.file = i;
        rc = vg_lint_mem(files[i].name, files[i].data, files[i].len, &lo, on_item, &st, diag);
        if (rc == VG_ERR_ABORTED && st.oom != VG_OK)
            rc = vgi_diag_set(diag, st.oom, files[i].name, 0, 0, "out of memory");
        if (rc != VG_OK)
            goto done;
    }
    resolve(&st, tpf);
    if ((root = manifest(opts, files, n, &st, tpf)) == NULL ||
        (mjson = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        rc = vgi_diag_set(diag, VG_ERR_NOMEM, NULL, 0, 0, "cannot write the manifest");
        goto done;
    }
    size_t mlen = strlen(mjson);
    if (mlen > VG_BUNDLE_MAX_MANIFEST) {
        rc = vgi_diag_set(diag, VG_ERR_LIMIT, NULL, 0, 0,
                          "the manifest would be %zu bytes, more than the limit of %u", mlen,
                          VG_BUNDLE_MAX_MANIFEST);
        goto done;
    }
    size_t total = VGI_BUNDLE_HEADER_LEN + mlen;
    for (size_t i = 0; i < n; i++)
        total += files[i].len;
    uint8_t *p = vg_malloc(total);
    if (p == NULL) {
        rc = vgi_diag_set(diag, VG_ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    memcpy(p, VGI_BUNDLE_MAGIC, VGI_BUNDLE_MAGIC_LEN);
    put_be32(p + 8, VGI_BUNDLE_FORMAT);
    put_be32(p + 12, (uint32_t)mlen);
    memcpy(p + VGI_BUNDLE_HEADER_LEN, mjson, mlen);
    size_t off = VGI_BUNDLE_HEADER_LEN + mlen;
    for (size_t i = 0; i < n; i++) {
        if (files[i].len > 0)
            memcpy(p + off, files[i].data, files[i].len);
        off += files[i].len;
    }
    *out = p;
    *outlen = total;
    rc = VG_OK;
done:
    free(mjson); /* jansson's allocator */
    json_decref(root);
    for (size_t i = 0; i < st.n_trig; i++)
        vg_free(st.trig[i].name);
    for (size_t i = 0; i < st.n_deny; i++)
        vg_free(st.deny[i]);
    vg_free(st.trig);
    vg_free(st.deny);
    vg_free(st.sigs);
    vg_free(tpf);
    return rc;
}

vg_error vg_bundle_sign(const uint8_t *in, size_t n, const uint8_t seckey[64], uint8_t **out,
                        size_t *outlen, char *err, size_t errlen)
{
    if (in == NULL || seckey == NULL || out == NULL || outlen == NULL)
        return VG_ERR_INVALID_ARG;
    *out = NULL;
    *outlen = 0;
    vg_bundle *b = NULL;
    vg_error rc = vg_bundle_open_mem(in, n, &b, err, errlen);
    if (rc != VG_OK)
        return rc;
    uint8_t *p = vg_malloc(b->body_len + VG_BUNDLE_SIG_BYTES);
    if (p == NULL) {
        vg_bundle_free(b);
        return vgi_bundle_err(err, errlen, VG_ERR_NOMEM, "out of memory");
    }
    memcpy(p, b->bytes, b->body_len);
    crypto_sign_detached(p + b->body_len, NULL, p, b->body_len, seckey);
    *outlen = b->body_len + VG_BUNDLE_SIG_BYTES;
    *out = p;
    vg_bundle_free(b);
    return VG_OK;
}

void vg_bundle_buf_free(uint8_t *p)
{
    vg_free(p);
}
