/* RTF documents: the objects embedded in them.
 *
 *     {\rtf1\ansi ...                                  a document (Word opens "{\rt" too)
 *     {\object\objemb{\*\objclass Package}
 *      {\*\objdata 01050000 02000000 08000000 5061636b...}}   hex, any whitespace
 *     {\pict\wmetafile8 \bin 1024 <1024 raw bytes>}    binary run inside text
 *
 * Every \objdata destination is hex-decoded as it streams (spaces, newlines
 * and other junk between digits skipped, an odd last digit dropped, \bin runs
 * inside it taken raw) and handed to rtf_objdata.c, which reads the OLE1
 * header and names the member: the file of a "Package" by its label
 * ("Clam.exe"), other classes' native data (usually an OLE2 file, opened by
 * the OLE2 handler when the scan recurses) as "objdata:<Class>", data without
 * an OLE1 header as "objdata<N>". \bin runs elsewhere are emitted as
 * "bin<N>", zero-copy.
 *
 * Groups are counted, not recursed into: the state of each open group (is
 * it \objdata? to skip?) sits in an array of MAX_DEPTH entries; deeper
 * nesting (exploits open thousands of groups to exhaust parsers) is reported
 * once and parsed flat, the counter alone keeping the braces matched. The
 * document is read through fmap windows of WINDOW bytes. */
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "fmt.h"
#include "rtf_objdata.h"

#define WINDOW     65536
#define MAX_DEPTH  1024
#define WORD_MAX   32
#define PROBE_SKIP 256

enum { D_TEXT, D_OBJDATA, D_SKIP };

typedef struct rtf_reader {
    vg_fmap *map;
    uint64_t size;
    uint64_t base; /* offset of win[0] */
    const uint8_t *win;
    size_t len, pos;
} rtf_reader;

typedef struct rtf_state {
    vgi_scan_ctx *ctx;
    rtf_reader rd;
    uint8_t dest[MAX_DEPTH]; /* destination of each open group, [0] = outside */
    uint64_t depth;
    int first_in_group; /* the next token is the group's first */
    int deep_reported;
    rtf_objdata *obj;   /* the open \objdata, or NULL */
    uint64_t obj_depth; /* depth of its group */
    unsigned n_obj, n_bin;
    int nibble; /* pending high hex digit, -1 if none */
    uint8_t hex[1024];
    size_t hex_len;
    vg_error first_err; /* MALFORMED/TRUNCATED reported, returned at the end */
    int stop;
} rtf_state;

static uint64_t rd_off(const rtf_reader *r)
{
    return r->base + r->pos;
}

static void rd_seek(rtf_reader *r, uint64_t off)
{
    r->base = off;
    r->win = NULL;
    r->len = r->pos = 0;
}

/* Next byte, or -1 at the end (or on an I/O error, which ends it too). */
static int rd_get(rtf_reader *r)
{
    if (r->pos >= r->len) {
        uint64_t off = r->base + r->len;
        if (off >= r->size)
            return -1;
        uint64_t left = r->size - off;
        size_t n = left < WINDOW ? (size_t)left : WINDOW;
        const uint8_t *p = vg_fmap_need(r->map, off, n);
        if (p == NULL)
            return -1;
        r->base = off;
        r->win = p;
        r->len = n;
        r->pos = 0;
    }
    return r->win[r->pos++];
}

static void rd_unget(rtf_reader *r)
{
    if (r->pos > 0)
        r->pos--;
}

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(int c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static vg_error obj_flush_hex(rtf_state *s)
{
    if (s->hex_len == 0 || s->obj == NULL)
        return VG_OK;
    vg_error err = vgi_rtf_objdata_write(s->obj, s->hex, s->hex_len);
    s->hex_len = 0;
    return err;
}

static vg_error obj_byte(rtf_state *s, uint8_t b)
{
    s->hex[s->hex_len++] = b;
    return s->hex_len == sizeof s->hex ? obj_flush_hex(s) : VG_OK;
}

static vg_error obj_begin(rtf_state *s)
{
    if (s->obj != NULL)
        return VG_OK; /* \objdata inside \objdata: one object */
    s->obj = vg_malloc(sizeof *s->obj);
    if (s->obj == NULL)
        return VG_ERR_NOMEM;
    vgi_rtf_objdata_init(s->obj, s->ctx, ++s->n_obj);
    s->obj_depth = s->depth;
    s->nibble = -1;
    s->hex_len = 0;
    return VG_OK;
}

static vg_error obj_end(rtf_state *s, int cut)
{
    if (s->obj == NULL)
        return VG_OK;
    vg_error err = obj_flush_hex(s);
    if (err == VG_OK) {
        err = vgi_rtf_objdata_end(s->obj, cut);
        if (s->obj->stop_all)
            s->stop = 1;
        if (cut && s->first_err == VG_OK)
            s->first_err = VG_ERR_TRUNCATED;
    } else {
        vgi_rtf_objdata_discard(s->obj);
    }
    vg_free(s->obj);
    s->obj = NULL;
    return err == VG_ERR_ABORTED || err == VG_ERR_NOMEM ? err : VG_OK;
}

static int cur_dest(const rtf_state *s)
{
    uint64_t d = s->depth < MAX_DEPTH ? s->depth : MAX_DEPTH - 1;
    return s->dest[d];
}

static void set_dest(rtf_state *s, int dest)
{
    uint64_t d = s->depth < MAX_DEPTH ? s->depth : MAX_DEPTH - 1;
    s->dest[d] = (uint8_t)dest;
}

/* \bin N: N raw bytes follow the control word. */
static vg_error do_bin(rtf_state *s, uint64_t n)
{
    rtf_reader *r = &s->rd;
    uint64_t off = rd_off(r);
    uint64_t left = s->rd.size - off;
    vg_error err = VG_OK;
    if (n > left) {
        vgi_scan_report_error(s->ctx, VG_ERR_TRUNCATED, "rtf",
                              "\\bin %llu at offset %llu runs past the end (%llu bytes left)",
                              (unsigned long long)n, (unsigned long long)off,
                              (unsigned long long)left);
        if (s->first_err == VG_OK)
            s->first_err = VG_ERR_TRUNCATED;
        n = left;
    }
    if (n == 0)
        return VG_OK;
    if (s->obj != NULL && cur_dest(s) == D_OBJDATA) {
        /* raw bytes inside \objdata belong to the object */
        if ((err = obj_flush_hex(s)) != VG_OK)
            return err;
        s->nibble = -1;
        for (uint64_t done = 0; done < n && err == VG_OK;) {
            size_t k = n - done < WINDOW ? (size_t)(n - done) : WINDOW;
            const uint8_t *p = vg_fmap_need(r->map, off + done, k);
            if (p == NULL)
                break;
            err = vgi_rtf_objdata_write(s->obj, p, k);
            done += k;
        }
    } else if (cur_dest(s) != D_SKIP) {
        vg_fmap *sub = NULL;
        char name[32];
        snprintf(name, sizeof name, "bin%u", ++s->n_bin);
        err = vg_fmap_sub(r->map, off, n, &sub);
        if (err == VG_OK) {
            err = vgi_scan_child(s->ctx, sub, name);
            vg_fmap_close(sub);
        }
        if (err == VG_ERR_LIMIT)
            err = VG_OK; /* reported; later members may fit */
    }
    rd_seek(r, off + n); /* also drops the window the child's scan may have moved */
    return err;
}

/* After a backslash: a control word or a control symbol. */
static vg_error control(rtf_state *s)
{
    rtf_reader *r = &s->rd;
    int first = s->first_in_group;
    s->first_in_group = 0;
    int c = rd_get(r);
    if (c < 0)
        return VG_OK;
    if (!is_alpha(c)) {
        if (c == '*' && first && s->obj != NULL && cur_dest(s) == D_OBJDATA)
            set_dest(s, D_SKIP); /* {\*\unknown ...} inside objdata: ignored by Word */
        else if (c == '\'') {
            int a = rd_get(r), b = a >= 0 ? rd_get(r) : -1;
            if (a >= 0 && !is_hex(a))
                rd_unget(r);
            else if (b >= 0 && !is_hex(b))
                rd_unget(r);
        }
        if (c == '*')
            s->first_in_group = first; /* \* keeps the next word first */
        return VG_OK;
    }
    char word[WORD_MAX + 1];
    size_t n = 0;
    while (c >= 0 && is_alpha(c)) {
        if (n < WORD_MAX)
            word[n++] = (char)c;
        c = rd_get(r);
    }
    word[n] = '\0';
    int neg = 0, has_num = 0;
    uint64_t num = 0;
    if (c == '-') {
        neg = 1;
        c = rd_get(r);
    }
    for (int digits = 0; c >= '0' && c <= '9'; digits++) {
        if (digits < 19)
            num = num * 10 + (uint64_t)(c - '0');
        has_num = 1;
        c = rd_get(r);
    }
    if (c >= 0 && c != ' ')
        rd_unget(r); /* the delimiter belongs to the text, except a space */

    if (strcmp(word, "objdata") == 0) {
        if (cur_dest(s) == D_SKIP)
            return VG_OK;
        vg_error err = obj_begin(s);
        if (err == VG_OK)
            set_dest(s, D_OBJDATA);
        return err;
    }
    if (strcmp(word, "bin") == 0 && has_num && !neg)
        return do_bin(s, num);
    return VG_OK;
}

static vg_error open_group(rtf_state *s)
{
    s->depth++;
    s->first_in_group = 1;
    if (s->depth < MAX_DEPTH) {
        s->dest[s->depth] = s->dest[s->depth - 1];
    } else if (!s->deep_reported) {
        s->deep_reported = 1;
        vgi_scan_report_error(s->ctx, VG_ERR_MALFORMED, "rtf",
                              "groups nested deeper than %d at offset %llu; parsed flat", MAX_DEPTH,
                              (unsigned long long)rd_off(&s->rd));
        if (s->first_err == VG_OK)
            s->first_err = VG_ERR_MALFORMED;
    }
    return VG_OK;
}

static vg_error close_group(rtf_state *s)
{
    s->first_in_group = 0;
    if (s->depth == 0)
        return VG_OK; /* stray '}': text after the document goes on being read */
    vg_error err = VG_OK;
    if (s->obj != NULL && s->depth == s->obj_depth)
        err = obj_end(s, 0);
    s->depth--;
    return err;
}

static vg_error text_byte(rtf_state *s, int c)
{
    s->first_in_group = 0;
    if (s->obj == NULL || cur_dest(s) != D_OBJDATA || !is_hex(c))
        return VG_OK; /* whitespace and junk between digits are skipped */
    if (s->nibble < 0) {
        s->nibble = hex_val(c);
        return VG_OK;
    }
    uint8_t b = (uint8_t)(s->nibble << 4 | hex_val(c));
    s->nibble = -1;
    return obj_byte(s, b);
}

static int rtf_probe(vg_fmap *map)
{
    uint64_t size = vg_fmap_size(map);
    size_t n = size < PROBE_SKIP + 4 ? (size_t)size : PROBE_SKIP + 4;
    const uint8_t *p = vg_fmap_need(map, 0, n);
    if (p == NULL)
        return 0;
    size_t i = 0;
    while (i < n && i < PROBE_SKIP && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return n - i >= 4 && memcmp(p + i, "{\\rt", 4) == 0;
}

static vg_error rtf_parse(vgi_scan_ctx *ctx, vg_fmap *map)
{
    rtf_state *s = vg_calloc(1, sizeof *s);
    if (s == NULL)
        return VG_ERR_NOMEM;
    s->ctx = ctx;
    s->rd.map = map;
    s->rd.size = vg_fmap_size(map);
    s->nibble = -1;
    vg_error err = VG_OK;
    unsigned long steps = 0;
    int c, interrupted = 0;
    while (err == VG_OK && !s->stop && (c = rd_get(&s->rd)) >= 0) {
        if ((++steps & 0xffff) == 0 && vgi_scan_should_stop(ctx)) {
            interrupted = 1;
            break;
        }
        switch (c) {
        case '{':
            err = open_group(s);
            break;
        case '}':
            err = close_group(s);
            break;
        case '\\':
            err = control(s);
            break;
        default:
            err = text_byte(s, c);
            break;
        }
    }
    if (s->obj != NULL) {
        if (err == VG_ERR_ABORTED || err == VG_ERR_NOMEM) {
            vgi_rtf_objdata_discard(s->obj);
            vg_free(s->obj);
            s->obj = NULL;
        } else {
            /* the document ended inside \objdata: scan what was decoded */
            vg_error e2 = obj_end(s, !s->stop && !interrupted);
            if (err == VG_OK)
                err = e2;
        }
    }
    if (err == VG_ERR_LIMIT)
        err = VG_OK;
    if (err == VG_OK)
        err = s->first_err;
    vg_free(s);
    return err;
}

const vgi_format vgi_format_rtf = {"rtf", rtf_probe, rtf_parse};
