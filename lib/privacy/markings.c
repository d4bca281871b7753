/* The marking detector (include/vigil/markings.h): one pass over at most
 * VG_MARK_MAX_INPUT bytes through one view, each line judged by the rules
 * (markings_rules.c), the total weighed by the scorer (markings_score.c).
 *
 *     vg_markings_check("TOP SECRET//SI//NOFORN\n...", n, 0, &v)
 *         -> v.classified = 1, v.rule = "us-banner", v.view = "text",
 *            v.reason = "banner \"TOP SECRET//SI//NOFORN\" at offset 0 ..."
 *
 * Memory: the rules' fixed state lives on the stack; the transformed views
 * (UTF-16, markup, RTF, PDF, binary) allocate one line buffer of VG_MARK_MAX_LINE
 * bytes plus its offset map, whatever the input size. Plain text needs none. */
#include "markings_int.h"

#include <string.h>

/* An executable (PE, ELF, Mach-O, fat Mach-O / Java class): in the binary
 * view its strings are any program's strings, so only strong evidence
 * counts there (markings_score.c). Documents (OLE2 streams, ...) keep every
 * rule: a Word memo stamped "SECRET" at top and bottom is still found. */
static int is_program(const uint8_t *p, size_t len)
{
    static const uint8_t macho[][4] = {{0xFE, 0xED, 0xFA, 0xCE},
                                       {0xFE, 0xED, 0xFA, 0xCF},
                                       {0xCE, 0xFA, 0xED, 0xFE},
                                       {0xCF, 0xFA, 0xED, 0xFE},
                                       {0xCA, 0xFE, 0xBA, 0xBE}};
    if (len >= 2 && p[0] == 'M' && p[1] == 'Z')
        return 1;
    if (len >= 4 && memcmp(p,
                           "\x7f"
                           "ELF",
                           4) == 0)
        return 1;
    for (size_t k = 0; len >= 4 && k < sizeof macho / sizeof macho[0]; k++)
        if (memcmp(p, macho[k], 4) == 0)
            return 1;
    return 0;
}

vg_error vg_markings_check(const void *buf, size_t len, uint64_t base_offset, vg_mark_verdict *out)
{
    if (out == NULL)
        return VG_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->view = "text";
    if (buf == NULL && len > 0)
        return VG_ERR_INVALID_ARG;
    if (len > VG_MARK_MAX_INPUT)
        len = VG_MARK_MAX_INPUT;
    const uint8_t *p = buf;

    vgi_mark_rules rules;
    vgi_mark_rules_init(&rules);
    vgi_mark_view view = len > 0 ? vgi_mark_view_pick(p, len) : VGI_VIEW_TEXT;
    out->view = vgi_mark_view_name(view);
    rules.strong_only = view == VGI_VIEW_BINARY && is_program(p, len);
    if (view == VGI_VIEW_TEXT) {
        vgi_mark_view_text(p, len, &rules);
    } else {
        vgi_mark_lb *lb = vg_malloc(sizeof *lb);
        if (lb == NULL)
            return VG_ERR_NOMEM;
        lb->n = 0;
        lb->cut = 0;
        lb->rules = &rules;
        switch (view) {
        case VGI_VIEW_UTF16LE:
        case VGI_VIEW_UTF16BE:
            vgi_mark_view_utf16(p, len, view == VGI_VIEW_UTF16BE, lb);
            break;
        case VGI_VIEW_MARKUP:
            vgi_mark_view_markup(p, len, lb);
            break;
        case VGI_VIEW_RTF:
            vgi_mark_view_rtf(p, len, lb);
            break;
        case VGI_VIEW_BINARY:
            vgi_mark_view_binary(p, len, lb);
            break;
        default:
            vgi_mark_view_pdf(p, len, lb);
            break;
        }
        vg_free(lb);
    }
    vgi_mark_verdict_fill(&rules, base_offset, out);
    return VG_OK;
}
