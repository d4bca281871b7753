/* Walking every object for what names streams and for JavaScript.
 *
 *     16 0 obj << /Type /Filespec /F (clam.exe) /UF (þÿ...) /EF << /F 15 0 R >> >>
 *     20 0 obj << /S /JavaScript /JS (app.alert\(1\)) >>
 *     21 0 obj << /S /JavaScript /JS 22 0 R >>
 *
 * A dictionary with /EF names the streams it points to by its /UF (a text
 * string, UTF-16BE with a BOM or PDFDocEncoding, turned into UTF-8) or
 * else /F, /Unix, /DOS, /Mac: stream 15 is emitted as "clam.exe". A /JS
 * string is emitted at once as a child "js20" with its escapes decoded
 * (signatures target the script, not its PDF spelling); a /JS reference to
 * a stream names that stream "js22". The dictionary may sit anywhere: in
 * a file object, nested in an annotation, or in an object stream.
 *
 * Every definition is walked, older ones of an incremental update too.
 * Strings of encrypted documents are decrypted with the key of the object
 * that holds them (not inside object streams, which were decrypted
 * whole). Names are capped at PDF_MAX_NAMES and PDF_MAX_FILENAME bytes;
 * control characters become '_'. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"
#include "pdf_doc.h"

/* A string's bytes, resolved through a reference and decrypted. */
static pdf_obj *string_of(pdf_doc *doc, const pdf_entry *owner, pdf_obj *o)
{
    if (o != NULL && o->type == PDF_REF) {
        owner = o->i >= 0 && o->i <= UINT32_MAX ? pdf_doc_lookup(doc, (uint32_t)o->i) : NULL;
        if (owner == NULL || owner->has_stream || pdf_doc_parse(doc, owner, &o) != VG_OK)
            return NULL;
    }
    if (o == NULL || o->type != PDF_STRING)
        return NULL;
    if (doc->crypt.on && !owner->in_stm) {
        o->len = (uint32_t)pdf_crypt_string(&doc->crypt, owner->num, owner->gen, o->s, o->len);
        o->s[o->len] = '\0';
    }
    return o;
}

static size_t put_utf8(char *out, size_t o, size_t cap, unsigned c)
{
    if (c < 0x20 || c == 0x7f)
        c = '_';
    char b[4];
    size_t n;
    if (c < 0x80) {
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xc0 | c >> 6);
        b[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else {
        b[0] = (char)(0xe0 | c >> 12);
        b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        b[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    }
    if (o + n > cap)
        return o;
    memcpy(out + o, b, n);
    return o + n;
}

/* A PDF text string as UTF-8 (BMP only; surrogates become '_'). */
static void text_to_utf8(const uint8_t *s, size_t n, char out[PDF_MAX_FILENAME + 1])
{
    size_t o = 0;
    if (n >= 2 && ((s[0] == 0xfe && s[1] == 0xff) || (s[0] == 0xff && s[1] == 0xfe))) {
        int be = s[0] == 0xfe;
        for (size_t i = 2; i + 1 < n; i += 2) {
            unsigned c = be ? (unsigned)s[i] << 8 | s[i + 1] : (unsigned)s[i + 1] << 8 | s[i];
            if (c >= 0xd800 && c <= 0xdfff)
                c = '_';
            o = put_utf8(out, o, PDF_MAX_FILENAME, c);
        }
    } else {
        for (size_t i = 0; i < n; i++)
            o = put_utf8(out, o, PDF_MAX_FILENAME, s[i]);
    }
    out[o] = '\0';
}

static vg_error add_name(pdf_doc *doc, pdf_obj *target, uint32_t prio, const char *name)
{
    if (target == NULL || target->type != PDF_REF || target->i < 0 || target->i > UINT32_MAX ||
        name[0] == '\0' || doc->n_names >= PDF_MAX_NAMES)
        return VG_OK;
    if (doc->n_names == doc->cap_names) {
        size_t cap = doc->cap_names ? doc->cap_names * 2 : 16;
        pdf_name *n = vg_realloc(doc->names, cap * sizeof *n);
        if (n == NULL)
            return VG_ERR_NOMEM;
        doc->names = n;
        doc->cap_names = cap;
    }
    char *copy = vg_strdup(name);
    if (copy == NULL)
        return VG_ERR_NOMEM;
    doc->names[doc->n_names++] = (pdf_name){(uint32_t)target->i, prio, copy};
    return VG_OK;
}

static vg_error filespec(pdf_doc *doc, const pdf_entry *owner, pdf_obj *dict)
{
    pdf_obj *ef = pdf_doc_resolve(doc, pdf_dict_get(dict, "EF"));
    if (ef == NULL || ef->type != PDF_DICT)
        return VG_OK;
    static const char *const keys[] = {"UF", "F", "Unix", "DOS", "Mac"};
    char name[PDF_MAX_FILENAME + 1] = "";
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && name[0] == '\0'; i++) {
        pdf_obj *s = string_of(doc, owner, pdf_dict_get(dict, keys[i]));
        if (s != NULL)
            text_to_utf8(s->s, s->len, name);
    }
    vg_error err = add_name(doc, pdf_dict_get(ef, "UF"), 2, name);
    if (err == VG_OK)
        err = add_name(doc, pdf_dict_get(ef, "F"), 2, name);
    return err;
}

static vg_error emit_js(pdf_doc *doc, const pdf_entry *owner, pdf_obj *js)
{
    if (js != NULL && js->type == PDF_REF && js->i >= 0 && js->i <= UINT32_MAX) {
        const pdf_entry *t = pdf_doc_lookup(doc, (uint32_t)js->i);
        if (t != NULL && t->has_stream) {
            char name[32];
            snprintf(name, sizeof name, "js%u", t->num);
            return add_name(doc, js, 1, name);
        }
    }
    pdf_obj *s = string_of(doc, owner, js);
    if (s == NULL || s->len == 0)
        return VG_OK;
    vgi_child *c;
    vg_error err = vgi_child_begin(doc->ctx, &c);
    if (err != VG_OK)
        return err;
    err = vgi_child_write(c, s->s, s->len);
    if (err == VG_ERR_LIMIT && vgi_child_limit(c) == VG_LIMIT_FILESIZE)
        err = VG_OK; /* read before finish(), which frees the child */
    char name[32];
    snprintf(name, sizeof name, "js%u", owner->num);
    vg_error ferr = vgi_child_finish(c, name);
    return ferr != VG_OK ? ferr : err;
}

static vg_error walk(pdf_doc *doc, const pdf_entry *owner, pdf_obj *o)
{
    if (o->type != PDF_DICT && o->type != PDF_ARRAY)
        return VG_OK;
    vg_error err = VG_OK;
    if (o->type == PDF_DICT) {
        if (pdf_dict_get(o, "EF") != NULL)
            err = filespec(doc, owner, o);
        pdf_obj *js = pdf_dict_get(o, "JS");
        if (err == VG_OK && js != NULL)
            err = emit_js(doc, owner, js);
    }
    for (pdf_obj *k = o->kids; k != NULL && err == VG_OK; k = k->next)
        err = walk(doc, owner, k);
    return err;
}

static int by_num(const void *a, const void *b)
{
    const pdf_name *x = a, *y = b;
    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    return x->prio > y->prio ? -1 : x->prio < y->prio; /* best first */
}

vg_error pdf_walk_all(pdf_doc *doc)
{
    vg_error err = VG_OK;
    for (size_t i = 0; i < doc->n_ent && err == VG_OK; i++) {
        if ((i & 1023) == 0 && vgi_scan_should_stop(doc->ctx))
            return VG_ERR_ABORTED;
        pdf_arena_reset(&doc->arena);
        pdf_obj *o;
        if (pdf_doc_parse(doc, &doc->ent[i], &o) == VG_OK)
            err = walk(doc, &doc->ent[i], o);
    }
    if (doc->n_names > 1)
        qsort(doc->names, doc->n_names, sizeof *doc->names, by_num);
    return err;
}

const char *pdf_doc_name(const pdf_doc *doc, uint32_t num)
{
    size_t lo = 0, hi = doc->n_names;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (doc->names[mid].num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < doc->n_names && doc->names[lo].num == num ? doc->names[lo].name : NULL;
}
