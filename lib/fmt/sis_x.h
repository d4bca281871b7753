/* Symbian 9 SIS files ("SISX", UID1 10201A7A): see sis_x.c. */
#ifndef VGI_FMT_SIS_X_H
#define VGI_FMT_SIS_X_H

#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

/* 1 when p[0..n) (n >= 20) starts a Symbian 9 SIS file. */
int vgi_sisx_probe(const uint8_t *p, size_t n);

/* Emits every file of the SIS file in map. */
vg_error vgi_sisx_parse(vgi_scan_ctx *ctx, vg_fmap *map);

#endif
