/* The matchers: hash tables, atom choice, Hyperscan database, exact verify.
 *
 * Body signatures are found in two steps. Hyperscan scans for one short
 * pattern per signature, its *atom*: the window of fixed-length content
 * that is least likely to occur in clean files (judged by byte-pair
 * statistics of ordinary files, lib/match/bytefreq.c). Every atom hit is
 * then verified exactly against the whole signature by verify.c, reading
 * the object through its fmap. */
#ifndef VGI_MATCH_MATCH_H
#define VGI_MATCH_MATCH_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/fmap.h>
#include <vigil/limits.h>
#include "../sig/sig.h"

/* ---- hash_set.c: compact sorted tables of hash signatures ---- */

typedef struct vgi_hash_set vgi_hash_set;

/* Builds the tables for the hash entries of db (allow = 0: detections,
 * 1: .fp/.sfp allow-lists), dropping ignored names. Sorts db's arrays. */
vg_error vgi_hash_set_build(vgi_sigdb *db, int allow, vgi_hash_set **out);
void vgi_hash_set_free(vgi_hash_set *set);
size_t vgi_hash_set_count(const vgi_hash_set *set);
/* Bit mask (1u << vgi_hash_kind) of the digests worth computing for an
 * object of this size: only kinds with a signature of that size or '*'. */
unsigned vgi_hash_set_kinds_for_size(const vgi_hash_set *set, uint64_t size);
/* 1 and *name_off set when (digest, size) is in the set; 0 otherwise. */
int vgi_hash_set_lookup(const vgi_hash_set *set, vgi_hash_kind kind, const uint8_t *digest,
                        uint64_t size, uint32_t *name_off);

/* Engine images (lib/scan/engine_image.c): write the tables, or read them
 * back as views into the image (which must outlive the set). Name offsets
 * are checked against names_len. */
struct vgi_blob;
struct vgi_reader;
void vgi_hash_set_write(const vgi_hash_set *set, struct vgi_blob *b);
vg_error vgi_hash_set_read(struct vgi_reader *r, uint64_t names_len, vgi_hash_set **out);

/* ---- atom.c: choosing each signature's rarest window ---- */

typedef struct vgi_atom {
    uint32_t el;   /* element where the window starts (BYTES or ALT) */
    uint32_t byte; /* byte offset inside that element (0 for ALT) */
    uint32_t len;  /* window length in bytes (fixed) */
    double bits;   /* estimated information: -log2 P(window at a position) */
    char *expr;    /* Hyperscan expression (vg_malloc'd), for HS_FLAG_DOTALL */
} vgi_atom;

/* Chooses the window of sig most unlikely in clean data: a run of up to
 * VGI_ATOM_MAX_LEN bytes of BYTES elements and fixed-length ALTs, without
 * gaps; a group whose alternatives differ in length may end a window, cut
 * to its shortest alternative. VG_ERR_UNSUPPORTED when the signature has no
 * fixed content at all. */
#define VGI_ATOM_MAX_LEN 24
vg_error vgi_atom_choose(const vgi_body_sig *sig, vgi_atom *out);
void vgi_atom_cleanup(vgi_atom *atom);

/* -log2 probability of byte b following byte prev in clean files, in 1/16
 * bits (prev < 0: unconditional). From lib/match/bytefreq_table.c. */
unsigned vgi_bytefreq_cost(int prev, uint8_t b);

/* ---- verify.c: exact match of a whole signature at an atom hit ---- */

typedef struct vgi_verifier vgi_verifier;

vg_error vgi_verifier_new(vgi_verifier **out);
void vgi_verifier_free(vgi_verifier *v);
/* Starts a new object: forgets what was learnt about the previous one.
 * max_steps bounds the verification work for this object. */
void vgi_verifier_begin_object(vgi_verifier *v, uint64_t max_steps);

typedef enum vgi_verify_result {
    VGI_VERIFY_NOMATCH = 0,
    VGI_VERIFY_MATCH = 1,
    VGI_VERIFY_BUDGET = 2, /* gave up: the object's step budget is spent */
} vgi_verify_result;

/* Checks whether sig (number sig_id, for per-object memos) matches map with
 * element `el`, byte `byte` of it placed at object offset `pos`, honouring
 * the signature's offset spec (object size = vg_fmap_size(map)). On a match
 * *start is where the match begins. Repeated calls for the same object and
 * signature reuse what earlier calls proved impossible, so hits of a common
 * atom before a '*' never make the work quadratic. */
vgi_verify_result vgi_verify(vgi_verifier *v, const vgi_body_sig *sig, uint32_t sig_id,
                             vg_fmap *map, uint32_t el, uint32_t byte, uint64_t pos,
                             uint64_t *start);

#endif
