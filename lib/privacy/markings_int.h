/* Internals of the marking detector (markings.h), shared by its files:
 *
 *   markings.c         the entry point: picks a view, runs it, writes the verdict
 *   markings_view.c    view choice, plain text and UTF-16 line splitting, the line buffer
 *   markings_markup.c  HTML / XML (OOXML, ODF) view
 *   markings_rtf.c     RTF view
 *   markings_pdf.c     PDF content-stream view
 *   markings_binary.c  binary view: printable 8-bit and UTF-16LE runs (.doc, .xls, .ppt)
 *   markings_rules.c   what one line is (banner, portion mark, authority line)
 *   markings_banner.c  the banner grammar (levels, control markings, caveats)
 *   markings_score.c   what the lines add up to: score, rule, evidence, reason
 *
 * Every view turns the buffer into lines and hands each to vgi_mark_rules_line().
 * A line carries, for each of its bytes, where it came from in the buffer
 * (beg/end), so evidence points at the original bytes even through entities,
 * UTF-16 or RTF escapes. Plain text needs no copy: its lines are the buffer. */
#ifndef VGI_PRIVACY_MARKINGS_INT_H
#define VGI_PRIVACY_MARKINGS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <vigil/markings.h>

#include "../core/mem.h"

/* One line as a view produced it. beg/end NULL: the line is the buffer's
 * bytes off..off+n (plain text); else byte i came from buffer[beg[i]..end[i]). */
typedef struct vgi_mark_line {
    const char *s;
    size_t n;
    int cut; /* the line was longer than VG_MARK_MAX_LINE: only its head is here */
    uint32_t off;
    const uint32_t *beg;
    const uint32_t *end;
} vgi_mark_line;

enum { VGI_MARK_FAM_US, VGI_MARK_FAM_NATO, VGI_MARK_FAM_UK };
enum {
    VGI_MARK_AUTH_CLBY,
    VGI_MARK_AUTH_DRV,
    VGI_MARK_AUTH_DECL,
    VGI_MARK_AUTH_REASON,
    VGI_MARK_AUTH_KINDS
};

#define VGI_MARK_BANNERS   8 /* distinct banner texts remembered */
#define VGI_MARK_PORTIONS  8 /* portion marks kept as evidence */
#define VGI_MARK_AUTHS     6 /* authority lines kept as evidence */
#define VGI_MARK_BLOCK_GAP 8 /* authority lines this many non-blank lines apart form a block */

typedef struct vgi_mark_item {
    uint32_t off; /* in the buffer (base_offset not yet added) */
    uint32_t len;
    char text[80];
} vgi_mark_item;

typedef struct vgi_mark_banner {
    vgi_mark_item first;
    vgi_mark_item last;
    unsigned count;
    int family;
    int strong; /* carries control markings / caveats: enough alone */
} vgi_mark_banner;

typedef struct vgi_mark_portion {
    vgi_mark_item it;
    int level; /* 1 classified (TS, S, C, NATO), 0 unclassified (U) */
    int ctrl;  /* has "//" or "/" control markings */
} vgi_mark_portion;

/* Everything the rules remember: fixed size, whatever the input. */
typedef struct vgi_mark_rules {
    unsigned line_no; /* non-blank lines seen */
    int top_banner;   /* banner index of the first non-blank line, -1 */
    int last_banner;  /* banner index of the last non-blank line so far, -1 */
    int first_seen;

    vgi_mark_banner banner[VGI_MARK_BANNERS];
    unsigned nbanner;

    vgi_mark_portion portion[VGI_MARK_PORTIONS];
    unsigned nportion_kept;
    unsigned n_cls_ctrl; /* (S//NF), (TS//SI//NF) ... */
    unsigned n_cls_bare; /* (S), (C), (TS) */
    unsigned n_unc_ctrl; /* (U//FOUO) */
    unsigned n_unc_bare; /* (U) */
    unsigned n_list;     /* line-initial (A), (B), (D)...: a lettered list */
    uint32_t list_off;

    vgi_mark_item auth[VGI_MARK_AUTHS];
    int auth_kind[VGI_MARK_AUTHS];
    unsigned nauth_kept;
    long auth_last_line[VGI_MARK_AUTH_KINDS];
    uint32_t auth_last_off[VGI_MARK_AUTH_KINDS];
    unsigned auth_mask; /* label kinds seen */
    int auth_block;     /* two different labels within VGI_MARK_BLOCK_GAP lines */
    uint32_t auth_block_off;

    /* Only strong evidence counts (an executable read through the binary
     * view): every string of a program is a "line" there, so lone level
     * words, "(S) ..." strings and single authority labels prove nothing;
     * a banner with controls, portion marks with controls and an authority
     * block still do. */
    int strong_only;
} vgi_mark_rules;

/* A banner line's family and strength (markings_banner.c). */
typedef struct vgi_mark_banner_hit {
    int family;
    int strong; /* carries control markings or caveats: enough alone */
} vgi_mark_banner_hit;

/* Is the normalised text t[0..m) (single spaces, none around '/') a whole
 * banner? 1 and *h filled if so. */
int vgi_mark_banner_parse(const char *t, size_t m, vgi_mark_banner_hit *h);

void vgi_mark_rules_init(vgi_mark_rules *r);
void vgi_mark_rules_line(vgi_mark_rules *r, const vgi_mark_line *ln);
void vgi_mark_verdict_fill(const vgi_mark_rules *r, uint64_t base, vg_mark_verdict *out);

/* The line buffer of the transformed views: bytes plus where each came from. */
typedef struct vgi_mark_lb {
    char s[VG_MARK_MAX_LINE];
    uint32_t beg[VG_MARK_MAX_LINE];
    uint32_t end[VG_MARK_MAX_LINE];
    size_t n;
    int cut;
    vgi_mark_rules *rules;
} vgi_mark_lb;

void vgi_mark_lb_byte(vgi_mark_lb *lb, unsigned char c, size_t b, size_t e);
/* Appends code point cp as UTF-8 (NBSP and other spaces as ' ', controls dropped). */
void vgi_mark_lb_cp(vgi_mark_lb *lb, uint32_t cp, size_t b, size_t e);
/* Ends the line (an empty one is still a line boundary, and is skipped). */
void vgi_mark_lb_flush(vgi_mark_lb *lb);

typedef enum vgi_mark_view {
    VGI_VIEW_TEXT,
    VGI_VIEW_UTF16LE,
    VGI_VIEW_UTF16BE,
    VGI_VIEW_MARKUP,
    VGI_VIEW_RTF,
    VGI_VIEW_PDF,
    VGI_VIEW_BINARY
} vgi_mark_view;

vgi_mark_view vgi_mark_view_pick(const uint8_t *p, size_t n);
const char *vgi_mark_view_name(vgi_mark_view v);

void vgi_mark_view_text(const uint8_t *p, size_t n, vgi_mark_rules *r);
void vgi_mark_view_utf16(const uint8_t *p, size_t n, int big_endian, vgi_mark_lb *lb);
void vgi_mark_view_markup(const uint8_t *p, size_t n, vgi_mark_lb *lb);
void vgi_mark_view_rtf(const uint8_t *p, size_t n, vgi_mark_lb *lb);
void vgi_mark_view_pdf(const uint8_t *p, size_t n, vgi_mark_lb *lb);
void vgi_mark_view_binary(const uint8_t *p, size_t n, vgi_mark_lb *lb);

#endif
