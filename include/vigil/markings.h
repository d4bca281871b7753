/* The marking detector: does this object carry government classification
 * markings?
 *
 *     vg_mark_verdict v;
 *     vg_markings_check(buf, len, 0, &v);
 *     if (v.classified)
 *         printf("CLASSIFIED (%s: %s)\n", v.rule, v.reason);
 *
 * It recognises US banner lines ("TOP SECRET//SI//NOFORN"), portion marks
 * ("(TS//SI//NF)", "(S)"), classification authority blocks ("Classified By:",
 * "Derived From:", "Declassify On:"), NATO ("NATO SECRET", "COSMIC TOP
 * SECRET") and UK ("UK SECRET") markings. It weighs structure, not words: a
 * line that is only a marking, markings at top and bottom, portion marks at
 * the start of paragraphs, an authority block. Prose about secrets ("the top
 * secret recipe", "company confidential" footers, news about classified
 * files) is not classified.
 *
 * One object is read through one "view", chosen from its bytes: plain text
 * (ASCII/UTF-8/Latin-1), UTF-16 (LE/BE, with or without BOM), markup
 * (HTML/XML: tags dropped, entities decoded, block tags end lines), RTF
 * (control words dropped, \par ends lines, \'hh decoded) or a PDF content
 * stream (the strings of Tj/TJ/'/" operators, Td/T* end lines), or binary
 * (NULs or control bytes: runs of printable 8-bit or UTF-16LE text are the
 * lines, as in a .doc's WordDocument stream or an .xls's Workbook). Containers
 * (zip, OOXML, ODF, PDF files, mail) are opened by the engine, not here: the
 * scanner runs this detector on every object it reaches when
 * VG_SCAN_MARKINGS is set (see scanner.h), so a docx's word/document.xml or
 * a PDF's content stream is judged as its own object.
 *
 * Bounds: the detector is linear in its input, allocates at most
 * O(VG_MARK_MAX_LINE) beyond a fixed state, and reads at most
 * VG_MARK_MAX_INPUT bytes of one buffer (the scanner feeds larger objects as
 * a head and a tail window). Evidence offsets are byte offsets into the
 * buffer given, plus base_offset. */
#ifndef VIGIL_MARKINGS_H
#define VIGIL_MARKINGS_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VG_MARK_MAX_EVIDENCE 8
#define VG_MARK_MAX_LINE     4096
#define VG_MARK_MAX_INPUT    (16u << 20)

typedef struct vg_mark_evidence {
    const char *kind; /* static: "banner", "portion", "authority", "nato", "uk" */
    uint64_t offset;  /* byte offset of the marking in the object (base_offset added) */
    uint32_t length;  /* its length in bytes of the object */
    char text[80];    /* the marking as read, normalised (NUL-terminated, cut if longer) */
} vg_mark_evidence;

typedef struct vg_mark_verdict {
    int classified;   /* 1: classification markings found */
    const char *rule; /* static name of the deciding rule, e.g. "us-banner",
                         "us-portion", "us-authority", "nato", "uk"; NULL if none */
    const char *view; /* static: "text", "utf16le", "utf16be", "markup", "rtf", "pdf",
                         "binary" */
    unsigned score;   /* the weight of evidence found (classified when >= 10; the
                         rules' points are in docs/markings.md) */
    unsigned n;       /* entries used in ev[] (the strongest first) */
    vg_mark_evidence ev[VG_MARK_MAX_EVIDENCE];
    char reason[256]; /* one line for a human: which evidence, where; "" when none */
} vg_mark_verdict;

/* Judges buf[0..len). base_offset is added to every evidence offset (the
 * scanner passes a window's position in the object). Reads at most
 * VG_MARK_MAX_INPUT bytes. Returns VG_OK, or VG_ERR_INVALID_ARG for a NULL
 * out (or NULL buf with len > 0). Never allocates more than a line buffer;
 * VG_ERR_NOMEM if even that fails. */
vg_error vg_markings_check(const void *buf, size_t len, uint64_t base_offset, vg_mark_verdict *out);

#ifdef __cplusplus
}
#endif
#endif
