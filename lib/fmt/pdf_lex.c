/* PDF lexer and object parser.
 *
 *     << /Type /Filespec /F (clam\056exe) /EF << /F 15 0 R >> /K#20ey <41 42> >>
 *
 * parses into DICT{ NAME Type, NAME Filespec, NAME F, STRING "clam.exe",
 * NAME EF, DICT{ NAME F, REF 15 0 }, NAME "K ey", STRING "AB" }: names lose
 * their #xx escapes, literal strings their backslash escapes (octal, line
 * continuations), hex strings are decoded with an odd last digit padded
 * with 0, and "15 0 R" is recognised by looking ahead after an integer.
 *
 * The parser is lenient the way viewers are, because malware relies on
 * viewers being lenient: a dictionary key that is not a name is dropped, a
 * missing value is null, a stray ')' or ']' is skipped, and "endobj",
 * "stream", "endstream" or "obj" inside an unclosed container closes it.
 * Nesting is capped at PDF_MAX_DEPTH (the recursion's own bound); the
 * arena's cap bounds what one object can allocate; the buffer given by the
 * caller bounds every string. */
#include "pdf_lex.h"

#include <string.h>

#include "../core/mem.h"

#define ARENA_BLOCK ((size_t)64 << 10)

struct pdf_arena_block {
    pdf_arena_block *next;
    size_t size, used;
    max_align_t data[];
};

void pdf_arena_init(pdf_arena *a, size_t cap)
{
    a->head = NULL;
    a->used_total = 0;
    a->cap = cap;
}

void pdf_arena_reset(pdf_arena *a)
{
    if (a->head == NULL)
        return;
    pdf_arena_block *keep = a->head;
    while (keep->next != NULL) {
        pdf_arena_block *b = keep;
        keep = keep->next;
        vg_free(b);
    }
    keep->used = 0;
    a->head = keep;
    a->used_total = 0;
}

void pdf_arena_cleanup(pdf_arena *a)
{
    while (a->head != NULL) {
        pdf_arena_block *b = a->head;
        a->head = b->next;
        vg_free(b);
    }
    a->used_total = 0;
}

void *pdf_arena_alloc(pdf_arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (n > a->cap || a->used_total > a->cap - n)
        return NULL;
    pdf_arena_block *b = a->head;
    if (b == NULL || b->size - b->used < n) {
        size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        pdf_arena_block *nb = vg_malloc(sizeof *nb + size);
        if (nb == NULL)
            return NULL;
        nb->size = size;
        nb->used = 0;
        /* A fresh block goes behind the head when the head still has room,
         * so a big string does not waste the rest of it. */
        if (b != NULL && size == n && b->size - b->used >= 1024) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = (uint8_t *)b->data + b->used;
    b->used += n;
    a->used_total += n;
    return p;
}

void pdf_lex_skip_space(pdf_lexer *lx)
{
    while (lx->pos < lx->n) {
        uint8_t c = lx->p[lx->pos];
        if (pdf_is_space(c)) {
            lx->pos++;
        } else if (c == '%') {
            while (lx->pos < lx->n && lx->p[lx->pos] != '\n' && lx->p[lx->pos] != '\r')
                lx->pos++;
        } else {
            break;
        }
    }
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static pdf_obj *new_obj(pdf_lexer *lx, pdf_type t)
{
    pdf_obj *o = pdf_arena_alloc(lx->arena, sizeof *o);
    if (o != NULL) {
        memset(o, 0, sizeof *o);
        o->type = t;
    }
    return o;
}

static vg_error parse_name(pdf_lexer *lx, pdf_obj *o)
{
    uint8_t buf[PDF_MAX_NAME];
    size_t len = 0;
    lx->pos++; /* '/' */
    while (lx->pos < lx->n) {
        uint8_t c = lx->p[lx->pos];
        if (pdf_is_space(c) || pdf_is_delim(c))
            break;
        if (c == '#' && lx->pos + 2 < lx->n && hexval(lx->p[lx->pos + 1]) >= 0 &&
            hexval(lx->p[lx->pos + 2]) >= 0) {
            c = (uint8_t)(hexval(lx->p[lx->pos + 1]) << 4 | hexval(lx->p[lx->pos + 2]));
            lx->pos += 2;
        }
        lx->pos++;
        if (len < sizeof buf)
            buf[len++] = c;
    }
    o->s = pdf_arena_alloc(lx->arena, len + 1);
    if (o->s == NULL)
        return VG_ERR_NOMEM;
    memcpy(o->s, buf, len);
    o->s[len] = '\0';
    o->len = (uint32_t)len;
    return VG_OK;
}

/* Finds the end of a literal string starting after '(' at i; returns the
 * index of the closing ')' or n when the buffer ends first. */
static size_t literal_end(const uint8_t *p, size_t n, size_t i)
{
    unsigned level = 1;
    for (; i < n; i++) {
        if (p[i] == '\\') {
            i++;
        } else if (p[i] == '(') {
            level++;
        } else if (p[i] == ')') {
            if (--level == 0)
                return i;
        }
    }
    return n;
}

static vg_error parse_literal(pdf_lexer *lx, pdf_obj *o)
{
    size_t start = lx->pos + 1;
    size_t end = literal_end(lx->p, lx->n, start);
    if (end >= lx->n)
        lx->truncated = 1;
    if (end - start > UINT32_MAX - 1)
        return VG_ERR_MALFORMED;
    uint8_t *out = pdf_arena_alloc(lx->arena, end - start + 1);
    if (out == NULL)
        return VG_ERR_NOMEM;
    size_t o_len = 0;
    const uint8_t *p = lx->p;
    for (size_t i = start; i < end; i++) {
        uint8_t c = p[i];
        if (c != '\\') {
            out[o_len++] = c;
            continue;
        }
        if (++i >= end)
            break;
        c = p[i];
        switch (c) {
        case 'n':
            out[o_len++] = '\n';
            break;
        case 'r':
            out[o_len++] = '\r';
            break;
        case 't':
            out[o_len++] = '\t';
            break;
        case 'b':
            out[o_len++] = '\b';
            break;
        case 'f':
            out[o_len++] = '\f';
            break;
        case '\r':
            if (i + 1 < end && p[i + 1] == '\n')
                i++;
            break; /* line continuation */
        case '\n':
            break;
        default:
            if (c >= '0' && c <= '7') {
                unsigned v = c - '0';
                for (int k = 0; k < 2 && i + 1 < end && p[i + 1] >= '0' && p[i + 1] <= '7'; k++)
                    v = v * 8 + (unsigned)(p[++i] - '0');
                out[o_len++] = (uint8_t)v;
            } else {
                out[o_len++] = c; /* \( \) \\ and unknown escapes */
            }
        }
    }
    out[o_len] = '\0';
    o->s = out;
    o->len = (uint32_t)o_len;
    lx->pos = end < lx->n ? end + 1 : end;
    return VG_OK;
}

static vg_error parse_hex(pdf_lexer *lx, pdf_obj *o)
{
    size_t start = lx->pos + 1, end = start;
    while (end < lx->n && lx->p[end] != '>')
        end++;
    if (end >= lx->n)
        lx->truncated = 1;
    if (end - start > UINT32_MAX - 1)
        return VG_ERR_MALFORMED;
    uint8_t *out = pdf_arena_alloc(lx->arena, (end - start) / 2 + 2);
    if (out == NULL)
        return VG_ERR_NOMEM;
    size_t o_len = 0;
    int hi = -1;
    for (size_t i = start; i < end; i++) {
        int v = hexval(lx->p[i]);
        if (v < 0)
            continue; /* white space, or garbage viewers skip too */
        if (hi < 0) {
            hi = v;
        } else {
            out[o_len++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        out[o_len++] = (uint8_t)(hi << 4);
    out[o_len] = '\0';
    o->s = out;
    o->len = (uint32_t)o_len;
    lx->pos = end < lx->n ? end + 1 : end;
    return VG_OK;
}

/* "G R" after an object number: the lookahead of an indirect reference. */
static int ref_follows(pdf_lexer *lx, uint32_t *gen, size_t *after)
{
    size_t i = lx->pos;
    const uint8_t *p = lx->p;
    if (i >= lx->n || !pdf_is_space(p[i]))
        return 0;
    while (i < lx->n && pdf_is_space(p[i]))
        i++;
    uint64_t g = 0;
    size_t digits = 0;
    while (i < lx->n && p[i] >= '0' && p[i] <= '9' && digits < 10) {
        g = g * 10 + (uint64_t)(p[i++] - '0');
        digits++;
    }
    if (digits == 0 || i >= lx->n || !pdf_is_space(p[i]) || g > UINT32_MAX)
        return 0;
    while (i < lx->n && pdf_is_space(p[i]))
        i++;
    if (i >= lx->n || p[i] != 'R')
        return 0;
    i++;
    if (i < lx->n && !pdf_is_space(p[i]) && !pdf_is_delim(p[i]))
        return 0;
    *gen = (uint32_t)g;
    *after = i;
    return 1;
}

static vg_error parse_number(pdf_lexer *lx, pdf_obj *o)
{
    const uint8_t *p = lx->p;
    size_t i = lx->pos;
    int neg = 0, digits = 0, dot = 0, sign = 0;
    if (p[i] == '+' || p[i] == '-') {
        sign = 1;
        neg = p[i++] == '-';
    }
    uint64_t v = 0;
    double r = 0, scale = 1;
    for (; i < lx->n; i++) {
        uint8_t c = p[i];
        if (c >= '0' && c <= '9') {
            digits++;
            if (!dot) {
                v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX / 2 : v * 10 + (uint64_t)(c - '0');
                r = r * 10 + (c - '0');
            } else {
                scale /= 10;
                r += (c - '0') * scale;
            }
        } else if (c == '.' && !dot) {
            dot = 1;
        } else {
            break;
        }
    }
    lx->pos = i;
    if (v > INT64_MAX)
        v = INT64_MAX;
    if (digits == 0) {
        o->type = PDF_INT; /* a lone sign or dot: 0, as viewers read it */
        return VG_OK;
    }
    if (dot) {
        o->type = PDF_REAL;
        o->r = neg ? -r : r;
        o->i = (int64_t)v * (neg ? -1 : 1);
        return VG_OK;
    }
    o->type = PDF_INT;
    o->i = neg ? -(int64_t)v : (int64_t)v;
    uint32_t gen;
    size_t after;
    if (!sign && ref_follows(lx, &gen, &after)) {
        o->type = PDF_REF;
        o->gen = gen;
        lx->pos = after;
    }
    return VG_OK;
}

static vg_error parse_word(pdf_lexer *lx, pdf_obj *o)
{
    size_t start = lx->pos;
    while (lx->pos < lx->n && !pdf_is_space(lx->p[lx->pos]) && !pdf_is_delim(lx->p[lx->pos]))
        lx->pos++;
    size_t len = lx->pos - start;
    if (len == 0) {
        lx->pos++; /* a stray delimiter: consumed as an empty keyword */
        len = 0;
    }
    if (len > PDF_MAX_NAME)
        len = PDF_MAX_NAME;
    const uint8_t *w = lx->p + start;
    if (len == 4 && memcmp(w, "true", 4) == 0) {
        o->type = PDF_BOOL;
        o->i = 1;
    } else if (len == 5 && memcmp(w, "false", 5) == 0) {
        o->type = PDF_BOOL;
    } else if (len == 4 && memcmp(w, "null", 4) == 0) {
        o->type = PDF_NULL;
    }
    o->s = pdf_arena_alloc(lx->arena, len + 1);
    if (o->s == NULL)
        return VG_ERR_NOMEM;
    memcpy(o->s, w, len);
    o->s[len] = '\0';
    o->len = (uint32_t)len;
    return VG_OK;
}

/* Keywords that end an object: inside an unclosed container they close it. */
static int ends_object(const pdf_obj *o)
{
    static const char *const kw[] = {"endobj", "stream", "endstream", "obj", "trailer", "xref"};
    if (o->type != PDF_KEYWORD)
        return 0;
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strcmp((const char *)o->s, kw[i]) == 0)
            return 1;
    return 0;
}

static vg_error parse_at(pdf_lexer *lx, unsigned depth, pdf_obj **out);

/* Items up to the closing delimiter (']' or '>>'); dict = 1 for '>>'. */
static vg_error parse_container(pdf_lexer *lx, unsigned depth, pdf_obj *o, int dict)
{
    pdf_obj **tail = &o->kids;
    for (;;) {
        pdf_lex_skip_space(lx);
        if (lx->pos >= lx->n) {
            lx->truncated = 1;
            break;
        }
        const uint8_t *p = lx->p + lx->pos;
        if (!dict && p[0] == ']') {
            lx->pos++;
            break;
        }
        if (dict && p[0] == '>' && lx->pos + 1 < lx->n && p[1] == '>') {
            if (o->nkids % 2)
                goto add_null;
            lx->pos += 2;
            break;
        }
        if (p[0] == ')' || p[0] == '}' || p[0] == '{' || p[0] == '>' || (dict && p[0] == ']')) {
            lx->pos++;
            continue;
        }
        size_t at = lx->pos;
        pdf_obj *item;
        vg_error err = parse_at(lx, depth + 1, &item);
        if (err != VG_OK)
            return err;
        if (ends_object(item)) {
            lx->pos = at;
            if (dict && o->nkids % 2)
                goto add_null;
            break;
        }
        if (dict && o->nkids % 2 == 0 && item->type != PDF_NAME)
            continue; /* a key must be a name */
        *tail = item;
        tail = &item->next;
        o->nkids++;
        continue;
    add_null:
        item = new_obj(lx, PDF_NULL);
        if (item == NULL)
            return VG_ERR_NOMEM;
        *tail = item;
        tail = &item->next;
        o->nkids++;
    }
    return VG_OK;
}

static vg_error parse_at(pdf_lexer *lx, unsigned depth, pdf_obj **out)
{
    pdf_lex_skip_space(lx);
    if (lx->pos >= lx->n) {
        lx->truncated = 1;
        return VG_ERR_MALFORMED;
    }
    const uint8_t *p = lx->p + lx->pos;
    pdf_obj *o = new_obj(lx, PDF_KEYWORD);
    if (o == NULL)
        return VG_ERR_NOMEM;
    *out = o;
    uint8_t c = p[0];
    if (c == '<' && lx->pos + 1 < lx->n && p[1] == '<') {
        if (depth >= PDF_MAX_DEPTH)
            return VG_ERR_MALFORMED;
        o->type = PDF_DICT;
        lx->pos += 2;
        return parse_container(lx, depth, o, 1);
    }
    if (c == '[') {
        if (depth >= PDF_MAX_DEPTH)
            return VG_ERR_MALFORMED;
        o->type = PDF_ARRAY;
        lx->pos++;
        return parse_container(lx, depth, o, 0);
    }
    if (c == '<') {
        o->type = PDF_STRING;
        return parse_hex(lx, o);
    }
    if (c == '(') {
        o->type = PDF_STRING;
        return parse_literal(lx, o);
    }
    if (c == '/') {
        o->type = PDF_NAME;
        return parse_name(lx, o);
    }
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')
        return parse_number(lx, o);
    return parse_word(lx, o);
}

vg_error pdf_parse_value(pdf_lexer *lx, pdf_obj **out)
{
    *out = NULL;
    return parse_at(lx, 0, out);
}

pdf_obj *pdf_dict_get(const pdf_obj *d, const char *key)
{
    if (d == NULL || d->type != PDF_DICT)
        return NULL;
    size_t klen = strlen(key);
    pdf_obj *found = NULL;
    for (pdf_obj *k = d->kids; k != NULL && k->next != NULL; k = k->next->next)
        if (k->len == klen && memcmp(k->s, key, klen) == 0)
            found = k->next; /* the last duplicate wins, as in most viewers */
    return found;
}

int pdf_is_name(const pdf_obj *o, const char *n)
{
    return o != NULL && o->type == PDF_NAME && strcmp((const char *)o->s, n) == 0;
}
