/* The engine's insides, shared by engine.c and the scanner. */
#ifndef VGI_SCAN_ENGINE_INT_H
#define VGI_SCAN_ENGINE_INT_H

#include <stdatomic.h>
#include <vigil/engine.h>

#include "../match/hs_db.h"
#include "../match/match.h"
#include "../sig/sig.h"

struct vg_engine {
    atomic_int refs;
    vg_limits limits;
    vgi_sigdb *db;
    int compiled;
    /* after compile */
    vgi_hash_set *hashes; /* detections */
    vgi_hash_set *allows; /* .fp/.sfp */
    vgi_hs_db *hs;
    vgi_body_sig **bodies; /* in use (ignored ones dropped); owned by db */
    const char **body_names;
    size_t n_bodies;
    vg_engine_stats stats;
};

#endif
