/* The marking detector (include/vigil/markings.h): one pass over at most
 * VG_MARK_MAX_INPUT bytes through one view, each line judged by the rules
 * (markings_rules.c), the total weighed by the scorer (markings_score.c).
 *
 *     vg_markings_check("TOP SECRET//SI//NOFORN\n...", n, 0, &v)
 *         -> v.classified = 1, v.rule = "us-banner", v.view = "text",
 *            v.reason = "banner \"TOP SECRET//SI//NOFORN\" at offset 0 ..."
 *
 * Memory: the rules' fixed state lives on the stack; the transformed views
 * (UTF-16, markup, RTF, PDF) allocate one line buffer of VG_MARK_MAX_LINE
 * bytes plus its offset map, whatever the input size. Plain text needs none. */
#include "markings_int.h"

#include <string.h>

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
        default:
            vgi_mark_view_pdf(p, len, lb);
            break;
        }
        vg_free(lb);
    }
    vgi_mark_verdict_fill(&rules, base_offset, out);
    return VG_OK;
}
