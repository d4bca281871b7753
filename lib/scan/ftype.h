/* File typing for signature target types (ClamAV's numbering). */
#ifndef VGI_SCAN_FTYPE_H
#define VGI_SCAN_FTYPE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/fmap.h>

/* Bit (1u << target) for every ClamAV target type the object satisfies;
 * bit 0 (any) is always set. */
uint32_t vgi_ftype_targets(vg_fmap *map);

/* 1 when p[0..n) holds an HTML tag (<html, <script, <a , <div, ...; any case). */
int vgi_has_html_tag(const uint8_t *p, size_t n);

#endif
