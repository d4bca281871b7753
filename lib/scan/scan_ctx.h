/* The state of one top-level scan, shared by scanner.c and child.c. */
#ifndef VGI_SCAN_SCAN_CTX_H
#define VGI_SCAN_SCAN_CTX_H

#include <hs/hs.h>
#include <vigil/scanner.h>

#include "../core/hash.h"
#include "../io/fmap_buf.h"
#include "../match/match.h"
#include "engine_int.h"
#include "scan_int.h"

#define VGI_MAX_CHAIN 66 /* max_depth is at most 64 */

typedef struct vgi_frame {
    uint64_t size;       /* the object's size */
    unsigned files;      /* members emitted so far */
    uint64_t bytes_out;  /* bytes of all members emitted so far */
    unsigned limit_mask; /* limit kinds already reported for this object */
} vgi_frame;

typedef struct vgi_pending {
    const char *name;
    uint32_t sig; /* body signature index, or UINT32_MAX for hashes */
    vg_sig_kind kind;
    uint64_t offset;
} vgi_pending;

struct vg_scanner {
    vg_engine *engine;
    hs_scratch_t *scratch;
    vgi_verifier *verifier;
    vgi_hasher *hasher;
    uint8_t *chunk;
    vgi_fmap_buf window; /* lent to each top-level file map in turn */
    vg_event_fn fn;
    void *userdata;
    unsigned flags;
    uint8_t *mark_buf; /* scan_markings.c: windows of non-resident objects */
    size_t mark_cap;   /* at most VG_MARK_MAX_INPUT */
};

struct vgi_scan_ctx {
    vg_scanner *s;
    const vg_limits *lim;
    vg_result *res;
    const char *chain[VGI_MAX_CHAIN];
    vgi_frame frames[VGI_MAX_CHAIN];
    unsigned depth;
    uint64_t scanned;   /* bytes charged against max_scan_size */
    double deadline_ms; /* 0: none */
    int stop;           /* a detection ended the scan */
    int detected;       /* marking mode: a detection ended matching, not the walk */
    int aborted;        /* the callback asked to stop */
    int timed_out;
    /* the object being matched */
    vg_fmap *map;
    uint32_t targets;
    int budget_hit;
    vgi_pending *pend;
    size_t n_pend, cap_pend;
};

double vgi_now_ms(void);

/* Delivers ev to the scanner's callback with the current chain and depth. */
void vgi_scan_emit(vgi_scan_ctx *c, vg_event *ev);

#endif
