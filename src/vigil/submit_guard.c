/* The local classified guard (P3): before anything about an object leaves,
 * the marking detector judges it and everything inside it.
 *
 * The object's bytes are scanned again, from memory, by a scanner over an
 * engine with no signatures and VG_SCAN_MARKINGS: the scanner opens every
 * container in it (a docx inside a zip inside the flagged object) and runs
 * vg_markings_check on every level. Any marking blocks the object. So does
 * a guard that could not look everywhere (a limit, an unreadable or
 * encrypted member): what the guard has not seen cannot be called clean.
 * No answer from the owner (consent "ask") can override either. */
#include <stdio.h>
#include <string.h>

#include "submit_int.h"

typedef struct guard_state {
    guard_verdict *v;
    int marked;
    int incomplete;
    char first_problem[256];
} guard_state;

static void inner_chain(const vg_event *e, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t o = 0;
    for (unsigned i = 1; i <= e->depth && o < cap; i++) {
        char pb[512];
        int w = snprintf(buf + o, cap - o, "%s%s", i > 1 ? " > " : "",
                         sub_printable(e->chain[i], pb, sizeof pb));
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static int on_event(const vg_event *e, void *ud)
{
    guard_state *g = ud;
    char where[1024];
    inner_chain(e, where, sizeof where);
    if (e->kind == VG_EVENT_MARKING && !g->marked) {
        g->marked = 1;
        const char *rule = e->marking && e->marking->rule ? e->marking->rule : e->signature;
        const char *reason = e->marking ? e->marking->reason : e->message;
        if (where[0])
            snprintf(g->v->why, sizeof g->v->why, "classified (%s: in %s: %s)", rule, where,
                     reason);
        else
            snprintf(g->v->why, sizeof g->v->why, "classified (%s: %s)", rule, reason);
        return 1; /* one marking is enough */
    }
    if ((e->kind == VG_EVENT_LIMIT || e->kind == VG_EVENT_ERROR) && !g->incomplete) {
        g->incomplete = 1;
        if (e->kind == VG_EVENT_LIMIT)
            snprintf(g->first_problem, sizeof g->first_problem, "limit:%s%s%s",
                     vg_limit_name(e->limit), where[0] ? " in " : "", where);
        else
            snprintf(g->first_problem, sizeof g->first_problem, "%s%s%s", e->message,
                     where[0] ? " in " : "", where);
    }
    return 0;
}

void guard_check(submit_ctx *s, const uint8_t *p, size_t n, guard_verdict *v)
{
    memset(v, 0, sizeof *v);
    guard_state g = {.v = v};
    vg_scanner_set_callback(s->guard, on_event, &g);
    vg_result r;
    vg_error err = vg_scanner_scan_mem(s->guard, p, n, "object", &r);
    if (g.marked) {
        v->blocked = true;
        return;
    }
    if (err != VG_OK && err != VG_ERR_ABORTED) {
        v->blocked = true;
        snprintf(v->why, sizeof v->why, "the classified guard failed (%s)", vg_strerror(err));
        return;
    }
    if (g.incomplete) {
        v->blocked = true;
        snprintf(v->why, sizeof v->why, "the classified guard could not look everywhere (%s)",
                 g.first_problem);
    }
}
