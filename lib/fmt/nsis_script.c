/* Names of the files an NSIS installer extracts, read from its script.
 *
 * The decompressed header of NSIS 2 and 3 starts with u32 flags and eight
 * {u32 offset, u32 count} blocks: pages, sections, entries, strings,
 * language tables, ... Entries are the compiled script, 28 bytes each:
 * u32 opcode and six u32 parameters. Two opcodes matter here:
 *
 *     EW_CREATEDIR (11)    [path, 1 = SetOutPath]      the output folder
 *     EW_EXTRACTFILE (20)  [flags, name, data position, ...]   "File x.exe"
 *
 * so "SetOutPath $INSTDIR" + "File clam.exe" names the block at that data
 * position "$INSTDIR\clam.exe". Following the entries in order (not the
 * script's jumps) is an approximation, as in 7-Zip; it only ever picks a
 * display name, never which bytes are scanned.
 *
 * Strings are offsets into the string block, NUL-terminated, ANSI or
 * UTF-16LE (offsets then count 16-bit units). A few code points introduce
 * a variable, shell folder or language string with a 2-byte parameter:
 * 1-4 in NSIS 3, 252-255 in NSIS 2 ANSI, U+E000-E003 in Jim Park's Unicode
 * NSIS 2. Variables are rendered by name ($INSTDIR), the others as
 * placeholders. Other bytes outside printable ASCII become '?' (ANSI's code
 * page is unknown) or UTF-8 (UTF-16). Names are cut at MAX_NAME bytes. */
#include "nsis_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"

#define HDR_MIN        (4 + 8 * 8)
#define ENTRY_SIZE     28
#define OP_CREATEDIR   11
#define OP_EXTRACTFILE 20
#define MAX_NAME       255

typedef struct name_ent {
    uint32_t pos, seq;
    char *name;
} name_ent;

struct nsis_names {
    size_t n;
    name_ent *ent;
};

typedef struct script {
    const uint8_t *h;
    size_t len;
    size_t str_off, str_end;
    int unicode, nsis3_ansi;
} script;

typedef struct out_buf {
    char *s;
    size_t n;
} out_buf;

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put(out_buf *o, const char *s)
{
    while (*s && o->n < MAX_NAME)
        o->s[o->n++] = *s++;
}

static void put_var(out_buf *o, unsigned v)
{
    static const char *const names[] = {
        "CMDLINE",    "INSTDIR", "OUTDIR",  "EXEDIR",     "LANGUAGE", "TEMP",
        "PLUGINSDIR", "EXEPATH", "EXEFILE", "HWNDPARENT", "_CLICK",   "_OUTDIR",
    };
    char b[24];
    if (v < 10)
        snprintf(b, sizeof b, "$%u", v);
    else if (v < 20)
        snprintf(b, sizeof b, "$R%u", v - 10);
    else if (v - 20 < sizeof names / sizeof names[0])
        snprintf(b, sizeof b, "$%s", names[v - 20]);
    else
        snprintf(b, sizeof b, "$V%u", v);
    put(o, b);
}

/* A special code's 2-byte parameter: two 7-bit halves with high bits set. */
static unsigned param(unsigned lo, unsigned hi)
{
    return (lo & 0x7f) | (hi & 0x7f) << 7;
}

enum { CODE_NONE, CODE_SKIP, CODE_VAR, CODE_SHELL, CODE_LANG };

static int ansi_code(const script *s, uint8_t c)
{
    if (s->nsis3_ansi)
        return c == 4   ? CODE_SKIP
               : c == 3 ? CODE_VAR
               : c == 2 ? CODE_SHELL
               : c == 1 ? CODE_LANG
                        : 0;
    return c == 252   ? CODE_SKIP
           : c == 253 ? CODE_VAR
           : c == 254 ? CODE_SHELL
           : c == 255 ? CODE_LANG
                      : 0;
}

static int wide_code(unsigned u)
{
    if (u >= 0xE000 && u <= 0xE003) /* Park's Unicode NSIS 2 */
        return CODE_SKIP + (int)(u - 0xE000);
    return u == 4 ? CODE_SKIP : u == 3 ? CODE_VAR : u == 2 ? CODE_SHELL : u == 1 ? CODE_LANG : 0;
}

static void put_code(out_buf *o, int code, unsigned v)
{
    if (code == CODE_VAR)
        put_var(o, v);
    else if (code == CODE_SHELL)
        put(o, "$SHELLFOLDER");
    else
        put(o, "$(LANGSTRING)");
}

static void put_ascii(out_buf *o, unsigned c)
{
    char b[2] = {(char)(c >= 0x20 && c < 0x7f ? c : '?'), 0};
    put(o, b);
}

static void put_utf8(out_buf *o, unsigned u)
{
    if (u < 0x80 || (u >= 0xD800 && u < 0xE000)) {
        put_ascii(o, u);
        return;
    }
    char b[4];
    if (u < 0x800) {
        b[0] = (char)(0xC0 | u >> 6);
        b[1] = (char)(0x80 | (u & 0x3f));
        b[2] = 0;
    } else {
        b[0] = (char)(0xE0 | u >> 12);
        b[1] = (char)(0x80 | ((u >> 6) & 0x3f));
        b[2] = (char)(0x80 | (u & 0x3f));
        b[3] = 0;
    }
    if (o->n + strlen(b) <= MAX_NAME) /* never a cut sequence */
        put(o, b);
}

static void render_ansi(const script *s, size_t at, out_buf *o)
{
    const uint8_t *h = s->h;
    for (size_t i = at; i < s->str_end && h[i] != 0 && o->n < MAX_NAME; i++) {
        int code = ansi_code(s, h[i]);
        if (code == CODE_SKIP) {
            if (++i >= s->str_end || h[i] == 0)
                break;
            put_ascii(o, h[i]);
        } else if (code != CODE_NONE) {
            if (i + 2 >= s->str_end)
                break;
            put_code(o, code, param(h[i + 1], h[i + 2]));
            i += 2;
        } else {
            put_ascii(o, h[i]);
        }
    }
}

static unsigned le16_at(const script *s, size_t i)
{
    return (unsigned)s->h[i] | (unsigned)s->h[i + 1] << 8;
}

static void render_wide(const script *s, size_t at, out_buf *o)
{
    for (size_t i = at; i + 1 < s->str_end && o->n < MAX_NAME; i += 2) {
        unsigned u = le16_at(s, i);
        if (u == 0)
            break;
        int code = wide_code(u);
        if (code == CODE_NONE) {
            put_utf8(o, u);
            continue;
        }
        if (i + 3 >= s->str_end)
            break;
        i += 2;
        unsigned p = le16_at(s, i);
        if (code == CODE_SKIP)
            put_utf8(o, p);
        else
            put_code(o, code, param(p & 0xff, p >> 8));
    }
}

/* String idx rendered into o (o->n = 0 when idx is out of the table). */
static void render(const script *s, uint32_t idx, out_buf *o)
{
    o->n = 0;
    uint64_t at = s->str_off + (uint64_t)idx * (s->unicode ? 2 : 1);
    if (at < s->str_end) {
        if (s->unicode)
            render_wide(s, (size_t)at, o);
        else
            render_ansi(s, (size_t)at, o);
    }
    o->s[o->n] = '\0';
}

/* UTF-16 strings of mostly ASCII text have a zero high byte in most units;
 * ANSI strings have a zero only at each string's end. */
static int looks_unicode(const script *s)
{
    size_t units = 0, zero_hi = 0;
    for (size_t i = s->str_off; i + 1 < s->str_end && units < 512; i += 2, units++)
        zero_hi += s->h[i + 1] == 0;
    return units >= 2 && zero_hi * 4 > units * 3;
}

/* NSIS 3 ANSI marks variables with bytes 1-4, which NSIS 2 never writes;
 * NSIS 2 uses 252-255, which are also plain letters in NSIS 3. */
static int looks_nsis3_ansi(const script *s)
{
    size_t low = 0, high = 0;
    size_t end = s->str_end - s->str_off > 65536 ? s->str_off + 65536 : s->str_end;
    for (size_t i = s->str_off; i < end; i++) {
        low += s->h[i] >= 1 && s->h[i] <= 4;
        high += s->h[i] >= 252;
    }
    return low > high;
}

static int cmp_ent(const void *a, const void *b)
{
    const name_ent *x = a, *y = b;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Joins the output folder and a relative name as NSIS does. */
static void join(const char *dir, const char *name, char *dst)
{
    int absolute = name[0] == '$' || name[0] == '\\' || strchr(name, ':') != NULL;
    if (absolute || dir[0] == '\0')
        snprintf(dst, MAX_NAME + 1, "%s", name);
    else
        snprintf(dst, MAX_NAME + 1, "%.*s\\%s", MAX_NAME / 2, dir, name);
}

vg_error vgi_nsis_names_parse(const uint8_t *hdr, size_t len, unsigned max_names, nsis_names **out)
{
    *out = NULL;
    if (hdr == NULL || len < HDR_MIN || max_names == 0)
        return VG_OK;
    uint32_t ent_off = le32(hdr + 4 + 2 * 8), ent_num = le32(hdr + 4 + 2 * 8 + 4);
    uint32_t str_off = le32(hdr + 4 + 3 * 8), lang_off = le32(hdr + 4 + 4 * 8);
    if (ent_off < HDR_MIN || ent_off > len || ent_num > (len - ent_off) / ENTRY_SIZE ||
        str_off >= len)
        return VG_OK;
    script s = {hdr, len, str_off, len, 0, 0};
    if (lang_off > str_off && lang_off <= len)
        s.str_end = lang_off;
    s.unicode = looks_unicode(&s);
    s.nsis3_ansi = !s.unicode && looks_nsis3_ansi(&s);

    nsis_names *n = vg_calloc(1, sizeof *n);
    char *outdir = vg_malloc(MAX_NAME + 1), *name = vg_malloc(MAX_NAME + 1);
    char *full = vg_malloc(MAX_NAME + 1);
    vg_error err = VG_OK;
    if (n == NULL || outdir == NULL || name == NULL || full == NULL) {
        err = VG_ERR_NOMEM;
        goto done;
    }
    outdir[0] = '\0';
    size_t cap = 0;
    for (uint32_t i = 0; i < ent_num && n->n < max_names; i++) {
        const uint8_t *e = hdr + ent_off + (size_t)i * ENTRY_SIZE;
        uint32_t op = le32(e);
        if (op == OP_CREATEDIR && le32(e + 8) != 0) {
            out_buf o = {outdir, 0};
            render(&s, le32(e + 4), &o);
            continue;
        }
        if (op != OP_EXTRACTFILE || le32(e + 12) > INT32_MAX)
            continue;
        out_buf o = {name, 0};
        render(&s, le32(e + 8), &o);
        if (o.n == 0)
            continue;
        join(outdir, name, full);
        if (n->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            name_ent *ne = vg_realloc(n->ent, ncap * sizeof *ne);
            if (ne == NULL) {
                err = VG_ERR_NOMEM;
                goto done;
            }
            n->ent = ne;
            cap = ncap;
        }
        if ((n->ent[n->n].name = vg_strdup(full)) == NULL) {
            err = VG_ERR_NOMEM;
            goto done;
        }
        n->ent[n->n].pos = le32(e + 12);
        n->ent[n->n].seq = i;
        n->n++;
    }
    if (n->n > 0) {
        qsort(n->ent, n->n, sizeof *n->ent, cmp_ent);
        *out = n;
        n = NULL;
    }
done:
    vgi_nsis_names_free(n);
    vg_free(outdir);
    vg_free(name);
    vg_free(full);
    return err;
}

const char *vgi_nsis_names_find(const nsis_names *n, uint32_t pos)
{
    if (n == NULL)
        return NULL;
    size_t lo = 0, hi = n->n;
    while (lo < hi) { /* first entry with ent.pos >= pos */
        size_t mid = lo + (hi - lo) / 2;
        if (n->ent[mid].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n->n && n->ent[lo].pos == pos ? n->ent[lo].name : NULL;
}

void vgi_nsis_names_free(nsis_names *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->n; i++)
        vg_free(n->ent[i].name);
    vg_free(n->ent);
    vg_free(n);
}
