/* Plumbing shared by the filter stages (pdf_filter.c, pdf_lzw.c,
 * pdf_predict.c): each stage decodes what it is given and hands its
 * output to the next one with pdf_stage_emit(). */
#ifndef VGI_FMT_PDF_STAGE_H
#define VGI_FMT_PDF_STAGE_H

#include "pdf_filter.h"

typedef struct pdf_stage pdf_stage;
struct pdf_stage {
    vg_error (*write)(pdf_decoder *d, pdf_stage *s, const uint8_t *p, size_t n);
    vg_error (*finish)(pdf_decoder *d, pdf_stage *s); /* flush what is pending */
    void (*free)(pdf_stage *s);
    unsigned idx; /* position in the pipeline */
    int done;     /* end marker seen: later input is ignored */
};

/* Output of stage s, passed to the next stage or the sink. */
vg_error pdf_stage_emit(pdf_decoder *d, pdf_stage *s, const uint8_t *p, size_t n);

/* Records a data error (the first one is kept) and returns code
 * (VG_ERR_MALFORMED or VG_ERR_TRUNCATED). */
vg_error pdf_stage_fail(pdf_decoder *d, vg_error code, const char *msg);

pdf_stage *pdf_stage_lzw_new(const pdf_filter_spec *spec);
pdf_stage *pdf_stage_predict_new(const pdf_filter_spec *spec);

#endif
