/* One mail message, walked line by line in a single pass.
 *
 *     Content-Type: multipart/mixed; boundary="b1"    level 0 pushed
 *
 *     --b1                                            part: headers follow
 *     Content-Type: multipart/alternative; boundary=b2   level 1 pushed
 *
 *     --b2
 *     Content-Type: text/plain                        7bit text: scanned with the message
 *     ...
 *     --b1                                            level 1 never closed: popped here
 *     Content-Type: application/octet-stream; name=clam.exe
 *     Content-Transfer-Encoding: base64
 *
 *     TVqQAAMAAAAEAAAA//8AALgA...                     decoded straight into a child
 *     --b1--
 *
 * Every line that starts "--" is compared with the boundaries of all open
 * multipart levels, innermost first, so a part that never closes its own
 * level still ends at its parent's boundary. Bodies are streamed: base64,
 * quoted-printable and yEnc are decoded line by line into a vgi_child;
 * identity-encoded (7bit/8bit/binary, uuencode) parts are emitted as
 * zero-copy views of the message once their end is known. The message is
 * read through fmap windows of at most SEG_MAX bytes: a longer line comes
 * in several segments, and only a line's first segment can be a boundary
 * or a header.
 *
 * What is emitted: every decoded part, every attachment and non-text
 * part, message/rfc822 parts (the scan parses them as mail again), and a
 * text part that carries uuencode or BinHex (so their handlers see it from
 * its start). Plain 7bit text is scanned as part of the message already. */
#include <stdio.h>
#include <string.h>

#include "../core/b64.h"
#include "../core/mem.h"
#include "mime_hdr.h"
#include "mime_walk.h"
#include "qp.h"
#include "yenc.h"

#define SEG_MAX    ((size_t)64 << 10)  /* bytes of a line read at once */
#define HDR_MAX    ((size_t)256 << 10) /* one entity's header block */
#define HDR_INIT   ((size_t)4 << 10)
#define MAX_NEST   32    /* open multipart levels in one message */
#define MAX_PARTS  10000 /* parts (boundary lines) in one message */
#define VAL_MAX    8192  /* an unfolded header value */
#define NAME_CAP   VGI_MIME_NAME_MAX
#define STOP_EVERY 256 /* lines between checks of the time limit */

typedef enum leaf_kind { LEAF_SKIP, LEAF_RAW, LEAF_B64, LEAF_QP } leaf_kind;

typedef struct seg {
    const uint8_t *p;
    size_t len;    /* without the line terminator */
    uint64_t off;  /* offset of p[0] */
    uint64_t eol;  /* offset where the content ends (the terminator starts) */
    uint64_t next; /* offset after the segment, newline included */
    int first;     /* starts a line */
    int last;      /* ends a line */
} seg;

typedef struct level {
    char b[VGI_MIME_BOUNDARY_MAX];
    size_t blen;
    int digest; /* multipart/digest: parts default to message/rfc822 */
} level;

typedef struct walker {
    vgi_scan_ctx *ctx;
    vg_fmap *map;
    uint64_t off, end; /* reader */
    int at_start;
    level lv[MAX_NEST];
    int nlv;
    /* the header block being collected */
    int in_headers, top, digest_parent;
    uint8_t *hdr;
    size_t hlen, hcap;
    int hdr_cut;
    /* the leaf body being read */
    leaf_kind kind;
    int emit;
    char name[NAME_CAP];
    uint64_t body_start, body_eol;
    vgi_child *child;
    int full;
    vgi_b64 b64;
    vgi_qp qp;
    int pending_nl;
    /* a yEnc block inside an identity-encoded body */
    int in_yenc, yfull;
    vgi_yenc ye;
    vgi_child *ychild;
    char yname[NAME_CAP];
    unsigned parts;  /* entities seen: part<N> names */
    unsigned nparts; /* boundary lines opening a part */
    int stop, deep_reported;
    vg_error status;
    vgi_mime_entity ent;
    char val[VAL_MAX];
    uint8_t out[SEG_MAX + VGI_QP_SLACK];
} walker;

/* Next segment of the current line, or of the next line. */
static int next_seg(walker *w, seg *s)
{
    if (w->off >= w->end)
        return 0;
    uint64_t left = w->end - w->off;
    size_t n = left < SEG_MAX ? (size_t)left : SEG_MAX;
    const uint8_t *q = vg_fmap_need(w->map, w->off, n);
    if (q == NULL) {
        vgi_scan_report_error(w->ctx, VG_ERR_IO, "mail", "cannot read the message at offset %llu",
                              (unsigned long long)w->off);
        w->status = VG_ERR_IO;
        return 0;
    }
    const uint8_t *nl = memchr(q, '\n', n);
    s->p = q;
    s->off = w->off;
    s->first = w->at_start;
    if (nl != NULL) {
        size_t l = (size_t)(nl - q);
        w->off += l + 1;
        if (l > 0 && q[l - 1] == '\r')
            l--;
        s->len = l;
        s->last = 1;
    } else {
        s->len = n;
        w->off += n;
        s->last = w->off >= w->end;
    }
    s->eol = s->off + s->len;
    s->next = w->off;
    w->at_start = s->last;
    return 1;
}

static int starts(const seg *s, const char *lit)
{
    size_t n = strlen(lit);
    return s->len >= n && memcmp(s->p, lit, n) == 0;
}

/* Records what an emit returned: the scan is over (aborted, out of
 * memory) or nothing more fits (max_files, depth: already reported). */
static void note(walker *w, vg_error err)
{
    if (err == VG_ERR_ABORTED || err == VG_ERR_NOMEM) {
        w->stop = 1;
        if (w->status == VG_OK || w->status == VG_ERR_IO)
            w->status = err;
    } else if (err == VG_ERR_LIMIT) {
        w->stop = 1;
    }
}

/* Appends decoded bytes to *ch, which is begun at its first byte so that
 * an empty part costs no member. */
static void put(walker *w, vgi_child **ch, int *full, const uint8_t *p, size_t n)
{
    if (n == 0 || *full || w->stop)
        return;
    vg_error err;
    if (*ch == NULL && (err = vgi_child_begin(w->ctx, ch)) != VG_OK) {
        *full = 1;
        note(w, err);
        return;
    }
    err = vgi_child_write(*ch, p, n);
    if (err == VG_ERR_LIMIT) {
        *full = 1;
        vg_limit_kind k = vgi_child_limit(*ch);
        if (k == VG_LIMIT_SCANSIZE || k == VG_LIMIT_RATIO)
            w->stop = 1; /* no later part can fit either */
    } else if (err != VG_OK) {
        *full = 1; /* reported by the child */
    }
}

static void finish(walker *w, vgi_child **ch, const char *name)
{
    vgi_child *c = *ch;
    *ch = NULL;
    if (c != NULL)
        note(w, vgi_child_finish(c, name));
}

static void yenc_end(walker *w, int ended)
{
    w->in_yenc = 0;
    if (!ended)
        vgi_scan_report_error(w->ctx, VG_ERR_TRUNCATED, "mail",
                              "yEnc block %s has no =yend line; scanning what was decoded",
                              w->yname);
    finish(w, &w->ychild, w->yname);
}

/* Ends the leaf being read; an identity-encoded one ends at raw_end. */
static void end_leaf(walker *w, uint64_t raw_end)
{
    if (w->in_yenc)
        yenc_end(w, 0);
    if (w->kind == LEAF_RAW && w->emit && !w->stop && raw_end > w->body_start) {
        vg_fmap *sub = NULL;
        vg_error err = vg_fmap_sub(w->map, w->body_start, raw_end - w->body_start, &sub);
        if (err == VG_OK)
            err = vgi_scan_child(w->ctx, sub, w->name);
        vg_fmap_close(sub);
        note(w, err);
    } else if (w->kind == LEAF_B64 || w->kind == LEAF_QP) {
        finish(w, &w->child, w->name);
    }
    w->kind = LEAF_SKIP;
    w->emit = 0;
}

static void hdr_append(walker *w, const uint8_t *p, size_t n)
{
    if (w->hlen + n > w->hcap) {
        if (w->hlen + n > HDR_MAX) {
            if (!w->hdr_cut)
                vgi_scan_report_error(w->ctx, VG_ERR_MALFORMED, "mail",
                                      "header block longer than %zu bytes at offset %llu; "
                                      "the rest of it is ignored",
                                      HDR_MAX, (unsigned long long)w->off);
            w->hdr_cut = 1;
            w->status = w->status == VG_OK ? VG_ERR_MALFORMED : w->status;
            return;
        }
        size_t cap = w->hcap;
        while (cap < w->hlen + n)
            cap *= 2;
        cap = cap > HDR_MAX ? HDR_MAX : cap;
        uint8_t *h = vg_malloc(cap);
        if (h == NULL) {
            note(w, VG_ERR_NOMEM);
            return;
        }
        memcpy(h, w->hdr, w->hlen);
        vg_free(w->hdr);
        w->hdr = h;
        w->hcap = cap;
    }
    memcpy(w->hdr + w->hlen, p, n);
    w->hlen += n;
}

static int has_prefix(const char *s, const char *lit)
{
    return strncmp(s, lit, strlen(lit)) == 0;
}

/* Opens a multipart level; 0 when it has no boundary or is too deep. */
static int push_level(walker *w, const vgi_mime_entity *e)
{
    size_t blen = strlen(e->boundary);
    if (blen == 0)
        return 0;
    if (w->nlv >= MAX_NEST) {
        if (!w->deep_reported)
            vgi_scan_report_limit(w->ctx, VG_LIMIT_DEPTH, "mail",
                                  "multipart nested deeper than %d levels; the parts below "
                                  "are not extracted",
                                  MAX_NEST);
        w->deep_reported = 1;
        return 0;
    }
    level *l = &w->lv[w->nlv++];
    memcpy(l->b, e->boundary, blen);
    l->blen = blen;
    l->digest = strcmp(e->type, "multipart/digest") == 0;
    return 1;
}

/* The header block is complete: decide what the body is. */
static void start_entity(walker *w, uint64_t body_start)
{
    w->in_headers = 0;
    w->top = 0;
    w->kind = LEAF_SKIP;
    w->emit = 0;
    w->full = 0;
    w->body_start = w->body_eol = body_start;
    w->parts++;
    vgi_mime_entity *e = &w->ent;
    vgi_mime_entity_read(w->hdr, w->hlen, w->digest_parent, e, w->val, sizeof w->val);
    int multipart = has_prefix(e->type, "multipart/");
    if (multipart && push_level(w, e))
        return; /* its preamble is skipped */
    int is_msg = strcmp(e->type, "message/rfc822") == 0 || strcmp(e->type, "message/news") == 0;
    int is_text =
        has_prefix(e->type, "text/") || multipart || (has_prefix(e->type, "message/") && !is_msg);
    if (strcmp(e->encoding, "base64") == 0) {
        w->kind = LEAF_B64;
        vgi_b64_init(&w->b64, 1);
    } else if (strcmp(e->encoding, "quoted-printable") == 0) {
        w->kind = LEAF_QP;
        vgi_qp_init(&w->qp);
        w->pending_nl = 0;
    } else {
        /* identity, uuencode (the uu handler decodes it) or unknown */
        w->kind = LEAF_RAW;
        w->emit = e->filename[0] != '\0' || strcmp(e->disposition, "attachment") == 0 || !is_text ||
                  is_msg || strstr(e->encoding, "uu") != NULL;
    }
    if (e->filename[0] != '\0')
        memcpy(w->name, e->filename, sizeof w->name);
    else
        snprintf(w->name, sizeof w->name, "part%u%s", w->parts, is_msg ? ".eml" : "");
}

/* A line of an identity-encoded body: yEnc blocks are decoded, uuencode
 * and BinHex mark the part for emission. */
static void raw_seg(walker *w, const seg *s)
{
    if (w->in_yenc) {
        if (s->first && starts(s, "=yend")) {
            yenc_end(w, 1);
            return;
        }
        if (s->first && starts(s, "=y"))
            return; /* =ypart and other control lines */
        size_t n = vgi_yenc_decode(&w->ye, s->p, s->len, w->out);
        put(w, &w->ychild, &w->yfull, w->out, n);
        if (s->last)
            vgi_yenc_line_end(&w->ye);
        return;
    }
    if (!s->first || s->len < 6)
        return;
    if (s->p[0] == '=' && vgi_yenc_begin(s->p, s->len, w->yname, sizeof w->yname)) {
        char n[NAME_CAP];
        vgi_mime_clean_name(n, sizeof n, w->yname);
        if (n[0] == '\0')
            snprintf(n, sizeof n, "part%u.yenc", w->parts);
        memcpy(w->yname, n, sizeof n);
        w->in_yenc = 1;
        w->yfull = 0;
        memset(&w->ye, 0, sizeof w->ye);
        return;
    }
    if (!w->emit && (starts(s, "(This file must be converted with BinHex") ||
                     (starts(s, "begin ") && s->len > 8 && s->p[6] >= '0' && s->p[6] <= '7') ||
                     starts(s, "begin-base64 ")))
        w->emit = 1;
}

static void body_seg(walker *w, const seg *s)
{
    if (s->last)
        w->body_eol = s->eol;
    size_t n;
    switch (w->kind) {
    case LEAF_RAW:
        raw_seg(w, s);
        break;
    case LEAF_B64:
        n = vgi_b64_decode(&w->b64, s->p, s->len, w->out);
        put(w, &w->child, &w->full, w->out, n);
        break;
    case LEAF_QP:
        /* the newline before a boundary belongs to the boundary: a hard
         * break is written only when another line follows */
        if (s->first && w->pending_nl)
            put(w, &w->child, &w->full, (const uint8_t *)"\n", 1);
        w->pending_nl = 0;
        n = vgi_qp_decode(&w->qp, s->p, s->len, w->out);
        if (s->last) {
            size_t t;
            w->pending_nl = !vgi_qp_line_end(&w->qp, w->out + n, &t);
            n += t;
        }
        put(w, &w->child, &w->full, w->out, n);
        break;
    default:
        break;
    }
}

static void header_seg(walker *w, const seg *s)
{
    if (s->first) {
        if (s->len == 0 && s->last) {
            start_entity(w, s->next);
            return;
        }
        if (w->top && w->hlen == 0 && starts(s, "From "))
            return; /* mbox separator line */
        int cont = s->p[0] == ' ' || s->p[0] == '\t';
        if (!(cont && w->hlen > 0) && !vgi_mime_header_line(s->p, s->len)) {
            /* no header: a part without headers, or a block cut short by
             * garbage; this line is body */
            start_entity(w, s->off);
            if (!w->stop)
                body_seg(w, s);
            return;
        }
    }
    hdr_append(w, s->p, s->len);
    if (s->last)
        hdr_append(w, (const uint8_t *)"\n", 1);
}

/* Index of the open level whose boundary line s is, or -1. */
static int match_boundary(const walker *w, const seg *s, int *closing)
{
    if (!s->first || !s->last || s->len < 3 || s->p[0] != '-' || s->p[1] != '-')
        return -1;
    for (int k = w->nlv - 1; k >= 0; k--) {
        const level *l = &w->lv[k];
        if (s->len < 2 + l->blen || memcmp(s->p + 2, l->b, l->blen) != 0)
            continue;
        size_t i = 2 + l->blen;
        int cl = 0;
        if (i + 2 <= s->len && s->p[i] == '-' && s->p[i + 1] == '-') {
            cl = 1;
            i += 2;
        }
        while (i < s->len && (s->p[i] == ' ' || s->p[i] == '\t'))
            i++; /* transport padding, and broken mailers' trailing blanks */
        if (i == s->len) {
            *closing = cl;
            return k;
        }
    }
    return -1;
}

static void on_boundary(walker *w, int k, int closing)
{
    if (w->in_headers)
        w->in_headers = 0; /* a part that is all headers: nothing to emit */
    else
        end_leaf(w, w->body_eol);
    w->nlv = closing ? k : k + 1; /* levels left open inside end here */
    if (!closing && ++w->nparts > MAX_PARTS) {
        vgi_scan_report_limit(w->ctx, VG_LIMIT_FILES, "mail",
                              "more than %d MIME parts in one message", MAX_PARTS);
        w->stop = 1;
    } else if (!closing) {
        w->in_headers = 1;
        w->hlen = 0;
        w->digest_parent = w->lv[k].digest;
    }
}

vg_error vgi_mail_walk(vgi_scan_ctx *ctx, vg_fmap *map, uint64_t start)
{
    walker *w = vg_calloc(1, sizeof *w);
    if (w == NULL)
        return VG_ERR_NOMEM;
    w->hdr = vg_malloc(HDR_INIT);
    if (w->hdr == NULL) {
        vg_free(w);
        return VG_ERR_NOMEM;
    }
    w->hcap = HDR_INIT;
    w->ctx = ctx;
    w->map = map;
    w->off = start;
    w->end = vg_fmap_size(map);
    w->at_start = 1;
    w->in_headers = 1;
    w->top = 1;
    seg s;
    unsigned lines = 0;
    while (!w->stop && next_seg(w, &s)) {
        if (++lines % STOP_EVERY == 0 && vgi_scan_should_stop(ctx))
            break;
        int closing = 0;
        int k = w->nlv > 0 ? match_boundary(w, &s, &closing) : -1;
        if (k >= 0)
            on_boundary(w, k, closing);
        else if (w->in_headers)
            header_seg(w, &s);
        else
            body_seg(w, &s);
    }
    if (!w->in_headers)
        end_leaf(w, w->end);
    vg_error status = w->status;
    vg_free(w->hdr);
    vg_free(w);
    return status;
}
