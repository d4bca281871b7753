/* The lint rules for body signatures: may a detection by this rule upload
 * the object it matched?
 *
 *     Win.Trojan.A:1:*:4d5a90000300000004000000ffff          PE, binary bytes  -> trigger
 *     Grab.A:0:*:544f50205345435245542f2f                    "TOP SECRET//"    -> marking-text
 *     Grab.B:0:*:(54|74)(4f|6f)(50|70)2053454352455420       "TOP SECRET " any case
 *     Grab.C:0:*:28005400530029                              "(TS)" in UTF-16LE
 *     Grab.D:2:*:41414141                                    target 2 (OLE2)   -> document-target
 *     Grab.E:0:0:504b0304{26}5b436f6e74656e745f54797065735d  zip + "[Content_Types]" ->
 * document-magic Grab.F:0:*:d0cf11e0a1b11ae1                            OLE2 header       ->
 * document-magic
 *
 * Text is read from the signature's fixed bytes: each BYTES element
 * contributes its fully fixed printable bytes (NUL bytes are dropped, which
 * reads UTF-16 as ASCII; CR/LF become line ends); a group of one-byte
 * alternatives that are the cases of one letter, (54|74), reads as that
 * letter; a short fixed gap {1}..{3} reads as a space (it could be one);
 * anything else (wildcards, other gaps, groups) ends a run of text, and the
 * alternatives of a group are read as runs of their own. The runs go to the
 * marking patterns below and, as lines, to the marking detector
 * (vigil/markings.h). Every guess errs towards refusing: a refused rule
 * still detects, it only cannot send anything. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <vigil/markings.h>

#include "../core/mem.h"
#include "lint_int.h"

/* ClamAV target types whose objects are documents (sigtool's list: 2 OLE2,
 * 3 HTML, 4 mail, 5 graphics, 7 ASCII text, 10 PDF). */
static const char *document_target(unsigned t)
{
    switch (t) {
    case 2:
        return "OLE2, Office documents";
    case 3:
        return "HTML";
    case 4:
        return "mail";
    case 5:
        return "graphics";
    case 7:
        return "text";
    case 10:
        return "PDF";
    default:
        return NULL;
    }
}

/* Marking patterns, matched against the upper-cased text with white space
 * collapsed. */
static const char *const marking_patterns[] = {
    "TOP SECRET",
    "SECRET//",
    "CONFIDENTIAL//",
    "RESTRICTED//",
    "//NOFORN",
    "NOFORN//",
    "//ORCON",
    "//REL TO",
    "//SI//",
    "//TK//",
    "//HCS",
    "//SCI",
    "(TS//",
    "(TS)",
    "(S//",
    "(C//",
    "(S//NF)",
    "CLASSIFIED BY",
    "DERIVED FROM:",
    "DECLASSIFY ON",
    "NATO SECRET",
    "COSMIC TOP SECRET",
    "NATO CONFIDENTIAL",
    "NATO RESTRICTED",
    "UK SECRET",
    "UK TOP SECRET",
    "UK CONFIDENTIAL",
    "UK EYES ONLY",
    "OFFICIAL-SENSITIVE",
    "OFFICIAL SENSITIVE",
};

/* Whole words that are markings when written in capitals, case-sensitive
 * (lower case "secret" is ordinary prose and program text). */
static const char *const marking_words[] = {"SECRET", "CONFIDENTIAL", "NOFORN"};

/* Office Open XML and OpenDocument part names and media types (upper case). */
static const char *const document_parts[] = {
    "[CONTENT_TYPES]",
    "WORD/DOCUMENT",
    "WORD/VBAPROJECT",
    "WORD/_RELS",
    "XL/WORKBOOK",
    "XL/WORKSHEETS",
    "XL/VBAPROJECT",
    "PPT/PRESENTATION",
    "PPT/SLIDES",
    "DOCPROPS/",
    "APPLICATION/VND.OASIS.OPENDOCUMENT",
    "APPLICATION/VND.OPENXMLFORMATS",
    "APPLICATION/MSWORD",
    "MSO-APPLICATION",
};

typedef struct magic {
    const char *bytes;
    size_t len;
    int nocase;
    const char *what;
} magic;

static const magic document_magics[] = {
    {"\xd0\xcf\x11\xe0", 4, 0, "OLE2 compound file (D0CF11E0)"},
    {"%PDF", 4, 0, "PDF (%PDF)"},
    {"{\\rt", 4, 0, "RTF ({\\rtf)"},
    {"<html", 5, 1, "HTML (<html)"},
    {"<!doctype html", 14, 1, "HTML (<!DOCTYPE html)"},
    {"%!PS", 4, 0, "PostScript (%!PS)"},
};

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void put(text *t, char c)
{
    if (c == '\n' && (t->n == 0 || t->s[t->n - 1] == '\n'))
        return;
    if (t->n + 1 < t->cap)
        t->s[t->n++] = c;
}

static int printable(uint8_t c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\t';
}

static void put_bytes(text *t, const vgi_body_sig *sig, uint32_t off, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        uint8_t v = sig->val[off + i], m = sig->mask[off + i];
        if (m != 0xff)
            put(t, '\n');
        else if (v == 0)
            continue;
        else if (printable(v))
            put(t, (char)v);
        else
            put(t, '\n');
    }
}

/* (54|74): the cases of one letter, as that letter; else 0. */
static char case_group(const vgi_body_sig *sig, const vgi_el *e)
{
    if (e->neg || e->min != 1 || e->max != 1)
        return 0;
    char letter = 0;
    for (uint32_t k = 0; k < e->len; k++) {
        const vgi_alt *a = &sig->alts[e->off + k];
        uint8_t v = sig->val[a->off];
        if (sig->mask[a->off] != 0xff || !isalpha(v))
            return 0;
        char up = (char)toupper(v);
        if (letter != 0 && up != letter)
            return 0;
        letter = up;
    }
    return letter;
}

static void extract_text(const vgi_body_sig *sig, text *t)
{
    for (uint32_t i = 0; i < sig->n_el; i++) {
        const vgi_el *e = &sig->el[i];
        char c;
        switch (e->kind) {
        case VGI_EL_BYTES:
            put_bytes(t, sig, e->off, e->len);
            break;
        case VGI_EL_ALT:
            if ((c = case_group(sig, e)) != 0) {
                put(t, c);
                break;
            }
            put(t, '\n');
            if (!e->neg)
                for (uint32_t k = 0; k < e->len; k++) {
                    put_bytes(t, sig, sig->alts[e->off + k].off, sig->alts[e->off + k].len);
                    put(t, '\n');
                }
            break;
        case VGI_EL_GAP:
            put(t, e->min == e->max && e->max >= 1 && e->max <= 3 ? ' ' : '\n');
            break;
        default:
            break; /* boundaries are zero width */
        }
    }
}

/* Upper case, runs of blanks as one space. */
static void fold(const text *t, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        char c = t->s[i];
        if (c == ' ' || c == '\t') {
            if (k > 0 && out[k - 1] == ' ')
                continue;
            c = ' ';
        }
        out[k++] = (char)toupper((unsigned char)c);
    }
    out[k] = '\0';
}

static int is_word(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static const char *find_word(const char *hay, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = hay; (p = strstr(p, w)) != NULL; p++)
        if ((p == hay || !is_word(p[-1])) && !is_word(p[n]))
            return p;
    return NULL;
}

/* Does the signature's first element begin with m? Wildcard nibbles count
 * as matching, but the first byte must be fixed. */
static int starts_with(const vgi_body_sig *sig, const magic *m)
{
    if (sig->n_el == 0)
        return 0;
    const vgi_el *e = &sig->el[0];
    uint32_t offs[VGI_SIG_MAX_ALTS], lens[VGI_SIG_MAX_ALTS], n = 0;
    if (e->kind == VGI_EL_BYTES) {
        offs[0] = e->off;
        lens[0] = e->len;
        n = 1;
    } else if (e->kind == VGI_EL_ALT && !e->neg) {
        for (uint32_t k = 0; k < e->len && k < VGI_SIG_MAX_ALTS; k++) {
            offs[n] = sig->alts[e->off + k].off;
            lens[n++] = sig->alts[e->off + k].len;
        }
    }
    for (uint32_t a = 0; a < n; a++) {
        const uint8_t *v = sig->val + offs[a], *mk = sig->mask + offs[a];
        size_t len = m->len;
        if (lens[a] < len || mk[0] != 0xff)
            continue;
        size_t i = 0;
        for (; i < len; i++) {
            uint8_t want = (uint8_t)m->bytes[i], got = v[i];
            if (m->nocase) {
                want = (uint8_t)tolower(want);
                got = (uint8_t)tolower(got);
            }
            if ((want & mk[i]) != (got & mk[i]))
                break;
        }
        if (i == len)
            return 1;
    }
    return 0;
}

/* why = prefix + quoted + suffix: fixed texts around one found string. */
static vg_error refuse(vg_lint_item *it, const char *rule, const char *prefix, const char *found,
                       const char *suffix)
{
    it->trigger = 0;
    it->refused = 1;
    it->rule = rule;
    snprintf(it->why, sizeof it->why, "%s%s%s", prefix, found, suffix);
    return VG_OK;
}

/* Shows a found string without control characters (it came from the rule). */
static const char *shown(const char *p, size_t n, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        buf[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '.';
    buf[k] = '\0';
    return buf;
}

static vg_error judge_text(const text *t, char *up, vg_lint_item *it, int zip)
{
    char b[96];
    fold(t, up);
    for (size_t i = 0; i < sizeof document_parts / sizeof *document_parts; i++)
        if (strstr(up, document_parts[i]) != NULL)
            return refuse(it, zip ? "document-magic" : "document-part",
                          zip ? "a zip header with the OOXML/ODF part name \""
                              : "names the OOXML/ODF part \"",
                          document_parts[i], "\": matches Office/OpenDocument files");
    for (size_t i = 0; i < sizeof marking_patterns / sizeof *marking_patterns; i++)
        if (strstr(up, marking_patterns[i]) != NULL)
            return refuse(it, "marking-text", "its text contains the classification marking \"",
                          marking_patterns[i], "\"");
    /* The capitals-only words are matched against the text as written. */
    char *orig = vg_malloc(t->n + 1);
    if (orig == NULL)
        return VG_ERR_NOMEM;
    memcpy(orig, t->s, t->n);
    orig[t->n] = '\0';
    const char *hit = NULL;
    for (size_t i = 0; hit == NULL && i < sizeof marking_words / sizeof *marking_words; i++)
        if (find_word(orig, marking_words[i]) != NULL)
            hit = marking_words[i];
    vg_mark_verdict v;
    int classified =
        hit == NULL && t->n > 0 && vg_markings_check(orig, t->n, 0, &v) == VG_OK && v.classified;
    vg_free(orig);
    if (hit != NULL)
        return refuse(it, "marking-text", "its text contains the classification word \"", hit,
                      "\"");
    if (classified) {
        const char *ev = v.n > 0 ? shown(v.ev[0].text, strlen(v.ev[0].text), b, sizeof b) : "";
        return refuse(it, "marking-text", "the marking detector reads its text as classified: \"",
                      ev, "\"");
    }
    return VG_OK;
}

vg_error vgi_lint_body(const vgi_body_sig *sig, unsigned target, vg_lint_item *it)
{
    const char *doc = document_target(target);
    it->trigger = 1;
    if (doc != NULL) {
        it->trigger = 0;
        it->refused = 1;
        it->rule = "document-target";
        snprintf(it->why, sizeof it->why, "target type %u (%s) is a document format", target, doc);
        return VG_OK;
    }
    for (size_t i = 0; i < sizeof document_magics / sizeof *document_magics; i++)
        if (starts_with(sig, &document_magics[i]))
            return refuse(it, "document-magic", "begins with the magic of ",
                          document_magics[i].what, "");
    static const magic zip = {"PK\x03\x04", 4, 0, "zip"};
    int is_zip = starts_with(sig, &zip);

    /* Text: at most one byte per signature byte, plus a separator per element. */
    size_t cap = (size_t)sig->n_bytes + 2u * sig->n_el + 2u * sig->n_alts + 2;
    text t = {vg_malloc(cap), 0, cap};
    char *up = vg_malloc(cap);
    vg_error err = VG_ERR_NOMEM;
    if (t.s != NULL && up != NULL) {
        extract_text(sig, &t);
        err = judge_text(&t, up, it, is_zip);
    }
    vg_free(t.s);
    vg_free(up);
    return err;
}
