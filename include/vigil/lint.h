/* Signature lint: may a signature TRIGGER an upload?
 *
 * Every signature may detect. Lint decides, per signature, whether a
 * detection by it may also make the client upload the object (DESIGN.md
 * P5): a vendor that can ship any rule could otherwise ship one that
 * matches classified documents and so "detects" them into its servers.
 *
 *     vg_lint_opts o = {0};
 *     vg_lint_mem("daily.ndb", buf, len, &o, on_sig, ud, &diag);
 *
 * calls on_sig once per signature line, in file order, with the verdict.
 * The rules (docs/updates.md, "Lint"):
 *
 *   marking-text      a body signature whose fixed bytes spell text that the
 *                     marking detector or a marking pattern matches
 *                     ("TOP SECRET//", "SECRET//NOFORN", "(TS//", "Classified By:");
 *                     ASCII, UTF-16LE/BE and case-folding groups like (54|74) are read
 *   document-target   an .ndb target type that is a document: 2 OLE2, 3 HTML,
 *                     4 mail, 5 graphics, 7 text, 10 PDF
 *   document-magic    leading bytes of a document format: OLE2 D0CF11E0, %PDF,
 *                     {\rtf, <html / <!doctype html, %!PS, or a zip header
 *                     (PK\3\4) together with an OOXML/ODF part name
 *   document-part     an OOXML/ODF part name anywhere ("[Content_Types].xml",
 *                     "word/document.xml", "application/vnd.oasis.opendocument")
 *   hash-detect-only  .hdb/.hsb hashes cannot be inspected: detect-only unless
 *                     opts.hash_triggers (not a refusal: policy)
 *
 * .fp/.sfp (allow-lists) and .ign/.ign2 (disabled names) are not detections
 * and never trigger. Lint is best effort against a determined rule writer
 * (a rule can spell a marking through nibble wildcards); it is one of two
 * layers, with the client's own marking check before any upload (P3). */
#ifndef VIGIL_LINT_H
#define VIGIL_LINT_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/diag.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_lint_kind {
    VG_LINT_HASH = 1,   /* .hdb .hsb */
    VG_LINT_BODY = 2,   /* .ndb */
    VG_LINT_ALLOW = 3,  /* .fp .sfp */
    VG_LINT_IGNORE = 4, /* .ign .ign2 */
} vg_lint_kind;

typedef struct vg_lint_item {
    const char *source; /* as given to vg_lint_mem */
    unsigned line;      /* 1-based line of the signature */
    const char *name;   /* the signature's name (NUL-terminated) */
    const char *text;   /* the whole line (not NUL-terminated), text_len bytes */
    size_t text_len;
    vg_lint_kind kind;
    int trigger;      /* 1: may trigger an upload */
    int refused;      /* 1: a detection a lint rule refused as a trigger */
    const char *rule; /* static rule id (see above); NULL when trigger or not a detection */
    char why[256];    /* for a human, when rule != NULL */
} vg_lint_item;

/* Nonzero return stops the walk with VG_ERR_ABORTED. */
typedef int (*vg_lint_fn)(const vg_lint_item *item, void *ud);

typedef struct vg_lint_opts {
    int hash_triggers; /* hash signatures may trigger uploads */
} vg_lint_opts;

/* Parses the signature file buf[0..len) (format by source's extension,
 * VG_ERR_UNSUPPORTED for an unknown one) and calls fn for each signature.
 * A malformed line stops with VG_ERR_MALFORMED and diag set to
 * source:line:col. opts may be NULL (defaults). */
vg_error vg_lint_mem(const char *source, const void *buf, size_t len, const vg_lint_opts *opts,
                     vg_lint_fn fn, void *ud, vg_diag *diag);

/* 1 if name has a signature file extension this engine knows. */
int vg_lint_known_format(const char *name);

#ifdef __cplusplus
}
#endif
#endif
