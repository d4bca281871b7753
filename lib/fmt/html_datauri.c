/* data: URIs in HTML (see html_datauri.h). */
#include "html_datauri.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { D_SCAN, D_TYPE, D_DATA, D_SKIP };

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Characters of a media type and its parameters (RFC 2045 tokens, '/', ';', '='). */
static int is_type_char(uint8_t c)
{
    return is_alnum(c) || (c && strchr("!#$&'*+-.^_`|~/;=%", c) != NULL);
}

void vgi_html_datauri_init(html_datauri *d)
{
    memset(d, 0, sizeof *d);
}

/* The value of a name= or filename= parameter, made safe as a member name. */
static int type_name(const html_datauri *d, char *out, size_t cap)
{
    const char *t = d->type;
    for (const char *p = t; (p = strchr(p, ';')) != NULL; p++) {
        const char *v = NULL;
        if (strncasecmp(p + 1, "name=", 5) == 0)
            v = p + 6;
        else if (strncasecmp(p + 1, "filename=", 9) == 0)
            v = p + 10;
        if (v == NULL)
            continue;
        size_t k = 0;
        for (; v[0] && v[0] != ';' && k + 1 < cap; v++)
            out[k++] = v[0] > 0x20 && v[0] < 0x7f && v[0] != '/' && v[0] != '\\' ? v[0] : '_';
        out[k] = '\0';
        return k > 0;
    }
    return 0;
}

static void begin_payload(html_ctl *ctl, html_datauri *d)
{
    d->type[d->type_len] = '\0';
    d->count++;
    size_t n = d->type_len;
    d->base64 = n >= 7 && strncasecmp(d->type + n - 7, ";base64", 7) == 0;
    if (!type_name(d, d->name, sizeof d->name))
        snprintf(d->name, sizeof d->name, "data-uri%u", d->count);
    vgi_b64_init(&d->b64, 1);
    d->pct = 0;
    d->state = vgi_html_out_begin(ctl, &d->out) ? D_DATA : D_SKIP;
}

static void end_payload(html_ctl *ctl, html_datauri *d)
{
    if (d->state == D_DATA) {
        if (d->pct >= 1)
            vgi_html_out_putc(ctl, &d->out, '%');
        if (d->pct == 2)
            vgi_html_out_putc(ctl, &d->out, "0123456789abcdef"[d->pct_hi]);
        vgi_html_out_end(ctl, &d->out, d->name);
    }
    d->state = D_SCAN;
    d->match = 0;
}

static int ends_payload(int ctx, uint8_t c)
{
    if (c == '"' || c == '\'' || c == ')')
        return 1;
    /* an attribute value's own end is signalled by fmt_html.c; elsewhere
     * (CSS in text, script) the URI cannot hold these */
    return ctx != HTML_CTX_ATTR && (is_space(c) || c == '<' || c == '>' || c == '\\');
}

static void payload_char(html_ctl *ctl, html_datauri *d, uint8_t c)
{
    if (d->base64) {
        uint8_t o[VGI_B64_OUT(1)];
        size_t n = vgi_b64_decode(&d->b64, &c, 1, o);
        if (n > 0)
            vgi_html_out_put(ctl, &d->out, o, n);
        return;
    }
    if (c == '\n' || c == '\r' || c == '\t')
        return; /* URL parsers drop them */
    int v = hexval(c);
    if (d->pct == 0) {
        if (c == '%')
            d->pct = 1;
        else
            vgi_html_out_putc(ctl, &d->out, c);
    } else if (v < 0) {
        vgi_html_out_putc(ctl, &d->out, '%');
        if (d->pct == 2)
            vgi_html_out_putc(ctl, &d->out, "0123456789abcdef"[d->pct_hi]);
        d->pct = 0;
        payload_char(ctl, d, c);
    } else if (d->pct == 1) {
        d->pct_hi = (uint8_t)v;
        d->pct = 2;
    } else {
        vgi_html_out_putc(ctl, &d->out, (uint8_t)(d->pct_hi << 4 | v));
        d->pct = 0;
    }
}

void vgi_html_datauri_char(html_ctl *ctl, html_datauri *d, int ctx, uint8_t c)
{
    switch (d->state) {
    case D_TYPE:
        if (c == ',') {
            begin_payload(ctl, d);
        } else if (is_type_char(c) && d->type_len < DATAURI_TYPE_MAX) {
            d->type[d->type_len++] = (char)c;
        } else {
            d->state = D_SCAN; /* "data: text", an over-long type */
            d->match = 0;
        }
        break;
    case D_DATA:
    case D_SKIP:
        if (ends_payload(ctx, c))
            end_payload(ctl, d);
        else if (d->state == D_DATA && !d->out.full)
            payload_char(ctl, d, c);
        break;
    default:
        if (ctl->no_more) {
            d->match = 0;
            break;
        }
        uint8_t lc = c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
        if (lc == (uint8_t) "data:"[d->match] && (d->match > 0 || !d->prev_alnum)) {
            if (++d->match == 5) {
                d->state = D_TYPE;
                d->type_len = 0;
            }
        } else {
            d->match = 0;
        }
        break;
    }
    d->prev_alnum = is_alnum(c);
}

void vgi_html_datauri_boundary(html_ctl *ctl, html_datauri *d)
{
    if (d->state == D_DATA || d->state == D_SKIP)
        end_payload(ctl, d);
    d->state = D_SCAN;
    d->match = 0;
    d->prev_alnum = 0;
}

int vgi_html_datauri_idle(const html_datauri *d)
{
    return d->state == D_SCAN && d->match == 0;
}

void vgi_html_datauri_skipped(html_datauri *d, uint8_t last)
{
    d->prev_alnum = is_alnum(last);
}

void vgi_html_datauri_discard(html_datauri *d)
{
    vgi_html_out_discard(&d->out);
}
