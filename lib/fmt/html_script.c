/* Escaped script literals (see html_script.h).
 *
 * A small JavaScript lexer, just enough to know when a quote opens a
 * string: comments are skipped, a raw newline ends a '...' or "..." literal
 * (so a quote misread inside a regular expression costs one line at most),
 * and "a" + "b" joins literals into one member as the script would.
 *
 * How escapes become bytes: \xHH, octal \101 and %HH give one byte; \uHHHH
 * and \u{...} give one byte below 0x100 (text written as escapes reads as
 * text), else UTF-16LE; %uHHHH always gives its two bytes little-endian,
 * as unescape() lays a heap-spray string out in memory; fromCharCode
 * arguments are treated like \u. An escape that does not parse is kept as
 * it was written. */
#include "html_script.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum {
    N_CODE,
    N_SLASH,
    N_LCOMMENT,
    N_BCOMMENT,
    L_LIT,
    L_ESC,
    L_NUM,
    L_AFTER,
    L_PLUS,
    F_ARGS,
};

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_ident(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' ||
           c == '$';
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void vgi_html_script_init(html_script *s)
{
    memset(s, 0, offsetof(html_script, lit));
}

static void lit_start(html_script *s)
{
    s->escapes = 0;
    s->lit_len = 0;
    s->give_up = 0;
}

static void lit_byte(html_ctl *ctl, html_script *s, uint8_t b)
{
    if (s->give_up)
        return;
    if (vgi_html_out_open(&s->out)) {
        vgi_html_out_putc(ctl, &s->out, b);
        return;
    }
    s->lit[s->lit_len++] = b;
    if (s->lit_len < SCRIPT_LIT_BUF)
        return;
    /* A long literal: stream it when it is escaped enough, else drop it. */
    if (s->escapes >= SCRIPT_MIN_ESC && vgi_html_out_begin(ctl, &s->out))
        vgi_html_out_put(ctl, &s->out, s->lit, s->lit_len);
    else
        s->give_up = 1;
    s->lit_len = 0;
}

static void lit_wide(html_ctl *ctl, html_script *s, uint32_t v, int force16)
{
    if (v < 0x100 && !force16) {
        lit_byte(ctl, s, (uint8_t)v);
        return;
    }
    if (v >= 0x10000 && v <= 0x10ffff) { /* a surrogate pair */
        v -= 0x10000;
        lit_wide(ctl, s, 0xd800 + (v >> 10), 1);
        v = 0xdc00 + (v & 0x3ff);
    }
    lit_byte(ctl, s, (uint8_t)v);
    lit_byte(ctl, s, (uint8_t)(v >> 8));
}

static void lit_end(html_ctl *ctl, html_script *s)
{
    char name[32];
    if (vgi_html_out_open(&s->out)) {
        snprintf(name, sizeof name, "script%u", ++s->count);
        vgi_html_out_end(ctl, &s->out, name);
    } else if (!s->give_up && s->escapes >= SCRIPT_MIN_ESC && s->lit_len >= SCRIPT_MIN_LEN &&
               vgi_html_out_begin(ctl, &s->out)) {
        vgi_html_out_put(ctl, &s->out, s->lit, s->lit_len);
        snprintf(name, sizeof name, "script%u", ++s->count);
        vgi_html_out_end(ctl, &s->out, name);
    }
    lit_start(s);
}

static void esc_begin(html_script *s, int kind, unsigned need)
{
    s->esc_kind = kind;
    s->esc_need = need;
    s->esc_got = 0;
    s->esc_val = 0;
    s->esc_raw_len = 0;
    s->state = L_NUM;
}

static void esc_value(html_ctl *ctl, html_script *s)
{
    s->escapes++;
    s->state = L_LIT;
    switch (s->esc_kind) {
    case 'x':
    case '0':
    case '%':
        lit_byte(ctl, s, (uint8_t)s->esc_val);
        break;
    case 'U':
        lit_wide(ctl, s, s->esc_val, 1);
        break;
    default:
        lit_wide(ctl, s, s->esc_val, 0);
        break;
    }
}

/* Not an escape after all: the characters stay as written. */
static void esc_fail(html_ctl *ctl, html_script *s)
{
    if (s->esc_kind == '%' || s->esc_kind == 'U')
        lit_byte(ctl, s, '%');
    for (size_t i = 0; i < s->esc_raw_len; i++)
        lit_byte(ctl, s, s->esc_raw[i]);
    s->state = L_LIT;
}

/* One character of an escape's digits; 0 when c must be read again. */
static int esc_char(html_ctl *ctl, html_script *s, uint8_t c)
{
    int v = hexval(c);
    if (s->esc_kind == '0') {
        if (c >= '0' && c <= '7' && s->esc_val * 8 + (unsigned)(c - '0') <= 0xff) {
            s->esc_val = s->esc_val * 8 + (unsigned)(c - '0');
            if (++s->esc_got == 3)
                esc_value(ctl, s);
            return 1;
        }
        esc_value(ctl, s);
        return 0;
    }
    if (s->esc_kind == '%' && s->esc_got == 0 && s->esc_raw_len == 0 && (c | 0x20) == 'u') {
        s->esc_kind = 'U';
        s->esc_need = 4;
        s->esc_raw[s->esc_raw_len++] = c;
        return 1;
    }
    if (s->esc_kind == 'u' && s->esc_got == 0 && c == '{') {
        s->esc_kind = '{';
        s->esc_need = 6;
        s->esc_raw[s->esc_raw_len++] = c;
        return 1;
    }
    if (s->esc_kind == '{' && c == '}' && s->esc_got > 0) {
        esc_value(ctl, s);
        return 1;
    }
    if (v < 0 || s->esc_got >= s->esc_need) {
        esc_fail(ctl, s);
        return 0;
    }
    s->esc_raw[s->esc_raw_len++] = c;
    s->esc_val = s->esc_val << 4 | (uint32_t)v;
    if (++s->esc_got == s->esc_need && s->esc_kind != '{')
        esc_value(ctl, s);
    return 1;
}

static void after_backslash(html_ctl *ctl, html_script *s, uint8_t c)
{
    s->state = L_LIT;
    switch (c) {
    case 'x':
        esc_begin(s, 'x', 2);
        s->esc_raw[s->esc_raw_len++] = c;
        return;
    case 'u':
        esc_begin(s, 'u', 4);
        s->esc_raw[s->esc_raw_len++] = c;
        return;
    case 'n':
        c = '\n';
        break;
    case 't':
        c = '\t';
        break;
    case 'r':
        c = '\r';
        break;
    case 'b':
        c = '\b';
        break;
    case 'f':
        c = '\f';
        break;
    case 'v':
        c = '\v';
        break;
    case '\r':
    case '\n':
        return; /* line continuation */
    default:
        if (c >= '0' && c <= '7') {
            esc_begin(s, '0', 3);
            s->esc_val = (uint32_t)(c - '0');
            s->esc_got = 1;
            return;
        }
        break;
    }
    lit_byte(ctl, s, c);
}

static void num_flush(html_ctl *ctl, html_script *s)
{
    if (s->num_digits > 0) {
        s->escapes++;
        lit_wide(ctl, s, s->num & 0xffff, 0);
    }
    s->num = 0;
    s->num_digits = 0;
    s->num_hex = 0;
}

/* fromCharCode(65, 0x42, ...): 0 when c must be read again as code. */
static int args_char(html_ctl *ctl, html_script *s, uint8_t c)
{
    int v = hexval(c);
    if (c == 'x' || c == 'X') {
        if (s->num_digits == 1 && s->num == 0 && !s->num_hex) {
            s->num_hex = 1;
            return 1;
        }
    } else if ((s->num_hex && v >= 0) || (c >= '0' && c <= '9')) {
        if (s->num_digits < 10) /* more digits would not fit, nor mean anything */
            s->num = s->num * (s->num_hex ? 16u : 10u) + (uint32_t)v;
        s->num_digits++;
        return 1;
    } else if (is_space(c)) {
        return 1;
    } else if (c == ',' && s->num_digits > 0) {
        num_flush(ctl, s);
        return 1;
    } else if (c == ')') {
        num_flush(ctl, s);
        lit_end(ctl, s);
        s->state = N_CODE;
        return 1;
    }
    num_flush(ctl, s);
    lit_end(ctl, s);
    s->state = N_CODE;
    return 0;
}

static void code_char(html_script *s, uint8_t c)
{
    if (is_ident(c)) {
        if (s->ident_closed)
            s->ident_len = 0;
        s->ident_closed = 0;
        if (s->ident_len < sizeof s->ident)
            s->ident[s->ident_len++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
        return;
    }
    if (is_space(c)) {
        s->ident_closed = s->ident_len > 0;
        return;
    }
    if (c == '(' && s->ident_len == 12 && memcmp(s->ident, "fromcharcode", 12) == 0) {
        lit_start(s);
        s->num = 0;
        s->num_digits = 0;
        s->num_hex = 0;
        s->state = F_ARGS;
    } else if (c == '"' || c == '\'' || c == '`') {
        lit_start(s);
        s->quote = c;
        s->state = L_LIT;
    } else if (c == '/') {
        s->state = N_SLASH;
    }
    s->ident_len = 0;
    s->ident_closed = 0;
}

void vgi_html_script_char(html_ctl *ctl, html_script *s, uint8_t c)
{
    for (;;) {
        switch (s->state) {
        case N_SLASH:
            s->state = c == '/' ? N_LCOMMENT : c == '*' ? N_BCOMMENT : N_CODE;
            if (s->state != N_CODE)
                return;
            continue;
        case N_LCOMMENT:
            if (c == '\n' || c == '\r')
                s->state = N_CODE;
            return;
        case N_BCOMMENT:
            if (s->star && c == '/')
                s->state = N_CODE;
            s->star = c == '*';
            return;
        case L_LIT:
            if (c == s->quote)
                s->state = L_AFTER;
            else if (c == '\\')
                s->state = L_ESC;
            else if (c == '%')
                esc_begin(s, '%', 2);
            else if ((c == '\n' || c == '\r') && s->quote != '`') {
                lit_end(ctl, s); /* unterminated: it was no literal */
                s->state = N_CODE;
            } else
                lit_byte(ctl, s, c);
            return;
        case L_ESC:
            after_backslash(ctl, s, c);
            return;
        case L_NUM:
            if (esc_char(ctl, s, c))
                return;
            continue; /* back in L_LIT */
        case L_AFTER:
        case L_PLUS:
            if (is_space(c))
                return;
            if (s->state == L_AFTER && c == '+') {
                s->state = L_PLUS;
                return;
            }
            if (s->state == L_PLUS && (c == '"' || c == '\'' || c == '`')) {
                s->quote = c; /* "a" + "b": the same literal goes on */
                s->state = L_LIT;
                return;
            }
            lit_end(ctl, s);
            s->state = N_CODE;
            continue;
        case F_ARGS:
            if (args_char(ctl, s, c))
                return;
            continue;
        default:
            code_char(s, c);
            return;
        }
    }
}

void vgi_html_script_boundary(html_ctl *ctl, html_script *s)
{
    if (s->state == L_NUM)
        esc_fail(ctl, s);
    if (s->state == F_ARGS)
        num_flush(ctl, s);
    if (s->state >= L_LIT)
        lit_end(ctl, s);
    s->state = N_CODE;
    s->ident_len = 0;
    s->ident_closed = 0;
    s->star = 0;
}

void vgi_html_script_discard(html_script *s)
{
    vgi_html_out_discard(&s->out);
}
