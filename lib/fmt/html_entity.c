/* HTML character references (see html_entity.h). Numeric references are
 * bounded to 8 digits, so "&#99999999999999;" cannot overflow; code points
 * past U+10FFFF and NUL become U+FFFD as browsers make them. */
#include "html_entity.h"

#include <string.h>

static const struct {
    const char *name;
    const char *text;
} named[] = {
    {"lt", "<"},     {"gt", ">"},     {"amp", "&"},      {"quot", "\""},  {"apos", "'"},
    {"nbsp", " "},   {"Tab", "\t"},   {"NewLine", "\n"}, {"colon", ":"},  {"sol", "/"},
    {"lpar", "("},   {"rpar", ")"},   {"comma", ","},    {"period", "."}, {"semi", ";"},
    {"equals", "="}, {"plus", "+"},   {"percnt", "%"},   {"num", "#"},    {"excl", "!"},
    {"quest", "?"},  {"commat", "@"}, {"lsqb", "["},     {"rsqb", "]"},   {"lbrace", "{"},
    {"rbrace", "}"}, {"bsol", "\\"},  {"dollar", "$"},   {"ast", "*"},    {"lowbar", "_"},
    {"hyphen", "-"}, {"LT", "<"},     {"GT", ">"},       {"AMP", "&"},    {"QUOT", "\""},
    {"grave", "`"},  {"Hat", "^"},    {"verbar", "|"},   {"tilde", "~"},
};

static int utf8(uint32_t v, uint8_t out[4])
{
    if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        v = 0xfffd;
    if (v < 0x80) {
        out[0] = (uint8_t)v;
        return 1;
    }
    if (v < 0x800) {
        out[0] = (uint8_t)(0xc0 | v >> 6);
        out[1] = (uint8_t)(0x80 | (v & 0x3f));
        return 2;
    }
    if (v < 0x10000) {
        out[0] = (uint8_t)(0xe0 | v >> 12);
        out[1] = (uint8_t)(0x80 | ((v >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (v & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | v >> 18);
    out[1] = (uint8_t)(0x80 | ((v >> 12) & 0x3f));
    out[2] = (uint8_t)(0x80 | ((v >> 6) & 0x3f));
    out[3] = (uint8_t)(0x80 | (v & 0x3f));
    return 4;
}

int vgi_html_entity_decode(const char *name, size_t len, uint8_t out[4])
{
    if (len >= 2 && name[0] == '#') {
        int hex = name[1] == 'x' || name[1] == 'X';
        size_t i = hex ? 2 : 1;
        uint32_t v = 0;
        size_t digits = 0;
        for (; i < len; i++, digits++) {
            char c = name[i];
            int d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'))
                d = (c | 0x20) - 'a' + 10;
            else
                return -1;
            v = v * (hex ? 16 : 10) + (uint32_t)d;
            if (v > 0x10ffff)
                v = 0x110000; /* saturate: any number of digits, no overflow */
        }
        if (digits == 0)
            return -1;
        return utf8(v, out);
    }
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strlen(named[i].name) == len && memcmp(named[i].name, name, len) == 0) {
            out[0] = (uint8_t)named[i].text[0];
            return 1;
        }
    return -1;
}
