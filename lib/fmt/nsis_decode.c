/* The three codecs of an NSIS installer behind one pull interface.
 *
 *     deflate   raw (no zlib header): NSIS ships its own zlib and writes
 *               bare deflate; zlib's inflateInit2(-15) reads it.
 *     LZMA      5 property bytes (0x5D = lc3 lp0 pb2, then the u32
 *               dictionary size) and a raw LZMA1 stream, with or without
 *               an end marker: liblzma's raw decoder. Installers made by
 *               7-Zip's patched NSIS (4.38-9.08) put a byte before the
 *               properties: 1 when an x86 BCJ filter follows LZMA.
 *     bzip2     NSIS's copy of libbzip2 drops the "BZh" stream header, the
 *               48-bit block magics and every CRC: libbz2 cannot read it,
 *               so such streams are reported as unsupported.
 *
 * Input is read through vg_fmap_read() into a 64 KiB buffer, so a
 * file-backed map of any size is decoded in bounded memory, and the
 * decoder never holds a pointer into the map across calls. The codecs
 * allocate through vg_malloc() (failure injection reaches them too). */
#include "nsis_decode.h"

#include <lzma.h>
#include <string.h>
#include <zlib.h>

#include "../core/mem.h"

#define IN_BUF   ((size_t)64 << 10)
#define DICT_MIN 4096u

struct nsis_dec {
    vg_fmap *map;
    nsis_method m;
    int filter_flag;
    uint32_t dict_cap;
    uint64_t off, end; /* next byte to fetch from map, end of the stream */
    size_t in_pos, in_len;
    int done;
    vg_error err; /* sticky: returned once the bytes before it are out */
    z_stream z;
    int z_init;
    lzma_stream lz;
    int lz_init;
    uint8_t in[IN_BUF];
};

static void *lz_alloc(void *opaque, size_t nmemb, size_t size)
{
    (void)opaque;
    if (size != 0 && nmemb > SIZE_MAX / size)
        return NULL;
    return vg_malloc(nmemb * size);
}

static void lz_free(void *opaque, void *p)
{
    (void)opaque;
    vg_free(p);
}

static const lzma_allocator lz_allocator = {lz_alloc, lz_free, NULL};

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    return lz_alloc(opaque, items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    lz_free(opaque, p);
}

vg_error vgi_nsis_dec_new(vg_fmap *map, nsis_method m, int filter_flag, uint32_t dict_cap,
                          nsis_dec **out)
{
    *out = NULL;
    nsis_dec *d = vg_malloc(sizeof *d);
    if (d == NULL)
        return VG_ERR_NOMEM;
    memset(d, 0, offsetof(nsis_dec, in));
    d->map = map;
    d->m = m;
    d->filter_flag = filter_flag;
    d->dict_cap = dict_cap < DICT_MIN ? DICT_MIN : dict_cap;
    d->done = 1;
    lzma_stream init = LZMA_STREAM_INIT;
    d->lz = init;
    d->lz.allocator = &lz_allocator;
    *out = d;
    return VG_OK;
}

void vgi_nsis_dec_free(nsis_dec *d)
{
    if (d == NULL)
        return;
    if (d->z_init)
        inflateEnd(&d->z);
    if (d->lz_init)
        lzma_end(&d->lz);
    vg_free(d);
}

uint64_t vgi_nsis_dec_pos(const nsis_dec *d)
{
    return d->off - (d->in_len - d->in_pos);
}

/* Refills the input buffer once it is empty; 0 when the stream's input is
 * spent (or the map could not be read: the same as a cut). */
static int fill(nsis_dec *d)
{
    if (d->in_pos < d->in_len)
        return 1;
    if (d->off >= d->end)
        return 0;
    uint64_t left = d->end - d->off;
    size_t n = left < IN_BUF ? (size_t)left : IN_BUF;
    size_t got = vg_fmap_read(d->map, d->off, d->in, n);
    if (got == 0) {
        d->end = d->off;
        return 0;
    }
    d->off += got;
    d->in_pos = 0;
    d->in_len = got;
    return 1;
}

/* Copies exactly n raw stream bytes (LZMA's header) into dst. */
static int take(nsis_dec *d, uint8_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!fill(d))
            return 0;
        dst[i] = d->in[d->in_pos++];
    }
    return 1;
}

static vg_error start_lzma(nsis_dec *d)
{
    uint8_t flag = 0, props[5];
    if ((d->filter_flag && !take(d, &flag, 1)) || !take(d, props, sizeof props))
        return VG_ERR_TRUNCATED;
    if (flag > 1 || props[0] >= 9 * 5 * 5)
        return VG_ERR_MALFORMED;
    lzma_options_lzma opt;
    memset(&opt, 0, sizeof opt);
    if (lzma_lzma_preset(&opt, 0))
        return VG_ERR_MALFORMED;
    unsigned p = props[0];
    opt.lc = p % 9;
    p /= 9;
    opt.lp = p % 5;
    opt.pb = p / 5;
    if (opt.lc + opt.lp > LZMA_LCLP_MAX)
        return VG_ERR_UNSUPPORTED; /* valid LZMA1, but NSIS never writes it */
    /* The declared dictionary is attacker-chosen and allocated up front:
     * never more than the caller's cap (output beyond it is not decoded
     * anyway, the container's ratio limit stops first). */
    uint32_t dict = (uint32_t)props[1] | (uint32_t)props[2] << 8 | (uint32_t)props[3] << 16 |
                    (uint32_t)props[4] << 24;
    opt.dict_size = dict < DICT_MIN ? DICT_MIN : dict > d->dict_cap ? d->dict_cap : dict;
    lzma_filter filters[3];
    size_t i = 0;
    if (flag) {
        filters[i].id = LZMA_FILTER_X86;
        filters[i++].options = NULL;
    }
    filters[i].id = LZMA_FILTER_LZMA1;
    filters[i++].options = &opt;
    filters[i].id = LZMA_VLI_UNKNOWN;
    filters[i].options = NULL;
    lzma_ret r = lzma_raw_decoder(&d->lz, filters);
    if (r == LZMA_MEM_ERROR)
        return VG_ERR_NOMEM;
    if (r != LZMA_OK)
        return VG_ERR_MALFORMED;
    d->lz_init = 1;
    return VG_OK;
}

vg_error vgi_nsis_dec_start(nsis_dec *d, uint64_t off, uint64_t end)
{
    d->off = off;
    d->end = end < off ? off : end;
    d->in_pos = d->in_len = 0;
    d->done = 1;
    d->err = VG_OK;
    vg_error err = VG_OK;
    switch (d->m) {
    case NSIS_COPY:
        break;
    case NSIS_DEFLATE:
        if (!d->z_init) {
            memset(&d->z, 0, sizeof d->z);
            d->z.zalloc = z_alloc;
            d->z.zfree = z_free;
            int zr = inflateInit2(&d->z, -15);
            if (zr != Z_OK)
                return zr == Z_MEM_ERROR ? VG_ERR_NOMEM : VG_ERR_MALFORMED;
            d->z_init = 1;
        } else if (inflateReset(&d->z) != Z_OK) {
            return VG_ERR_MALFORMED;
        }
        break;
    case NSIS_LZMA:
        err = start_lzma(d);
        break;
    default:
        return VG_ERR_UNSUPPORTED;
    }
    if (err == VG_OK)
        d->done = 0;
    return err;
}

static void read_copy(nsis_dec *d, uint8_t *out, size_t n, size_t *got)
{
    size_t o = 0;
    while (o < n && fill(d)) {
        size_t k = d->in_len - d->in_pos < n - o ? d->in_len - d->in_pos : n - o;
        memcpy(out + o, d->in + d->in_pos, k);
        d->in_pos += k;
        o += k;
    }
    if (o == 0)
        d->done = 1;
    *got = o;
}

/* One codec call; returns how many bytes it made, sets done/err. */
static size_t step(nsis_dec *d, uint8_t *out, size_t n)
{
    int more = fill(d);
    size_t avail = d->in_len - d->in_pos;
    size_t made, used;
    if (d->m == NSIS_DEFLATE) {
        d->z.next_in = d->in + d->in_pos;
        d->z.avail_in = (uInt)avail;
        d->z.next_out = out;
        d->z.avail_out = (uInt)n;
        int r = inflate(&d->z, Z_NO_FLUSH);
        made = n - d->z.avail_out;
        used = avail - d->z.avail_in;
        if (r == Z_STREAM_END)
            d->done = 1;
        else if (r == Z_MEM_ERROR)
            d->err = VG_ERR_NOMEM;
        else if (r != Z_OK && r != Z_BUF_ERROR)
            d->err = VG_ERR_MALFORMED;
        else if (made == 0 && used == 0)
            d->err = more ? VG_ERR_MALFORMED : VG_ERR_TRUNCATED;
    } else {
        d->lz.next_in = d->in + d->in_pos;
        d->lz.avail_in = avail;
        d->lz.next_out = out;
        d->lz.avail_out = n;
        lzma_ret r = lzma_code(&d->lz, LZMA_RUN);
        made = n - d->lz.avail_out;
        used = avail - d->lz.avail_in;
        if (r == LZMA_STREAM_END)
            d->done = 1;
        else if (r == LZMA_MEM_ERROR)
            d->err = VG_ERR_NOMEM;
        else if (r != LZMA_OK && r != LZMA_BUF_ERROR)
            d->err = VG_ERR_MALFORMED;
        else if (made == 0 && used == 0) {
            /* NSIS often omits LZMA's end marker: the block's length ends it */
            if (more)
                d->err = VG_ERR_MALFORMED;
            else
                d->done = 1;
        }
    }
    d->in_pos += used;
    return made;
}

vg_error vgi_nsis_dec_read(nsis_dec *d, uint8_t *out, size_t n, size_t *got)
{
    *got = 0;
    if (n == 0)
        return VG_OK;
    if (d->m == NSIS_COPY && !d->done && d->err == VG_OK) {
        read_copy(d, out, n, got);
        return VG_OK;
    }
    size_t o = 0;
    while (o == 0 && !d->done && d->err == VG_OK)
        o = step(d, out, n > UINT32_MAX ? UINT32_MAX : n);
    *got = o;
    return o > 0 ? VG_OK : d->err;
}
