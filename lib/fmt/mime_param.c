/* Parameters of a header field value (see mime_hdr.h).
 *
 *     attachment; filename*0*=iso-8859-1'en'%A3rates; filename*1=".exe"
 *     attachment; filename*=UTF-8''clam%2Eexe
 *     attachment; filename="=?utf-8?B?Y2xhbS5leGU=?="
 *
 * all name a file. RFC 2231 forms win over the plain one when both are
 * present (the plain one is the fallback old readers see); sections are
 * put in order by number and joined while they are contiguous from 0.
 * Malformed pieces are taken literally: a lone '%' stays '%'. */
#include "mime_hdr.h"

#include <string.h>

#include "../core/b64.h"

#define MAX_SECTIONS 64

typedef struct pval {
    const char *v;
    size_t len;
    int quoted; /* the bytes are the inside of a quoted string */
    int ext;    /* "*": percent-encoded, maybe with charset'lang' first */
} pval;

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)lower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static void put(char *out, size_t *o, size_t cap, char c)
{
    if (*o + 1 < cap)
        out[(*o)++] = c;
}

/* Appends one value to out: unquoted, then percent-decoded for the
 * extended form, whose first section may start with charset'lang'. */
static void append(char *out, size_t *o, size_t cap, const pval *pv, int first)
{
    char tmp[1024];
    size_t t = 0;
    for (size_t i = 0; i < pv->len && t < sizeof tmp; i++) {
        char c = pv->v[i];
        if (pv->quoted && c == '\\' && i + 1 < pv->len)
            c = pv->v[++i];
        tmp[t++] = c;
    }
    size_t i = 0;
    if (pv->ext && first) {
        const char *q1 = memchr(tmp, '\'', t);
        const char *q2 = q1 ? memchr(q1 + 1, '\'', t - (size_t)(q1 + 1 - tmp)) : NULL;
        if (q2 != NULL)
            i = (size_t)(q2 + 1 - tmp);
    }
    for (; i < t; i++) {
        if (pv->ext && tmp[i] == '%' && i + 2 < t && hexval(tmp[i + 1]) >= 0 &&
            hexval(tmp[i + 2]) >= 0) {
            put(out, o, cap, (char)(hexval(tmp[i + 1]) << 4 | hexval(tmp[i + 2])));
            i += 2;
            continue;
        }
        put(out, o, cap, tmp[i]);
    }
}

/* Parses one "attr=value" at *pp; returns 0 at the end of the string. */
static int next_param(const char **pp, const char **attr, size_t *alen, pval *pv)
{
    const char *p = *pp;
    for (;;) {
        while (*p == ';' || is_blank(*p))
            p++;
        if (*p == '\0') {
            *pp = p;
            return 0;
        }
        const char *a = p;
        while (*p && *p != '=' && *p != ';')
            p++;
        size_t al = (size_t)(p - a);
        while (al > 0 && is_blank(a[al - 1]))
            al--;
        if (*p != '=')
            continue; /* "attr" without a value, or garbage: skip it */
        p++;
        while (is_blank(*p))
            p++;
        memset(pv, 0, sizeof *pv);
        if (*p == '"') {
            pv->v = ++p;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            pv->len = (size_t)(p - pv->v);
            pv->quoted = 1;
            while (*p && *p != ';')
                p++;
        } else {
            pv->v = p;
            while (*p && *p != ';')
                p++;
            pv->len = (size_t)(p - pv->v);
            while (pv->len > 0 && is_blank(pv->v[pv->len - 1]))
                pv->len--;
        }
        *attr = a;
        *alen = al;
        *pp = p;
        return 1;
    }
}

int vgi_mime_param(const char *value, const char *name, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    const char *p = strchr(value, ';');
    if (p == NULL)
        return 0;
    size_t nlen = strlen(name);
    pval plain = {0}, ext = {0}, sec[MAX_SECTIONS];
    memset(sec, 0, sizeof sec);
    const char *a;
    size_t alen;
    pval pv;
    while (next_param(&p, &a, &alen, &pv)) {
        if (alen < nlen)
            continue;
        int match = 1;
        for (size_t k = 0; match && k < nlen; k++)
            match = lower((unsigned char)a[k]) == lower((unsigned char)name[k]);
        if (!match)
            continue;
        if (alen == nlen) {
            if (plain.v == NULL)
                plain = pv;
            continue;
        }
        if (a[nlen] != '*')
            continue;
        if (alen == nlen + 1) {
            if (ext.v == NULL) {
                ext = pv;
                ext.ext = 1;
            }
            continue;
        }
        /* name*<n> or name*<n>*: a section */
        size_t k = nlen + 1, n = 0;
        while (k < alen && a[k] >= '0' && a[k] <= '9' && n < MAX_SECTIONS)
            n = n * 10 + (size_t)(a[k++] - '0');
        if (k == nlen + 1 || n >= MAX_SECTIONS)
            continue;
        int star = k + 1 == alen && a[k] == '*';
        if (k != alen && !star)
            continue;
        if (sec[n].v == NULL) {
            sec[n] = pv;
            sec[n].ext = star;
        }
    }
    size_t o = 0;
    if (sec[0].v != NULL) {
        for (size_t n = 0; n < MAX_SECTIONS && sec[n].v != NULL; n++)
            append(out, &o, cap, &sec[n], n == 0);
    } else if (ext.v != NULL) {
        append(out, &o, cap, &ext, 1);
    } else if (plain.v != NULL) {
        append(out, &o, cap, &plain, 0);
        out[o] = '\0';
        vgi_mime_decode_words(out);
        return 1;
    } else {
        return 0;
    }
    out[o] = '\0';
    return 1;
}

/* Decodes the encoded word at s ("=?charset?B?text?=") into out (cap
 * bytes; the text is never shorter than what it decodes to); returns the word's length, or 0 if s
 * is not one. */
static size_t decode_word(const char *s, char *out, size_t cap, size_t *olen)
{
    if (s[0] != '=' || s[1] != '?')
        return 0;
    const char *cs = s + 2;
    const char *q = strchr(cs, '?');
    if (q == NULL || q == cs || q - cs > 64)
        return 0;
    char enc = (char)lower((unsigned char)q[1]);
    if ((enc != 'b' && enc != 'q') || q[2] != '?')
        return 0;
    const char *text = q + 3;
    const char *end = strstr(text, "?=");
    if (end == NULL || (size_t)(end - text) > cap)
        return 0;
    for (const char *t = text; t < end; t++)
        if (is_blank(*t))
            return 0; /* encoded words hold no blanks */
    size_t o = 0;
    if (enc == 'b') {
        vgi_b64 st;
        vgi_b64_init(&st, 1);
        for (const char *t = text; t < end; t++) {
            uint8_t b[4];
            size_t n = vgi_b64_decode(&st, (const uint8_t *)t, 1, b);
            for (size_t k = 0; k < n; k++)
                out[o++] = (char)b[k];
        }
    } else {
        for (const char *t = text; t < end; t++) {
            if (*t == '_') {
                out[o++] = ' ';
            } else if (*t == '=' && t + 2 < end && hexval(t[1]) >= 0 && hexval(t[2]) >= 0) {
                out[o++] = (char)(hexval(t[1]) << 4 | hexval(t[2]));
                t += 2;
            } else {
                out[o++] = *t;
            }
        }
    }
    *olen = o;
    return (size_t)(end + 2 - s);
}

void vgi_mime_decode_words(char *s)
{
    size_t r = 0, w = 0, after_word = 0;
    int last_word = 0;
    char tmp[1024];
    while (s[r] != '\0') {
        size_t olen = 0;
        size_t wl = s[r] == '=' ? decode_word(s + r, tmp, sizeof tmp, &olen) : 0;
        if (wl > 0) {
            if (last_word)
                w = after_word; /* blanks between two words vanish */
            memcpy(s + w, tmp, olen);
            w += olen;
            r += wl;
            after_word = w;
            last_word = 1;
            continue;
        }
        if (!is_blank(s[r]))
            last_word = 0;
        s[w++] = s[r++];
    }
    s[w] = '\0';
}
