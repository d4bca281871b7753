/* The signature database as loaded, before compilation, and the body
 * signature IR shared by the parsers (lib/sig) and the matcher (lib/match).
 *
 * A body signature is a list of elements. The ClamAV hex
 *
 *     4d5a??90{2-4}(6869|6c6c)*5045(B)
 *
 * becomes
 *
 *     BYTES  4d 5a ?? 90      (val/mask pairs; ?? is mask 00, a? is f0, ?a is 0f)
 *     GAP    2..4
 *     ALT    { 68 69 | 6c 6c }
 *     GAP    0..INF           ('*')
 *     BYTES  50 45
 *     BOUND  'B'              (zero width)
 *
 * Elements never nest. `[x-y]` anchors are GAPs; `{n}` is GAP n..n.
 * All arrays of one signature live in its single allocation. */
#ifndef VGI_SIG_SIG_H
#define VGI_SIG_SIG_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/diag.h>
#include "../core/hash.h"

#define VGI_SIZE_ANY UINT64_MAX
#define VGI_GAP_INF  UINT32_MAX

/* Bounds on what a signature may ask for: hostile or broken databases must
 * not make the loader or the verifier allocate or loop without bound. */
#define VGI_SIG_MAX_HEX      65536 /* hex characters in one signature */
#define VGI_SIG_MAX_ELEMENTS 1024  /* elements in one body signature */
#define VGI_SIG_MAX_ALTS     256   /* alternatives in one (..|..) group */
#define VGI_SIG_MAX_GAP      0x7fffffffu
#define VGI_SIG_MAX_NAME     256 /* bytes in a signature name */
#define VGI_SIG_MAX_LINE     (VGI_SIG_MAX_HEX + 1024)

typedef enum vgi_el_kind {
    VGI_EL_BYTES = 1, /* len masked bytes at val/mask[off..off+len) */
    VGI_EL_ALT = 2,   /* one of len alternatives at alts[off..off+len) */
    VGI_EL_GAP = 3,   /* min..max arbitrary bytes; max == VGI_GAP_INF for '*' */
    VGI_EL_BOUND = 4, /* 'B' word, 'L' line boundary: zero width at the signature's
                       * edges; in the middle ClamAV consumes one boundary byte
                       * (or LF/CRLF for 'L') */
} vgi_el_kind;

typedef struct vgi_el {
    uint8_t kind;  /* vgi_el_kind */
    uint8_t neg;   /* ALT: !(..): one position matching none of the alternatives */
    uint8_t bound; /* BOUND: 'B' or 'L' */
    uint8_t pad;
    uint32_t len; /* BYTES: byte count; ALT: alternative count */
    uint32_t off; /* BYTES: index into val/mask; ALT: index into alts */
    uint32_t min; /* GAP: min bytes; ALT: shortest alternative */
    uint32_t max; /* GAP: max bytes or VGI_GAP_INF; ALT: longest alternative */
} vgi_el;

typedef struct vgi_alt {
    uint32_t off; /* into val/mask */
    uint32_t len;
} vgi_alt;

typedef enum vgi_off_kind {
    VGI_OFF_ANY = 0, /* '*' */
    VGI_OFF_ABS = 1, /* n or n,m: match starts in [off, off + range] */
    VGI_OFF_EOF = 2, /* EOF-n or EOF-n,m: starts in [size - off, size - off + range] */
} vgi_off_kind;

typedef struct vgi_body_sig {
    uint32_t name;   /* offset into the database's name pool */
    uint16_t target; /* ClamAV target type, 0 = any */
    uint8_t off_kind;
    uint8_t pad;
    uint64_t off;
    uint64_t off_range;
    uint32_t min_len; /* shortest possible match */
    uint32_t n_el, n_bytes, n_alts;
    vgi_el *el;
    uint8_t *val, *mask;
    vgi_alt *alts;
} vgi_body_sig;

/* Parses one ClamAV hex signature (the 4th field of an .ndb line) into a
 * newly allocated signature (free with vg_free). On error, diag->col is the
 * 1-based column in hex, and *out is NULL. The name/target/offset fields are
 * left zero for the caller. */
vg_error vgi_hex_parse(const char *hex, size_t len, vgi_body_sig **out, vg_diag *diag);

/* ---- the database being loaded ---- */

typedef struct vgi_hash_entry {
    uint8_t digest[VGI_HASH_MAX];
    uint64_t size; /* or VGI_SIZE_ANY */
    uint32_t name; /* name pool offset */
} vgi_hash_entry;

typedef struct vgi_sigdb vgi_sigdb;

vg_error vgi_sigdb_new(vgi_sigdb **out);
void vgi_sigdb_free(vgi_sigdb *db);

/* Transactions: a failed load rolls back to the mark taken before it. */
typedef struct vgi_sigdb_mark {
    size_t names, hashes[VGI_HASH_KINDS], allows[VGI_HASH_KINDS], bodies, ignores, skipped;
} vgi_sigdb_mark;
void vgi_sigdb_mark_take(const vgi_sigdb *db, vgi_sigdb_mark *m);
void vgi_sigdb_rollback(vgi_sigdb *db, const vgi_sigdb_mark *m);

/* Makes room for `hashes` more entries of kind (allow or not) and
 * `name_bytes` more pool bytes, so a million-line file grows its arrays once. */
vg_error vgi_sigdb_reserve(vgi_sigdb *db, vgi_hash_kind kind, int allow, size_t hashes,
                           size_t name_bytes);
/* Copies name[0..len) into the pool and returns its offset in *off. */
vg_error vgi_sigdb_add_name(vgi_sigdb *db, const char *name, size_t len, uint32_t *off);
const char *vgi_sigdb_name(const vgi_sigdb *db, uint32_t off);
/* The whole name pool (NUL-separated names) and its length. */
const char *vgi_sigdb_pool(const vgi_sigdb *db, size_t *len);

/* allow: 1 for .fp/.sfp allow-list entries (name is informational). */
vg_error vgi_sigdb_add_hash(vgi_sigdb *db, vgi_hash_kind kind, const uint8_t *digest, uint64_t size,
                            const char *name, size_t name_len, int allow);
/* Takes sig (also on failure). sig->name must already be a pool offset. */
vg_error vgi_sigdb_add_body(vgi_sigdb *db, vgi_body_sig *sig);
vg_error vgi_sigdb_add_ignore(vgi_sigdb *db, const char *name, size_t len);
/* Records a well-formed signature this engine cannot use yet (an EP or
 * section offset before executables are parsed): it is skipped, counted,
 * and the first reason is kept for the loader's warning. */
void vgi_sigdb_note_skipped(vgi_sigdb *db, const char *src, unsigned line, const char *why);
size_t vgi_sigdb_skipped_count(const vgi_sigdb *db);
const char *vgi_sigdb_skipped_first(const vgi_sigdb *db); /* "file:line: why" or NULL */

/* Accessors for the compiler (lib/match, lib/scan). Arrays are owned by db. */
size_t vgi_sigdb_hash_count(const vgi_sigdb *db, vgi_hash_kind kind, int allow);
vgi_hash_entry *vgi_sigdb_hashes(vgi_sigdb *db, vgi_hash_kind kind, int allow);
/* Frees the hash arrays once the compiler has copied them (names stay). */
void vgi_sigdb_drop_hashes(vgi_sigdb *db);
size_t vgi_sigdb_body_count(const vgi_sigdb *db);
vgi_body_sig **vgi_sigdb_bodies(vgi_sigdb *db);
/* 1 when name was listed in an .ign2 file. */
int vgi_sigdb_is_ignored(const vgi_sigdb *db, const char *name);
size_t vgi_sigdb_ignore_count(const vgi_sigdb *db);

/* ---- signature file formats (sig_list.h) ---- */

/* Parses a whole file held in buf[0..len) into db. src names the file in
 * diagnostics. A malformed line stops the parse with VG_ERR_MALFORMED and
 * diag set to src:line:col; the caller rolls back. */
typedef vg_error (*vgi_sigfmt_parse_fn)(vgi_sigdb *db, const char *src, const char *buf, size_t len,
                                        vg_diag *diag);

typedef struct vgi_sigfmt {
    const char *name; /* "hdb" */
    const char *ext;  /* ".hdb" */
    vgi_sigfmt_parse_fn parse;
} vgi_sigfmt;

/* The format for a file name by its extension, or NULL. */
const vgi_sigfmt *vgi_sigfmt_for_name(const char *filename);

#endif
