/* LZWDecode: 9- to 12-bit codes, most significant bit first.
 *
 *     codes 0-255 literal bytes, 256 clear the table, 257 end of data,
 *     258.. strings (a prefix code plus one byte) added one per code read
 *
 * With /EarlyChange 1 (the default) the code width grows one code early:
 * to 10 bits once the table reaches 511 entries instead of 512. The table
 * has 4096 fixed entries (prefix, last byte, length), so no input makes it
 * allocate more; once it is full, codes are read at 12 bits without adding
 * entries until a clear code, as lenient readers do. A string is written
 * back to front into a 4096-byte buffer: no entry is longer than the
 * table. A code beyond the next free entry is corrupt data. */
#include <string.h>

#include "../core/mem.h"
#include "pdf_stage.h"

#define LZW_CLEAR 256
#define LZW_EOD   257
#define LZW_FIRST 258
#define LZW_SIZE  4096

typedef struct lzw_stage {
    pdf_stage base;
    int early;
    unsigned width, next;
    int prev; /* previous code, -1 after a clear */
    uint32_t bits;
    unsigned nbits;
    uint16_t prefix[LZW_SIZE];
    uint8_t last[LZW_SIZE];
    uint8_t str[LZW_SIZE];
} lzw_stage;

static void lzw_reset(lzw_stage *z)
{
    z->width = 9;
    z->next = LZW_FIRST;
    z->prev = -1;
}

/* Writes the string of code into z->str; returns its start there. */
static size_t lzw_string(lzw_stage *z, unsigned code)
{
    size_t pos = LZW_SIZE;
    while (code >= LZW_FIRST && pos > 1) {
        z->str[--pos] = z->last[code];
        code = z->prefix[code];
    }
    z->str[--pos] = (uint8_t)code;
    return pos;
}

static vg_error lzw_code(pdf_decoder *d, lzw_stage *z, unsigned code)
{
    if (code == LZW_CLEAR) {
        lzw_reset(z);
        return VG_OK;
    }
    if (code == LZW_EOD) {
        z->base.done = 1;
        return VG_OK;
    }
    size_t pos;
    uint8_t head;
    if (z->prev < 0) {
        if (code > 255) {
            z->base.done = 1;
            return pdf_stage_fail(d, VG_ERR_MALFORMED, "LZW: first code is not a byte");
        }
        z->str[LZW_SIZE - 1] = (uint8_t)code;
        z->prev = (int)code;
        return pdf_stage_emit(d, &z->base, z->str + LZW_SIZE - 1, 1);
    }
    if (code < z->next) {
        pos = lzw_string(z, code);
        head = z->str[pos];
    } else if (code == z->next && z->next < LZW_SIZE) {
        /* KwKwK: the string of prev plus its own first byte */
        pos = lzw_string(z, (unsigned)z->prev);
        if (pos == 0) /* cannot happen: prefixes strictly decrease */
            return pdf_stage_fail(d, VG_ERR_MALFORMED, "LZW: string too long");
        pos--;
        head = z->str[pos + 1];
        memmove(z->str + pos, z->str + pos + 1, LZW_SIZE - 1 - pos);
        z->str[LZW_SIZE - 1] = head;
    } else {
        z->base.done = 1;
        return pdf_stage_fail(d, VG_ERR_MALFORMED, "LZW: code beyond the table");
    }
    if (z->next < LZW_SIZE) {
        z->prefix[z->next] = (uint16_t)z->prev;
        z->last[z->next] = head;
        z->next++;
        if (z->next + (unsigned)z->early >= (1u << z->width) && z->width < 12)
            z->width++;
    }
    z->prev = (int)code;
    return pdf_stage_emit(d, &z->base, z->str + pos, LZW_SIZE - pos);
}

static vg_error lzw_write(pdf_decoder *d, pdf_stage *s, const uint8_t *p, size_t n)
{
    lzw_stage *z = (lzw_stage *)s;
    for (size_t i = 0; i < n && !s->done; i++) {
        z->bits = z->bits << 8 | p[i];
        z->nbits += 8;
        while (z->nbits >= z->width && !s->done) {
            unsigned code = (z->bits >> (z->nbits - z->width)) & ((1u << z->width) - 1);
            z->nbits -= z->width;
            vg_error err = lzw_code(d, z, code);
            if (err != VG_OK)
                return err;
        }
        z->bits &= (1u << z->nbits) - 1;
    }
    return VG_OK;
}

static vg_error lzw_finish(pdf_decoder *d, pdf_stage *s)
{
    (void)d;
    (void)s;
    return VG_OK; /* a missing end-of-data code is common and harmless */
}

static void lzw_free(pdf_stage *s)
{
    (void)s;
}

pdf_stage *pdf_stage_lzw_new(const pdf_filter_spec *spec)
{
    lzw_stage *z = vg_calloc(1, sizeof *z);
    if (z == NULL)
        return NULL;
    z->base.write = lzw_write;
    z->base.finish = lzw_finish;
    z->base.free = lzw_free;
    z->early = spec->early_change ? 1 : 0;
    lzw_reset(z);
    return &z->base;
}
