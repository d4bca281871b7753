/* `vigil-server purge --rescan`: the marking check of intake, run again on
 * every stored sample, for when the detector learnt to see what it missed.
 *
 * The walk (vs_store_each_sample, each read audited as "rescan") only
 * collects the hits; they are destroyed after it, so no deletion runs
 * inside the store's iteration. A hit is deleted with audit kind "purge",
 * actor "purge" and detail {"rule", "evidence"} - the same refusal rules as
 * intake, so a sample the check cannot finish (a limit, an unreadable part)
 * goes too. Prints "purged N of M samples"; exit 0 when nothing was
 * purged, 1 when something was, 2 on a store error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "intake.h"
#include "log.h"

typedef struct hit {
    char sha256[65];
    vs_mark_result mark;
} hit;

typedef struct walk {
    vs_marker *m;
    size_t seen;
    hit *hits;
    size_t n, cap;
    int failed;
} walk;

static int on_sample(const vs_sample *meta, const uint8_t *content, size_t len, void *ud)
{
    walk *w = ud;
    w->seen++;
    vs_mark_result mr;
    vs_marker_check(w->m, content, len, &mr);
    if (mr.status == VS_MARK_CLEAN)
        return 0;
    if (mr.status == VS_MARK_FAILED) {
        fprintf(stderr, "vigil-server: purge: cannot check %s: %s\n", meta->sha256,
                vg_strerror(mr.err));
        w->failed = 1;
        return 0;
    }
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 16;
        hit *nh = realloc(w->hits, nc * sizeof *nh);
        if (nh == NULL) {
            w->failed = 1;
            return 1;
        }
        w->hits = nh;
        w->cap = nc;
    }
    hit *h = &w->hits[w->n++];
    snprintf(h->sha256, sizeof h->sha256, "%s", meta->sha256);
    h->mark = mr;
    return 0;
}

int vs_cmd_purge(const vs_args *a)
{
    vs_log_set_json(a->log_json);
    char err[512] = "";
    vs_store *st = NULL;
    walk w = {0};
    int rc = 2;
    if (vs_store_open(a->data_dir, a->db, &st, err, sizeof err) != VG_OK ||
        vs_marker_new(a->max_sample, &w.m, err, sizeof err) != VG_OK) {
        fprintf(stderr, "vigil-server: %s\n", err);
        goto done;
    }
    /* A blob that does not open is skipped by the walk and reported after
     * it; the hits found are destroyed all the same. */
    vg_error e = vs_store_each_sample(st, on_sample, &w);
    if (e != VG_OK) {
        fprintf(stderr, "vigil-server: purge: reading the store: %s\n", vg_strerror(e));
        w.failed = 1;
    }
    size_t purged = 0;
    for (size_t i = 0; i < w.n; i++) {
        json_t *detail = vs_intake_tombstone(&w.hits[i].mark, w.hits[i].sha256, 0, "purge");
        json_object_del(detail, "kind");
        json_object_del(detail, "sha256");
        json_object_del(detail, "size");
        json_object_del(detail, "actor");
        e = vs_store_delete_sample(st, w.hits[i].sha256, "purge", "purge", detail);
        json_decref(detail);
        if (e == VG_OK) {
            purged++;
            vs_log_event(
                "warn", "purged",
                json_pack("{s:s,s:s}", "sha256", w.hits[i].sha256, "rule", w.hits[i].mark.rule));
        } else if (e != VG_ERR_NOT_FOUND) {
            fprintf(stderr, "vigil-server: purge: cannot delete %s: %s\n", w.hits[i].sha256,
                    vg_strerror(e));
            w.failed = 1;
        }
    }
    printf("purged %zu of %zu samples\n", purged, w.seen);
    rc = w.failed ? 2 : (purged ? 1 : 0);
done:
    free(w.hits);
    vs_marker_free(w.m);
    vs_store_close(st);
    return rc;
}
