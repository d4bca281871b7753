/* Classification markings, judged on every object the scan reaches.
 *
 * Take a.zip holding docs/plan.docx. With VG_SCAN_MARKINGS the scan judges
 * a.zip itself, then plan.docx, then word/document.xml inside it, each as
 * the handlers emit it, right after its signatures were matched: a hit on
 * document.xml is one VG_EVENT_MARKING with the chain
 * a.zip -> docs/plan.docx -> word/document.xml. The detector sees every
 * object through the same limits as the matchers (a max-filesize prefix is
 * all it gets), and a hit changes neither the verdict nor the walk.
 *
 * The detector wants contiguous bytes and reads at most VG_MARK_MAX_INPUT
 * of them. An object up to that size is judged whole: in place when its map
 * holds it resident (every memory map, file maps up to their window), else
 * copied into the scanner's marking buffer. A larger object is judged as
 * its first and its last VG_MARK_MAX_INPUT/2 bytes (a banner sits at the
 * top and the bottom of a page; a classified page buried in the middle of
 * a huge object is missed, and the docs say so). The buffer grows to at
 * most VG_MARK_MAX_INPUT and is kept by the scanner for the next object. */
#include "scan_markings.h"

#include <string.h>

#include "../core/mem.h"
#include "scan_ctx.h"

#define HALF ((size_t)VG_MARK_MAX_INPUT / 2)

/* Bytes [off, off+len) of map as one block: resident, or read into the
 * scanner's buffer. NULL on a short read or no memory (reported). */
static const uint8_t *window(vgi_scan_ctx *c, vg_fmap *map, uint64_t off, size_t len)
{
    const uint8_t *all = vg_fmap_data(map);
    if (all != NULL)
        return all + off;
    vg_scanner *s = c->s;
    if (s->mark_cap < len) {
        uint8_t *p = vg_realloc(s->mark_buf, len);
        if (p == NULL) {
            vgi_scan_report_error(c, VG_ERR_NOMEM, NULL,
                                  "out of memory for the marking detector's %zu-byte window", len);
            return NULL;
        }
        s->mark_buf = p;
        s->mark_cap = len;
    }
    if (vg_fmap_read(map, off, s->mark_buf, len) != len) {
        vgi_scan_report_error(c, VG_ERR_IO, NULL, "read error at offset %llu",
                              (unsigned long long)off);
        return NULL;
    }
    return s->mark_buf;
}

/* Judges one window; 1 when it is classified, 0 when not, -1 on error. */
static int judge(vgi_scan_ctx *c, vg_fmap *map, uint64_t off, size_t len, vg_mark_verdict *v)
{
    const uint8_t *p = window(c, map, off, len);
    if (p == NULL)
        return -1;
    vg_error err = vg_markings_check(p, len, off, v);
    if (err != VG_OK) {
        vgi_scan_report_error(c, err, NULL, "marking detector: %s", vg_strerror(err));
        return -1;
    }
    return v->classified != 0;
}

void vgi_scan_markings(vgi_scan_ctx *c, vg_fmap *map)
{
    if (!(c->s->flags & VG_SCAN_MARKINGS) || c->aborted || c->timed_out)
        return;
    uint64_t size = vg_fmap_size(map);
    vg_mark_verdict v;
    int hit;
    if (size <= VG_MARK_MAX_INPUT) {
        hit = judge(c, map, 0, (size_t)size, &v);
    } else {
        hit = judge(c, map, 0, HALF, &v);
        if (hit != 1 && !c->aborted)
            hit = judge(c, map, size - HALF, HALF, &v);
    }
    if (hit != 1)
        return;
    c->res->markings++;
    vg_event ev = {.kind = VG_EVENT_MARKING,
                   .signature = v.rule ? v.rule : "marking",
                   .offset = v.n > 0 ? v.ev[0].offset : 0,
                   .message = v.reason,
                   .marking = &v,
                   .object = map};
    vgi_scan_emit(c, &ev);
}
