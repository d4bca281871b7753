/* HTML documents: what a page hides, and a normalized copy of it.
 *
 *     <A HREF = 'data:application/octet-stream;base64,TVqQ&#10;AAMA...'>   data: URI
 *     <body onload="eval(unescape('%u9090%u9090...'))">                    escaped literal
 *     <script>s = "\x4d\x5a" + String.fromCharCode(144, 0);</script>
 *     <!-- a comment -->  Caf&eacute;  &#x3c;p&#x3e;                       entities
 *
 * One pass over the document, byte by byte through fmap windows, by a
 * tokenizer that knows text, tags, attribute values (quoted or not),
 * comments and <script> blocks, and decodes character references where a
 * browser would. It feeds three extractors:
 *
 *   - html_datauri.c: every data: URI, decoded, is a member ("data-uri1",
 *     or the name= parameter of its media type);
 *   - html_script.c: escaped string literals in scripts and on* handlers,
 *     decoded, are members "script1", ...;
 *   - the normalized copy below, a member "html:normalized" when it differs
 *     from the document: references decoded, comments and <!...> removed,
 *     everything lowercased, whitespace runs made one space, attribute
 *     values double-quoted, as ClamAV normalizes HTML before matching its
 *     HTML signatures — so those signatures, written against normalized
 *     text, match here too. That copy is not parsed again (it would only
 *     yield the same members twice).
 *
 * State is a few hundred bytes plus one 64 KiB literal buffer: a document
 * of any size (a never-closed attribute, a 50 MiB comment) streams through. */
#include <string.h>
#include <strings.h>

#include "../core/mem.h"
#include "../scan/ftype.h"
#include "fmt.h"
#include "html_datauri.h"
#include "html_entity.h"
#include "html_script.h"

#define WINDOW      65536
#define PROBE_BYTES 4096
#define NAME_MAX_   16
#define NORM_NAME   "html:normalized"

enum {
    S_TEXT,
    S_LT,      /* after '<' */
    S_BANG,    /* after "<!" */
    S_COMMENT, /* "<!--" ... "-->" */
    S_DECL,    /* "<!DOCTYPE ...>", "<?xml ...?>" */
    S_TAGNAME,
    S_INTAG, /* between attributes */
    S_ATTRNAME,
    S_AFTERNAME,
    S_BEFOREVAL,
    S_VALQ,   /* quoted value */
    S_VALU,   /* unquoted value */
    S_SCRIPT, /* raw text of a <script> block */
};

typedef struct html_tok {
    html_ctl ctl;
    int st;
    /* character reference being read: ent_st is where it appeared */
    int in_ent, ent_st;
    char ent[VGI_HTML_ENTITY_MAX + 1];
    size_t ent_len;
    char tag[NAME_MAX_];
    size_t tag_len;
    int end_tag;
    char attr[NAME_MAX_];
    size_t attr_len;
    int event_attr; /* the value being read is an on* handler */
    uint8_t quote;
    int pending_space; /* whitespace seen inside a tag, not yet written */
    unsigned dashes, comment_len;
    uint8_t sbuf[8]; /* "</script" being matched inside a script */
    size_t sm;
    /* the normalized copy */
    html_out norm;
    int norm_space; /* last byte written was a collapsed space */
    int changed;
    html_datauri uri;
    html_script js;
} html_tok;

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_alpha(uint8_t c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

/* ---- the normalized copy ---- */

static void norm_raw(html_tok *t, uint8_t c)
{
    vgi_html_out_putc(&t->ctl, &t->norm, c);
    t->norm_space = 0;
}

/* Text, value and script bytes: lowercased, whitespace runs made one space. */
static void norm_text(html_tok *t, uint8_t c, int in_script)
{
    if (is_space(c)) {
        if (t->norm_space || c != ' ')
            t->changed = 1;
        if (!t->norm_space)
            vgi_html_out_putc(&t->ctl, &t->norm, ' ');
        t->norm_space = 1;
        return;
    }
    uint8_t l = lower(c);
    if (in_script && l == '\'')
        l = '"'; /* as ClamAV writes scripts */
    if (l != c)
        t->changed = 1;
    norm_raw(t, l);
}

/* ---- what the extractors see ---- */

static void text_char(html_tok *t, uint8_t c)
{
    norm_text(t, c, 0);
    vgi_html_datauri_char(&t->ctl, &t->uri, HTML_CTX_TEXT, c);
}

static void script_char(html_tok *t, uint8_t c)
{
    norm_text(t, c, 1);
    vgi_html_datauri_char(&t->ctl, &t->uri, HTML_CTX_SCRIPT, c);
    vgi_html_script_char(&t->ctl, &t->js, c);
}

static void value_char(html_tok *t, uint8_t c)
{
    norm_text(t, c, 0);
    vgi_html_datauri_char(&t->ctl, &t->uri, HTML_CTX_ATTR, c);
    if (t->event_attr)
        vgi_html_script_char(&t->ctl, &t->js, c);
}

static void value_begin(html_tok *t)
{
    t->event_attr = t->attr_len >= 3 && t->attr[0] == 'o' && t->attr[1] == 'n';
    vgi_html_datauri_boundary(&t->ctl, &t->uri);
    if (t->event_attr)
        vgi_html_script_boundary(&t->ctl, &t->js);
}

static void value_end(html_tok *t)
{
    vgi_html_datauri_boundary(&t->ctl, &t->uri);
    if (t->event_attr)
        vgi_html_script_boundary(&t->ctl, &t->js);
    t->event_attr = 0;
}

static void tag_begin(html_tok *t, uint8_t c)
{
    vgi_html_datauri_boundary(&t->ctl, &t->uri);
    norm_raw(t, '<');
    t->tag_len = 0;
    t->end_tag = c == '/';
    t->pending_space = 0;
    t->st = S_TAGNAME;
    if (c != '/') {
        t->tag[t->tag_len++] = (char)lower(c);
        if (lower(c) != c)
            t->changed = 1;
    }
    norm_raw(t, lower(c));
}

static void tag_close(html_tok *t)
{
    if (t->pending_space)
        t->changed = 1; /* "<a >" -> "<a>" */
    t->pending_space = 0;
    norm_raw(t, '>');
    int script = !t->end_tag && t->tag_len == 6 && memcmp(t->tag, "script", 6) == 0;
    t->st = script ? S_SCRIPT : S_TEXT;
    t->sm = 0;
    if (script)
        vgi_html_script_boundary(&t->ctl, &t->js);
}

static void attr_begin(html_tok *t)
{
    if (t->pending_space)
        norm_raw(t, ' ');
    t->pending_space = 0;
    t->attr_len = 0;
    t->st = S_ATTRNAME;
}

/* A character of the current context, after references were decoded. */
static void deliver(html_tok *t, int st, uint8_t c)
{
    if (st == S_TEXT)
        text_char(t, c);
    else
        value_char(t, c);
}

/* Ends the reference being read; 1 when c (its ';') was consumed. */
static int entity_end(html_tok *t, uint8_t c)
{
    uint8_t out[4];
    int semi = c == ';';
    int n = -1;
    t->in_ent = 0;
    /* numeric references work without ';', named ones need it */
    if (semi || (t->ent_len > 1 && t->ent[0] == '#'))
        n = vgi_html_entity_decode(t->ent, t->ent_len, out);
    if (n >= 0) {
        t->changed = 1;
        for (int i = 0; i < n; i++)
            deliver(t, t->ent_st, out[i]);
        return semi;
    }
    deliver(t, t->ent_st, '&');
    for (size_t i = 0; i < t->ent_len; i++)
        deliver(t, t->ent_st, (uint8_t)t->ent[i]);
    return 0;
}

static void entity_begin(html_tok *t)
{
    t->in_ent = 1;
    t->ent_st = t->st;
    t->ent_len = 0;
}

/* Inside <script>: everything is script until "</script". */
static void script_byte(html_tok *t, uint8_t c)
{
    static const char end[] = "</script";
    if (lower(c) == (uint8_t)end[t->sm]) {
        t->sbuf[t->sm++] = c;
        if (t->sm < 8)
            return;
        vgi_html_script_boundary(&t->ctl, &t->js);
        vgi_html_datauri_boundary(&t->ctl, &t->uri);
        tag_begin(t, '/');
        for (size_t i = 2; i < 8; i++) {
            t->tag[t->tag_len++] = end[i];
            norm_raw(t, (uint8_t)end[i]);
            if (t->sbuf[i] != (uint8_t)end[i])
                t->changed = 1;
        }
        t->sm = 0;
        return;
    }
    for (size_t i = 0; i < t->sm; i++)
        script_char(t, t->sbuf[i]);
    t->sm = 0;
    if (c == '<')
        t->sbuf[t->sm++] = c;
    else
        script_char(t, c);
}

static void step(html_tok *t, uint8_t c)
{
    if (t->in_ent) {
        if (t->ent_len < VGI_HTML_ENTITY_MAX &&
            (is_alpha(c) || (c >= '0' && c <= '9') || (c == '#' && t->ent_len == 0))) {
            t->ent[t->ent_len++] = (char)c;
            return;
        }
        if (entity_end(t, c))
            return;
    }
again:
    switch (t->st) {
    case S_TEXT:
        if (c == '<')
            t->st = S_LT;
        else if (c == '&')
            entity_begin(t);
        else
            text_char(t, c);
        break;
    case S_LT:
        if (c == '!' || c == '?') {
            t->changed = 1; /* comments and declarations are dropped */
            t->dashes = 0;
            t->st = c == '!' ? S_BANG : S_DECL;
        } else if (c == '/' || is_alpha(c)) {
            tag_begin(t, c);
        } else {
            t->st = S_TEXT;
            text_char(t, '<');
            goto again;
        }
        break;
    case S_BANG:
        if (c == '-' && ++t->dashes == 2) {
            t->st = S_COMMENT;
            t->dashes = 0;
            t->comment_len = 0;
        } else if (c != '-') {
            t->st = c == '>' ? S_TEXT : S_DECL;
        }
        break;
    case S_COMMENT:
        /* "-->" ends it; so do "<!-->" and "<!--->", as in browsers */
        if (c == '>' && (t->dashes >= 2 || t->comment_len == t->dashes)) {
            t->st = S_TEXT;
            break;
        }
        t->dashes = c == '-' ? t->dashes + 1 : 0;
        if (t->comment_len < 3)
            t->comment_len++;
        break;
    case S_DECL:
        if (c == '>')
            t->st = S_TEXT;
        break;
    case S_TAGNAME:
        if (is_space(c)) {
            t->st = S_INTAG;
            t->pending_space = 1;
            if (c != ' ')
                t->changed = 1;
        } else if (c == '>') {
            tag_close(t);
        } else if (c == '/' && t->tag_len > 0) {
            norm_raw(t, c);
            t->st = S_INTAG;
        } else {
            if (t->tag_len < NAME_MAX_)
                t->tag[t->tag_len++] = (char)lower(c);
            if (lower(c) != c)
                t->changed = 1;
            norm_raw(t, lower(c));
        }
        break;
    case S_INTAG:
        if (is_space(c)) {
            if (t->pending_space || c != ' ')
                t->changed = 1;
            t->pending_space = 1;
        } else if (c == '>') {
            tag_close(t);
        } else if (c == '/') {
            if (t->pending_space)
                norm_raw(t, ' ');
            t->pending_space = 0;
            norm_raw(t, c);
        } else {
            attr_begin(t);
            goto again;
        }
        break;
    case S_ATTRNAME:
        if (is_space(c)) {
            t->st = S_AFTERNAME;
            t->pending_space = 1;
            if (c != ' ')
                t->changed = 1;
        } else if (c == '=') {
            norm_raw(t, c);
            t->st = S_BEFOREVAL;
        } else if (c == '>') {
            tag_close(t);
        } else {
            if (t->attr_len < NAME_MAX_)
                t->attr[t->attr_len++] = (char)lower(c);
            if (lower(c) != c)
                t->changed = 1;
            norm_raw(t, lower(c));
        }
        break;
    case S_AFTERNAME:
        if (is_space(c)) {
            t->changed = 1;
        } else if (c == '=') {
            t->changed = 1; /* "a = b" -> "a=b" */
            t->pending_space = 0;
            norm_raw(t, c);
            t->st = S_BEFOREVAL;
        } else if (c == '>') {
            tag_close(t);
        } else {
            attr_begin(t);
            goto again;
        }
        break;
    case S_BEFOREVAL:
        if (is_space(c)) {
            t->changed = 1;
        } else if (c == '"' || c == '\'') {
            if (c != '"')
                t->changed = 1;
            norm_raw(t, '"');
            t->quote = c;
            value_begin(t);
            t->st = S_VALQ;
        } else if (c == '>') {
            tag_close(t);
        } else {
            value_begin(t);
            t->st = S_VALU;
            goto again;
        }
        break;
    case S_VALQ:
        if (c == t->quote) {
            value_end(t);
            norm_raw(t, '"');
            t->st = S_INTAG;
        } else if (c == '&') {
            entity_begin(t);
        } else {
            value_char(t, c);
        }
        break;
    case S_VALU:
        if (is_space(c) || c == '>') {
            value_end(t);
            t->st = S_INTAG;
            goto again;
        } else if (c == '&') {
            entity_begin(t);
        } else {
            value_char(t, c);
        }
        break;
    default:
        script_byte(t, c);
        break;
    }
}

/* The end of the document: flush what a state holds back. */
static void finish(html_tok *t)
{
    if (t->in_ent)
        entity_end(t, 0);
    if (t->st == S_SCRIPT)
        for (size_t i = 0; i < t->sm; i++)
            script_char(t, t->sbuf[i]);
    vgi_html_script_boundary(&t->ctl, &t->js);
    vgi_html_datauri_boundary(&t->ctl, &t->uri);
}

static int html_probe(vg_fmap *map)
{
    uint64_t size = vg_fmap_size(map);
    size_t n = size < PROBE_BYTES ? (size_t)size : PROBE_BYTES;
    const uint8_t *p = vg_fmap_need(map, 0, n);
    if (p == NULL || n < 5)
        return 0;
    /* A tag-like string inside a binary (a PE's resources, a zip member's
     * name) does not make an HTML document: HTML is text, and its first
     * kilobyte has no NUL (UTF-16 pages are left to the text decoders). */
    if (memchr(p, 0, n < 1024 ? n : 1024) != NULL)
        return 0;
    return vgi_has_html_tag(p, n);
}

static vg_error html_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    const char *cur = vgi_scan_current_name(ctx);
    if (cur != NULL && strcmp(cur, NORM_NAME) == 0)
        return VG_OK; /* our own copy: its members were found in the original */
    html_tok *t = vg_calloc(1, sizeof *t);
    if (t == NULL)
        return VG_ERR_NOMEM;
    t->ctl.ctx = ctx;
    vgi_html_datauri_init(&t->uri);
    vgi_html_script_init(&t->js);
    /* The copy is for signatures of target type 3 (HTML), which ClamAV
     * matches on its normalized HTML; without any, it would be scanned for
     * nothing. Target-0 signatures match the raw document, as before. */
    if (vgi_scan_has_target(ctx, 3)) {
        vgi_html_out_begin(&t->ctl, &t->norm);
        t->ctl.no_more = 0; /* the copy not fitting max_files is no reason to stop */
    }

    uint64_t size = vg_fmap_size(map), off = 0;
    while (off < size && !t->ctl.stop) {
        size_t n = size - off < WINDOW ? (size_t)(size - off) : WINDOW;
        const uint8_t *p = vg_fmap_need(map, off, n);
        unsigned gen = t->ctl.emitted;
        for (size_t i = 0; p != NULL && i < n && !t->ctl.stop; i++) {
            if ((t->st == S_TEXT || (t->st == S_VALQ && !t->event_attr)) && !t->in_ent &&
                !vgi_html_out_open(&t->norm) && vgi_html_datauri_idle(&t->uri)) {
                /* Plain text, or a quoted value that is no event handler,
                 * with no normalized copy to write: only the end of it, a
                 * character reference or a "data:" can change anything. */
                uint8_t end = t->st == S_TEXT ? '<' : t->quote;
                size_t k = i;
                while (k < n && p[k] != end && p[k] != '&' && (p[k] | 0x20) != 'd')
                    k++;
                if (k > i)
                    vgi_html_datauri_skipped(&t->uri, p[k - 1]);
                i = k;
                if (i == n)
                    break;
            }
            step(t, p[i]);
            if (t->ctl.emitted != gen) {
                /* a member was scanned: the window may have moved */
                gen = t->ctl.emitted;
                p = vg_fmap_need(map, off, n);
            }
        }
        if (p == NULL) {
            vgi_scan_report_error(ctx, VG_ERR_IO, "html", "cannot read offset %llu",
                                  (unsigned long long)off);
            break;
        }
        off += n;
        if (vgi_scan_should_stop(ctx))
            break;
    }
    if (t->ctl.fatal == VG_OK)
        finish(t);
    if (t->changed && t->ctl.fatal == VG_OK)
        vgi_html_out_end(&t->ctl, &t->norm, NORM_NAME);
    else
        vgi_html_out_discard(&t->norm);
    vgi_html_datauri_discard(&t->uri);
    vgi_html_script_discard(&t->js);
    vg_error err = t->ctl.fatal;
    vg_free(t);
    return err;
}

const vgi_format vgi_format_html = {"html", html_probe, html_parse};
