/* Which ClamAV target types an object is, from its first bytes.
 *
 * An .ndb signature names the type it is meant for (1 PE, 6 ELF, 10 PDF...)
 * and must not fire on other objects. Typing looks at magic numbers in the
 * first kilobyte only; it decides whether a hit counts, never whether an
 * object is scanned. ClamAV normalizes HTML (3) and text (7) before
 * matching; vigil matches them on the raw bytes of objects that look like
 * HTML or text (documented in docs/signatures.md). */
#include "ftype.h"

#include <string.h>
#include <strings.h>

enum {
    T_ANY = 0,
    T_PE = 1,
    T_OLE2 = 2,
    T_HTML = 3,
    T_MAIL = 4,
    T_GRAPHICS = 5,
    T_ELF = 6,
    T_TEXT = 7,
    T_MACHO = 9,
    T_PDF = 10,
    T_FLASH = 11,
    T_JAVA = 12,
};

static int has_prefix(const uint8_t *p, size_t n, const char *magic, size_t mlen)
{
    return n >= mlen && memcmp(p, magic, mlen) == 0;
}

/* Typing and the HTML handler's probe run on every object, so tags are
 * looked for only where a '<' is, not at every position. */
int vgi_has_html_tag(const uint8_t *p, size_t n)
{
    static const char *const tags[] = {
        "<html", "<script", "<body",  "<a ",   "<iframe", "<!doctype html", "<meta",
        "<div",  "<img",    "<head",  "<form", "<object", "<embed",         "<style",
        "<svg",  "<title",  "<table", "<link", "<p>",     "<input",         "<applet",
    };
    const uint8_t *q = p, *end = p + n;
    while ((q = memchr(q, '<', (size_t)(end - q))) != NULL) {
        uint8_t c = q + 1 < end ? (uint8_t)(q[1] | 0x20) : 0;
        if ((c < 'a' || c > 'z') && c != '!') {
            q++; /* "<=", "<<", "< ": no tag starts so */
            continue;
        }
        for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
            size_t m = strlen(tags[i]);
            if ((size_t)(end - q) >= m && strncasecmp((const char *)q, tags[i], m) == 0)
                return 1;
        }
        q++;
    }
    return 0;
}

static int is_text(const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b)
            return 0;
        if (c == 0x7f)
            return 0;
    }
    return 1;
}

static int is_mail(const uint8_t *p, size_t n)
{
    static const char *const hdr[] = {
        "From ",         "From:",         "Received:",   "Return-Path:",
        "MIME-Version:", "Delivered-To:", "Message-ID:", "Subject:",
        "To:",           "Date:",         "X-"};
    for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++)
        if (n >= strlen(hdr[i]) && strncasecmp((const char *)p, hdr[i], strlen(hdr[i])) == 0)
            return 1;
    return 0;
}

uint32_t vgi_ftype_targets(vg_fmap *map)
{
    uint32_t t = 1u << T_ANY;
    uint64_t size = vg_fmap_size(map);
    size_t n = size < 1024 ? (size_t)size : 1024;
    const uint8_t *p = vg_fmap_need(map, 0, n);
    if (p == NULL || n < 4)
        return t;
    if (p[0] == 'M' && p[1] == 'Z' && n >= 0x40) {
        uint32_t lfanew =
            p[0x3c] | p[0x3d] << 8 | (uint32_t)p[0x3e] << 16 | (uint32_t)p[0x3f] << 24;
        const uint8_t *pe = lfanew < size - 4 ? vg_fmap_need(map, lfanew, 4) : NULL;
        if (pe && memcmp(pe, "PE\0\0", 4) == 0)
            t |= 1u << T_PE;
    }
    if (has_prefix(p, n, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
        t |= 1u << T_OLE2;
    if (has_prefix(p, n,
                   "\x7f"
                   "ELF",
                   4))
        t |= 1u << T_ELF;
    static const char *const macho[] = {"\xfe\xed\xfa\xce", "\xce\xfa\xed\xfe", "\xfe\xed\xfa\xcf",
                                        "\xcf\xfa\xed\xfe"};
    for (int i = 0; i < 4; i++)
        if (has_prefix(p, n, macho[i], 4))
            t |= 1u << T_MACHO;
    if (has_prefix(p, n, "\xca\xfe\xba\xbe", 4) && n >= 8) {
        /* Java classes and fat Mach-O share a magic: a class file's major
         * version is >= 45, a fat binary's architecture count is small. */
        unsigned v = (unsigned)p[6] << 8 | p[7];
        t |= 1u << (v >= 45 ? T_JAVA : T_MACHO);
    }
    if (memmem(p, n, "%PDF-", 5) != NULL)
        t |= 1u << T_PDF;
    if (n >= 3 &&
        (memcmp(p, "FWS", 3) == 0 || memcmp(p, "CWS", 3) == 0 || memcmp(p, "ZWS", 3) == 0))
        t |= 1u << T_FLASH;
    if (has_prefix(p, n, "GIF8", 4) || has_prefix(p, n, "\x89PNG", 4) ||
        has_prefix(p, n, "\xff\xd8\xff", 3) || has_prefix(p, n, "BM", 2) ||
        has_prefix(p, n, "II*\0", 4) || has_prefix(p, n, "MM\0*", 4) ||
        has_prefix(p, n, "\0\0\1\0", 4))
        t |= 1u << T_GRAPHICS;
    if (is_text(p, n)) {
        t |= 1u << T_TEXT;
        if (is_mail(p, n))
            t |= 1u << T_MAIL;
    }
    if (vgi_has_html_tag(p, n))
        t |= 1u << T_HTML | 1u << T_TEXT;
    return t;
}
