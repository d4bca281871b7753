/* PowerPoint 97-2003 (MS-PPT): embedded objects inside the record stream. */
#ifndef VGI_FMT_OLE2_PPT_H
#define VGI_FMT_OLE2_PPT_H

#include "ole2_cfb.h"

/* Walks the records of a "PowerPoint Document" stream (path names it) and
 * emits every ExOleObjStg body, inflated when it is compressed, named
 * "<path>/ExOleObjStg@<offset>". buf (cap >= 2 * 4096 bytes) is scratch.
 * Returns VG_ERR_ABORTED, VG_ERR_NOMEM or VG_ERR_LIMIT when nothing more
 * should be emitted (as vgi_ole2_emit()), else VG_OK. */
vg_error vgi_ole2_ppt(vgi_ole2_stream *st, const char *path, uint8_t *buf, size_t cap);

#endif
