/* data: URIs (RFC 2397) in an HTML document, decoded as they stream by.
 *
 *     <a href="data:application/octet-stream;base64,TVqQAAMAAAAEAAAA//8AALgA...">
 *     background: url(data:image/png;name=x.png;base64,iVBORw0KGgo...)
 *     <iframe src="data:text/html,%3Cscript%3Ealert(1)%3C/script%3E">
 *
 * fmt_html.c feeds every character of the document after entity decoding
 * (text, attribute values, script) with its context, and says where a
 * value or block ends. A URI starts at "data:" after a non-alphanumeric;
 * its media type (at most DATAURI_TYPE_MAX characters) ends at ','; the
 * payload ends at a quote or ')', or, outside attribute values, at
 * whitespace or '<' '>'. Base64 payloads are decoded leniently (whitespace
 * and stray bytes skipped), others percent-decoded. Each payload becomes a
 * member named by the media type's name= parameter or "data-uri<N>". */
#ifndef VGI_FMT_HTML_DATAURI_H
#define VGI_FMT_HTML_DATAURI_H

#include "../core/b64.h"
#include "html_out.h"

#define DATAURI_TYPE_MAX 256

enum { HTML_CTX_TEXT, HTML_CTX_ATTR, HTML_CTX_SCRIPT };

typedef struct html_datauri {
    int state;
    unsigned match; /* characters of "data:" matched */
    int prev_alnum;
    char type[DATAURI_TYPE_MAX + 1];
    size_t type_len;
    int base64;
    vgi_b64 b64;
    int pct; /* 0, or 1/2 after '%' and one hex digit */
    uint8_t pct_hi;
    unsigned count;
    char name[80];
    html_out out;
} html_datauri;

void vgi_html_datauri_init(html_datauri *d);
void vgi_html_datauri_char(html_ctl *ctl, html_datauri *d, int ctx, uint8_t c);
/* A value, a script block or a text run ended: so does any URI in it. */
void vgi_html_datauri_boundary(html_ctl *ctl, html_datauri *d);
/* 1 while no "data:" is under way: then a byte other than 'd'/'D' only
 * changes whether the previous byte was alphanumeric, and a run of them
 * may be skipped with vgi_html_datauri_skipped(d, last byte of the run). */
int vgi_html_datauri_idle(const html_datauri *d);
void vgi_html_datauri_skipped(html_datauri *d, uint8_t last);
void vgi_html_datauri_discard(html_datauri *d);

#endif
