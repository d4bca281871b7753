/* Escaped string literals in scripts, decoded.
 *
 * Exploit pages hide their payload in literals a scanner cannot read raw:
 *
 *     var sc = unescape("%u9090%u9090%ue8fc%u0089...");    %uXXXX: 2 bytes, little-endian
 *     s = "\x4d\x5a\x90\x00" + "\u0003\101...";            JS escapes; '+' joins literals
 *     eval(String.fromCharCode(118,97,114,32,...));
 *     decodeURIComponent("%3Cscript%3E...");
 *
 * fmt_html.c feeds the characters of <script> blocks and on* attribute
 * values (entity-decoded). Every literal is decoded (JS escapes and %XX /
 * %uXXXX alike, wherever it is passed); one with at least SCRIPT_MIN_ESC
 * escapes and SCRIPT_MIN_LEN decoded bytes becomes a member "script<N>".
 * A literal is held in memory up to SCRIPT_LIT_BUF bytes: past that it is
 * streamed into its member when it has enough escapes, else given up
 * (plain text that long is not what this looks for). */
#ifndef VGI_FMT_HTML_SCRIPT_H
#define VGI_FMT_HTML_SCRIPT_H

#include "html_out.h"

#define SCRIPT_MIN_ESC 4
#define SCRIPT_MIN_LEN 16
#define SCRIPT_LIT_BUF 65536

typedef struct html_script {
    int state;
    uint8_t quote;
    int star;       /* block comment: last char was '*' */
    char ident[16]; /* the identifier before the current position */
    size_t ident_len;
    int ident_closed; /* whitespace followed it */
    int esc_kind;     /* 'x', 'u', '{', '0', '%', 'U' (%u) */
    unsigned esc_need, esc_got;
    uint32_t esc_val;
    uint8_t esc_raw[12];
    size_t esc_raw_len;
    uint32_t num; /* fromCharCode argument */
    unsigned num_digits;
    int num_hex;
    unsigned escapes;
    int give_up;
    unsigned count;
    size_t lit_len;
    html_out out;
    uint8_t lit[SCRIPT_LIT_BUF];
} html_script;

void vgi_html_script_init(html_script *s);
void vgi_html_script_char(html_ctl *ctl, html_script *s, uint8_t c);
/* A script block or event attribute ended (or began). */
void vgi_html_script_boundary(html_ctl *ctl, html_script *s);
void vgi_html_script_discard(html_script *s);

#endif
