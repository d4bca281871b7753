/* Bearer-token authentication and role checks. The token is looked up by
 * its SHA-256 in the store (vs_store_token_check); the store never holds the
 * secret. Missing, malformed, unknown or revoked: 401. Known but its role is
 * below what the route needs: 403. The token itself never reaches a log; the
 * token's name becomes the request's actor. */
#include "http.h"

#include <string.h>
#include <strings.h>

#include "log.h"

int vs_auth(vs_req *r, vs_role need)
{
    if (need == VS_ROLE_NONE)
        return 0;
    const char *h = vs_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h == NULL) {
        vs_reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                       "missing Authorization: Bearer token");
        return -1;
    }
    while (*h == ' ')
        h++;
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        vs_reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                       "Authorization must be a Bearer token");
        return -1;
    }
    h += 7;
    while (*h == ' ')
        h++;
    char token[65];
    size_t n = strcspn(h, " \t");
    if (n != 64 || h[n + strspn(h + n, " \t")] != '\0') {
        vs_reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", "unknown token");
        return -1;
    }
    memcpy(token, h, 64);
    token[64] = '\0';
    vs_role role = VS_ROLE_NONE;
    char name[64] = "";
    vg_error err = vs_store_token_check(r->srv->store, token, &role, name);
    explicit_bzero(token, sizeof token);
    if (err == VG_ERR_NOT_FOUND) {
        vs_reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", "unknown or revoked token");
        return -1;
    }
    if (err != VG_OK) {
        vs_log_event("error", "store-error",
                     json_pack("{s:s,s:s}", "op", "token-check", "error", vg_strerror(err)));
        vs_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                       "the token store cannot be read");
        return -1;
    }
    snprintf(r->actor, sizeof r->actor, "%s", name);
    r->role = role;
    if (role < need) {
        vs_reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden", "this needs the %s role",
                       vs_role_name(need));
        return -1;
    }
    return 0;
}
