/* THROWAWAY stand-in for the marking detector (markings.h), so the scanner
 * integration and `vigil markings` can be built and tested before the real
 * detector (lib/privacy/markings*.c, written elsewhere) is merged. The lead
 * deletes this file at merge.
 *
 * Crude on purpose: the bytes are cut into lines, where NUL bytes (UTF-16)
 * are dropped and markup tags, RTF groups and control words, and PDF string
 * delimiters end a line; a line is classified when, trimmed, it starts with
 * "TOP SECRET//" or "SECRET//" or is exactly "COSMIC TOP SECRET". */
#include <stdio.h>
#include <string.h>
#include <vigil/markings.h>

#include "../core/mem.h"

static int is_space(uint8_t ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v';
}

/* Returns 1 when line[0..n) is a banner; fills the evidence then. */
static int judge_line(const char *line, size_t n, uint64_t at, vg_mark_verdict *out)
{
    size_t i = 0;
    while (i < n && (is_space((uint8_t)line[i]) || line[i] == '('))
        i++;
    while (n > i && is_space((uint8_t)line[n - 1]))
        n--;
    const char *p = line + i;
    size_t len = n - i;
    int hit = (len >= 12 && memcmp(p, "TOP SECRET//", 12) == 0) ||
              (len >= 8 && memcmp(p, "SECRET//", 8) == 0) ||
              (len == 17 && memcmp(p, "COSMIC TOP SECRET", 17) == 0);
    if (!hit)
        return 0;
    vg_mark_evidence *ev = &out->ev[0];
    ev->kind = "banner";
    ev->offset = at;
    ev->length = (uint32_t)len;
    size_t k = len < sizeof ev->text - 1 ? len : sizeof ev->text - 1;
    memcpy(ev->text, p, k);
    ev->text[k] = '\0';
    out->n = 1;
    out->classified = 1;
    out->rule = "us-banner";
    out->view = "text";
    out->score = 100;
    return 1;
}

vg_error vg_markings_check(const void *buf, size_t len, uint64_t base_offset, vg_mark_verdict *out)
{
    if (out == NULL || (buf == NULL && len > 0))
        return VG_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (len > VG_MARK_MAX_INPUT)
        len = VG_MARK_MAX_INPUT;
    char *line = vg_malloc(VG_MARK_MAX_LINE);
    if (line == NULL)
        return VG_ERR_NOMEM;
    const uint8_t *p = buf;
    size_t n = 0;
    uint64_t start = 0;
    int in_tag = 0;
    for (size_t i = 0; i <= len && !out->classified; i++) {
        int end = i == len;
        uint8_t ch = end ? '\n' : p[i];
        if (ch == 0)
            continue;
        if (in_tag) {
            if (ch == '>')
                in_tag = 0;
            continue;
        }
        if (ch == '\\' && i + 1 < len && p[i + 1] >= 'a' && p[i + 1] <= 'z') {
            /* an RTF control word: it ends the line */
            while (i + 1 < len && ((p[i + 1] >= 'a' && p[i + 1] <= 'z') ||
                                   (p[i + 1] >= '0' && p[i + 1] <= '9') || p[i + 1] == '-'))
                i++;
            if (i + 1 < len && p[i + 1] == ' ')
                i++;
            ch = '\n';
        }
        int brk = ch == '\n' || ch == '<' || ch == '{' || ch == '}' || ch == ')';
        if (ch == '<')
            in_tag = 1;
        if (brk || n == VG_MARK_MAX_LINE) {
            judge_line(line, n, base_offset + start, out);
            n = 0;
            start = i + 1;
            if (brk)
                continue;
        }
        line[n++] = (char)ch;
    }
    vg_free(line);
    if (out->classified)
        snprintf(out->reason, sizeof out->reason, "banner \"%s\" at offset %llu", out->ev[0].text,
                 (unsigned long long)out->ev[0].offset);
    return VG_OK;
}
