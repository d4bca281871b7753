/* libFuzzer harness for the exact verifier (lib/match/verify.c).
 *
 * The container fuzzers scan with the one built-in signature, so they never
 * reach the verifier's gaps, alternatives and memos. Here the input is
 *
 *     <hex signature>\n<object bytes>
 *
 * and every element of the signature that holds bytes is tried as the
 * anchor at the first positions of the object where its first byte could
 * be, as Hyperscan would hand them over, with the per-object memos shared
 * across those calls and a small step budget. Memory and file-window maps
 * both come in: even inputs are scanned from memory, odd ones through a
 * file of their own (the verifier's backward buffer and the fd window). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "match/match.h"
#include "sig/sig.h"

#define MAX_ANCHORS 48

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vg_fmap *open_map(const uint8_t *obj, size_t len, int via_file, int *fd)
{
    vg_fmap *map = NULL;
    *fd = -1;
    if (!via_file) {
        vg_fmap_open_mem(obj, len, &map);
        return map;
    }
    FILE *f = tmpfile();
    if (f == NULL)
        return NULL;
    if (len && fwrite(obj, 1, len, f) != len) {
        fclose(f);
        return NULL;
    }
    fflush(f);
    *fd = dup(fileno(f));
    fclose(f);
    if (*fd >= 0 && vg_fmap_open_fd(*fd, 4096, &map) != VG_OK)
        map = NULL;
    return map;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size < 4096 ? size : 4096);
    if (nl == NULL)
        return 0;
    size_t hlen = (size_t)(nl - data);
    const uint8_t *obj = nl + 1;
    size_t olen = size - hlen - 1;
    vgi_body_sig *sig = NULL;
    if (vgi_hex_parse((const char *)data, hlen, &sig, NULL) != VG_OK)
        return 0;
    /* Offsets come from the first object byte, so they vary too. */
    sig->off_kind = olen ? obj[0] % 3 : 0;
    sig->off = olen > 1 ? obj[1] : 0;
    sig->off_range = olen > 2 ? obj[2] : 0;

    int fd;
    vg_fmap *map = open_map(obj, olen, (size & 1) != 0, &fd);
    vgi_verifier *v = NULL;
    if (map != NULL && vgi_verifier_new(&v) == VG_OK) {
        vgi_verifier_begin_object(v, 200000);
        for (uint32_t e = 0; e < sig->n_el; e++) {
            const vgi_el *el = &sig->el[e];
            if (el->kind != VGI_EL_BYTES && el->kind != VGI_EL_ALT)
                continue;
            unsigned tried = 0;
            for (uint64_t pos = 0; pos < olen && tried < MAX_ANCHORS; pos++) {
                if (el->kind == VGI_EL_BYTES &&
                    ((obj[pos] ^ sig->val[el->off]) & sig->mask[el->off]) != 0)
                    continue;
                uint64_t start;
                vgi_verify_result r = vgi_verify(v, sig, 0, map, e, 0, pos, &start);
                if (r == VGI_VERIFY_MATCH && start > olen)
                    abort(); /* a match must start inside the object */
                tried++;
            }
        }
    }
    vgi_verifier_free(v);
    vg_fmap_close(map);
    if (fd >= 0)
        close(fd);
    vg_free(sig);
    return 0;
}
