/* The scan callback of the submit step: for each detection, a copy of the
 * innermost flagged object, never its container (P1).
 *
 * Take a.zip holding docs/plan.docx and tools/setup.exe, a signature
 * matching setup.exe. The detection event's chain is a.zip > tools/setup.exe
 * and its `object` is setup.exe's own map: its bytes are copied here, while
 * the map is still valid (only during the callback). a.zip and plan.docx
 * are never read by this step at all.
 *
 * Not collected, and said so: an object larger than 64 MiB; an object that
 * max-filesize or max-scansize cut (its bytes are a prefix, its SHA-256
 * would be the prefix's), recognised by the VG_EVENT_LIMIT the scanner
 * raises for the same chain just before matching it; and objects past
 * 256 MiB of flagged bytes held for one top-level file. The same object
 * flagged by several signatures is kept once, with the first name. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "submit_int.h"

void sub_object_free(sub_object *o)
{
    free(o->path);
    free(o->signature);
    free(o->data);
    memset(o, 0, sizeof *o);
}

void collect_cleanup(collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        sub_object_free(&c->obj[i]);
    free(c->obj);
    memset(c, 0, sizeof *c);
}

static void join_chain(const vg_event *e, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i <= e->depth && o + 1 < cap; i++) {
        int w = snprintf(buf + o, cap - o, "%s%s", i ? " > " : "", e->chain[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static void sha256_hex(const uint8_t *p, size_t n, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(p, n, d, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int collect_on_event(const vg_event *e, void *userdata)
{
    collect *c = userdata;
    char chain[4096];
    if (e->kind == VG_EVENT_LIMIT &&
        (e->limit == VG_LIMIT_FILESIZE || e->limit == VG_LIMIT_SCANSIZE)) {
        join_chain(e, c->cut_chain, sizeof c->cut_chain);
        return 0;
    }
    if (e->kind != VG_EVENT_DETECTION || e->object == NULL)
        return 0;
    join_chain(e, chain, sizeof chain);
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 8;
        sub_object *no = realloc(c->obj, nc * sizeof *no);
        if (no == NULL)
            return 0;
        c->obj = no;
        c->cap = nc;
    }
    sub_object o = {0};
    uint64_t size = vg_fmap_size(e->object);
    o.full_size = size;
    o.size = (size_t)(size <= SUBMIT_MAX_OBJECT ? size : 0);
    if (strcmp(chain, c->cut_chain) == 0)
        o.not_collected = "a scan limit cut it (max-filesize or max-scansize): its bytes are "
                          "incomplete";
    else if (size > SUBMIT_MAX_OBJECT)
        o.not_collected = "larger than 64 MiB";
    else if (c->bytes + size > SUBMIT_MAX_PER_FILE)
        o.not_collected = "more than 256 MiB of flagged objects in this file";
    if (o.not_collected == NULL) {
        o.data = malloc(size ? (size_t)size : 1);
        if (o.data == NULL || vg_fmap_read(e->object, 0, o.data, (size_t)size) != size) {
            free(o.data);
            o.data = NULL;
            o.not_collected = "its bytes could not be read";
        } else {
            sha256_hex(o.data, (size_t)size, o.sha256);
            o.type = object_type(o.data, (size_t)size);
            /* The same bytes flagged twice (allmatch): once is enough. */
            for (size_t i = 0; i < c->n; i++)
                if (c->obj[i].data != NULL && strcmp(c->obj[i].sha256, o.sha256) == 0) {
                    free(o.data);
                    return 0;
                }
            c->bytes += size;
        }
    }
    o.path = strdup(chain);
    o.signature = strdup(e->signature ? e->signature : "?");
    if (o.path == NULL || o.signature == NULL) {
        sub_object_free(&o);
        return 0;
    }
    c->obj[c->n++] = o;
    return 0;
}
