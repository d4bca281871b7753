/* What `vigil update` and `vigil tlog verify` both need before the first
 * request: the data directory (the one vigil submit uses), the mirror, the
 * pinned keys and the remembered state.
 *
 *     DATA/keys/vendor.pub   the vendor's bundle key  (--pubkey FILE)
 *     DATA/keys/log.pub      the log's key            (--log-pubkey FILE)
 *     DATA/update-state.json what was installed, the last STH accepted
 *
 * The keys are pinned by being there: the client never fetches a key from
 * a mirror, so a mirror cannot swap the key it is checked against. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "submit.h"
#include "update_int.h"

int update_setup(const update_setup_args *a, char **data_dir, fetch_ctx **fetch,
                 uint8_t vendor_key[32], uint8_t log_key[32], update_state *st)
{
    *data_dir = NULL;
    *fetch = NULL;
    char why[1200], path[4200];
    const char *mirror = a->mirror;
    if (mirror == NULL || mirror[0] == '\0')
        mirror = getenv("VIGIL_UPDATE_MIRROR");
    if (mirror == NULL || mirror[0] == '\0') {
        fprintf(stderr, "%s: no mirror: give --mirror URL or set VIGIL_UPDATE_MIRROR\n", a->who);
        return 2;
    }
    if ((*data_dir = submit_data_dir(a->data_dir, why, sizeof why)) == NULL) {
        fprintf(stderr, "%s: no data directory: %s\n", a->who, why);
        return 2;
    }
    if (a->need_vendor_key) {
        const char *p = a->pubkey;
        if (p == NULL) {
            snprintf(path, sizeof path, "%s/keys/vendor.pub", *data_dir);
            p = path;
        }
        if (key_read(p, vendor_key, why, sizeof why) != 0) {
            fprintf(stderr, "%s: no pinned vendor key: %s (give --pubkey FILE)\n", a->who, why);
            return 2;
        }
    }
    const char *p = a->log_pubkey;
    if (p == NULL) {
        snprintf(path, sizeof path, "%s/keys/log.pub", *data_dir);
        p = path;
    }
    if (key_read(p, log_key, why, sizeof why) != 0) {
        fprintf(stderr, "%s: no pinned log key: %s (give --log-pubkey FILE)\n", a->who, why);
        return 2;
    }
    if (state_load(*data_dir, st, why, sizeof why) != 0) {
        fprintf(stderr, "%s: %s\n", a->who, why);
        return 2;
    }
    if ((*fetch = fetch_new(mirror, a->timeout_s, why, sizeof why)) == NULL) {
        fprintf(stderr, "%s: %s\n", a->who, why);
        return 2;
    }
    return 0;
}
