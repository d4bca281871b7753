/* API tokens: a token is 32 random bytes shown once as 64 hex characters;
 * the store keeps only the SHA-256 (hex) of that text. Adding and revoking
 * a token appends a "token" audit entry in the same transaction. */
#include <sodium.h>
#include <string.h>

#include "store_int.h"

static void token_hash(const char *token, char hex[65])
{
    uint8_t md[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(md, (const uint8_t *)token, strlen(token));
    sodium_bin2hex(hex, 65, md, sizeof md);
}

static vg_error token_audit_locked(vs_store *st, const char *action, const char *name, vs_role role)
{
    json_t *e = json_pack("{s:s, s:{s:s, s:s, s:s}}", "kind", "token", "detail", "action", action,
                          "name", name, "role", vs_role_name(role));
    if (e == NULL)
        return VG_ERR_NOMEM;
    vg_error err = vsi_audit_append_locked(st, e, NULL);
    json_decref(e);
    return err;
}

vg_error vs_store_token_add(vs_store *st, const char *name, vs_role role, char token_out[65])
{
    uint8_t secret[32];
    char hash[65];
    int64_t changes = 0;
    token_out[0] = '\0';
    if (name == NULL || *name == '\0' || strlen(name) > 63 || role < VS_ROLE_SUBMITTER ||
        role > VS_ROLE_ADMIN)
        return VG_ERR_INVALID_ARG;
    randombytes_buf(secret, sizeof secret);
    sodium_bin2hex(token_out, 65, secret, sizeof secret);
    sodium_memzero(secret, sizeof secret);
    token_hash(token_out, hash);
    vsq_val p[4] = {VSQ_S(name), VSQ_S(vs_role_name(role)), VSQ_S(hash), VSQ_I(vsi_now())};
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->begin(st);
    if (err == VG_OK) {
        err = st->be->exec(st,
                           "INSERT INTO tokens (name, role, token_sha256, created, revoked) "
                           "VALUES (?, ?, ?, ?, 0) ON CONFLICT DO NOTHING",
                           p, 4, NULL, NULL, &changes);
        if (err == VG_OK && changes == 0)
            err = VG_ERR_EXISTS;
        if (err == VG_OK)
            err = token_audit_locked(st, "add", name, role);
        err = vsi_txn_end(st, err);
    }
    pthread_mutex_unlock(&st->mu);
    if (err != VG_OK)
        sodium_memzero(token_out, 65);
    return err;
}

typedef struct token_match {
    const char *want; /* hash of the presented token */
    int found;
    vs_role role;
    char name[64];
} token_match;

static vg_error token_row(void *ud, const vsq_val *c, int n)
{
    token_match *m = ud;
    if (n != 3 || c[2].type != VSQ_TEXT || strlen(c[2].s) != 64)
        return VG_ERR_MALFORMED;
    if (sodium_memcmp(c[2].s, m->want, 64) != 0)
        return VG_OK;
    m->found = 1;
    vsi_copy(m->name, sizeof m->name, c[0].s);
    m->role = vs_role_parse(c[1].s);
    return VG_OK;
}

vg_error vs_store_token_check(vs_store *st, const char *token, vs_role *role, char name_out[64])
{
    char hash[65];
    token_match m = {hash, 0, VS_ROLE_NONE, ""};
    *role = VS_ROLE_NONE;
    name_out[0] = '\0';
    if (token == NULL || *token == '\0')
        return VG_ERR_NOT_FOUND;
    token_hash(token, hash);
    vsq_val p = VSQ_S(hash);
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->exec(st,
                                "SELECT name, role, token_sha256 FROM tokens "
                                "WHERE token_sha256 = ? AND revoked = 0",
                                &p, 1, token_row, &m, NULL);
    pthread_mutex_unlock(&st->mu);
    if (err != VG_OK)
        return err;
    if (!m.found || m.role == VS_ROLE_NONE)
        return VG_ERR_NOT_FOUND;
    *role = m.role;
    memcpy(name_out, m.name, 64);
    return VG_OK;
}

static vg_error role_row(void *ud, const vsq_val *c, int n)
{
    if (n != 1 || c[0].type != VSQ_TEXT)
        return VG_ERR_MALFORMED;
    *(vs_role *)ud = vs_role_parse(c[0].s);
    return VG_OK;
}

vg_error vs_store_token_revoke(vs_store *st, const char *name)
{
    vs_role role = VS_ROLE_NONE;
    int64_t changes = 0;
    if (name == NULL)
        return VG_ERR_NOT_FOUND;
    vsq_val p[2] = {VSQ_I(vsi_now() > 0 ? vsi_now() : 1), VSQ_S(name)};
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->begin(st);
    if (err == VG_OK) {
        err = st->be->exec(st, "SELECT role FROM tokens WHERE name = ? AND revoked = 0", &p[1], 1,
                           role_row, &role, NULL);
        if (err == VG_OK)
            err = st->be->exec(st, "UPDATE tokens SET revoked = ? WHERE name = ? AND revoked = 0",
                               p, 2, NULL, NULL, &changes);
        if (err == VG_OK && changes == 0)
            err = VG_ERR_NOT_FOUND;
        if (err == VG_OK)
            err = token_audit_locked(st, "revoke", name, role);
        err = vsi_txn_end(st, err);
    }
    pthread_mutex_unlock(&st->mu);
    return err;
}

static vg_error list_row(void *ud, const vsq_val *c, int n)
{
    if (n != 3)
        return VG_ERR_MALFORMED;
    json_t *o = json_pack("{s:s, s:s, s:I}", "name", c[0].s ? c[0].s : "", "role",
                          c[1].s ? c[1].s : "", "created", (json_int_t)c[2].i);
    return (o != NULL && json_array_append_new(ud, o) == 0) ? VG_OK : VG_ERR_NOMEM;
}

vg_error vs_store_token_list(vs_store *st, json_t **out)
{
    *out = json_array();
    if (*out == NULL)
        return VG_ERR_NOMEM;
    pthread_mutex_lock(&st->mu);
    vg_error err = st->be->exec(st,
                                "SELECT name, role, created FROM tokens WHERE revoked = 0 "
                                "ORDER BY name",
                                NULL, 0, list_row, *out, NULL);
    pthread_mutex_unlock(&st->mu);
    if (err != VG_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}
