/* HTML character references: "&#65;" "&#x41;" "&lt;" "&Tab;" ...
 *
 * Decodes the text between '&' and ';' (without them) into at most 4 bytes:
 * numeric references as UTF-8 (one byte below 0x80), named ones from a
 * short table of the names markup and obfuscation actually use. */
#ifndef VGI_FMT_HTML_ENTITY_H
#define VGI_FMT_HTML_ENTITY_H

#include <stddef.h>
#include <stdint.h>

#define VGI_HTML_ENTITY_MAX 32

/* Bytes written to out, or -1 when name is no reference we know. */
int vgi_html_entity_decode(const char *name, size_t len, uint8_t out[4]);

#endif
