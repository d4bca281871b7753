/* Shared by the fmt_zip_legacy tests (test_fmt_zip_legacy.c: the handler in
 * zips; test_zip_legacy_decoders.c: inflate64 and explode on their own):
 * the payload and its signature, the decoder runners, an LSB-first bit
 * writer, an implode encoder that follows the APPNOTE literally, fixed-code
 * Deflate64 streams, zips written byte by byte, and 7-Zip/zlib helpers. */
#ifndef VG_TEST_ZIP_LEGACY_BUILD_H
#define VG_TEST_ZIP_LEGACY_BUILD_H
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include "testutil.h"
#include "core/mem.h"
#include "fmt_testbuf.h"
#include "fmt/explode.h"
#include "fmt/inflate64.h"

#define SIG_NAME "Vigil.Test.ZipLegacy"
#define CLAM_DIR "/usr/share/clamav-testfiles"
#define CLAM_SIG                                                                                   \
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"
#define PAYLOAD_LEN 3000

static uint8_t payload[PAYLOAD_LEN];
static char sigs[256];

/* ---- buffers, randomness, checksums ---- */

typedef tbuf buf;

/* Little-endian fields: widths is one digit (2 or 4) per unsigned argument. */
static inline void pack(buf *b, const char *widths, ...)
{
    va_list ap;
    va_start(ap, widths);
    for (; *widths; widths++) {
        unsigned v = va_arg(ap, unsigned);
        uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
        tb_put(b, x, (size_t)(*widths - '0'));
    }
    va_end(ap);
}

static uint64_t rng = 88172645463325252ull;

static inline uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static inline void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

/* Text-like data with repeats near and far (up to 60 KiB back). */
static inline void fill_repetitive(uint8_t *p, size_t n)
{
    static const char *words[] = {"scan ", "vigil ", "zip ", "member ", "\n", "deflate64 "};
    for (size_t i = 0; i < n;) {
        if (i > 70000 && rnd() % 8 == 0) {
            size_t back = 33000 + rnd() % 30000, len = 20 + rnd() % 400;
            for (size_t k = 0; k < len && i < n; k++, i++)
                p[i] = p[i - back];
        } else {
            const char *w = words[rnd() % 6];
            for (; *w && i < n; w++)
                p[i++] = (uint8_t)*w;
        }
    }
}

static inline uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

/* ---- running the decoders ---- */

typedef struct sinkbuf {
    buf b;
    size_t limit; /* VG_ERR_LIMIT once more would be kept; 0 = none */
} sinkbuf;

static inline vg_error collect(void *ud, const uint8_t *d, size_t n)
{
    sinkbuf *s = ud;
    if (s->limit != 0 && s->b.n + n > s->limit)
        return VG_ERR_LIMIT;
    tb_put(&s->b, d, n);
    return VG_OK;
}

static inline vg_error run_inflate(const uint8_t *in, size_t n, unsigned flags, sinkbuf *s,
                                   uint64_t *used)
{
    vg_fmap *m = NULL;
    assert_int_equal(vg_fmap_open_mem(in, n, &m), VG_OK);
    vg_error err = vgi_inflate64(m, 0, n, flags, collect, s, used);
    vg_fmap_close(m);
    return err;
}

static inline vg_error run_explode(const uint8_t *in, size_t n, unsigned flags, uint64_t usize,
                                   sinkbuf *s)
{
    vg_fmap *m = NULL;
    assert_int_equal(vg_fmap_open_mem(in, n, &m), VG_OK);
    vg_error err = vgi_explode(m, 0, n, flags, usize, collect, s);
    vg_fmap_close(m);
    return err;
}

/* ---- bit writer: LSB first; Huffman and Shannon-Fano codes MSB first ---- */

typedef struct bitw {
    buf b;
    unsigned acc, n;
} bitw;

static inline void bw_bit(bitw *w, unsigned bit)
{
    w->acc |= (bit & 1) << w->n;
    if (++w->n == 8) {
        uint8_t c = (uint8_t)w->acc;
        tb_put(&w->b, &c, 1);
        w->acc = w->n = 0;
    }
}

static inline void bw_bits(bitw *w, uint32_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        bw_bit(w, v >> i);
}

static inline void bw_code(bitw *w, uint32_t code, unsigned len)
{
    for (unsigned i = len; i-- > 0;)
        bw_bit(w, code >> i);
}

static inline buf bw_done(bitw *w)
{
    if (w->n > 0)
        bw_bits(w, 0, 8 - w->n);
    return w->b;
}

/* ---- an implode encoder, straight from the APPNOTE ---- */

/* APPNOTE steps 1-2: stable sort by length, codes from the last entry up.
 * codes[i] holds the lens[i] significant bits, MSB first. */
static inline void sf_codes(const uint8_t *lens, unsigned n, uint16_t *codes)
{
    unsigned order[256];
    for (unsigned i = 0; i < n; i++) {
        unsigned j = i;
        for (; j > 0 && lens[order[j - 1]] > lens[i]; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    uint32_t code = 0, inc = 0;
    unsigned last = 0;
    for (unsigned i = n; i-- > 0;) {
        code += inc;
        if (lens[order[i]] != last) {
            last = lens[order[i]];
            inc = 1u << (16 - last);
        }
        codes[order[i]] = (uint16_t)(code >> (16 - last));
    }
}

static inline void sf_write_tree(bitw *w, const uint8_t *lens, unsigned n)
{
    uint8_t bytes[256];
    unsigned nb = 0;
    for (unsigned i = 0; i < n;) {
        unsigned run = 1;
        while (i + run < n && run < 16 && lens[i + run] == lens[i])
            run++;
        bytes[nb++] = (uint8_t)((run - 1) << 4 | (lens[i] - 1));
        i += run;
    }
    bw_bits(w, nb - 1, 8);
    for (unsigned i = 0; i < nb; i++)
        bw_bits(w, bytes[i], 8);
}

/* A complete 64-symbol code with lengths 2..8, scattered over the symbols. */
static inline void lens64(uint8_t *lens)
{
    for (unsigned i = 0; i < 64; i++) {
        unsigned k = (i * 37) % 64; /* a permutation: lengths scattered over symbols */
        lens[i] = k < 2 ? 2 : k < 6 ? 4 : k < 12 ? 7 : 8; /* 2/4 + 4/16 + 6/128 + 52/256 = 1 */
    }
}

static inline buf implode(const uint8_t *d, size_t n, unsigned flags)
{
    int literals = (flags & VGI_EXPLODE_LITERALS) != 0;
    unsigned lowb = (flags & VGI_EXPLODE_8K) ? 7 : 6, wsize = 1u << (lowb + 6);
    size_t minm = literals ? 3 : 2, maxm = minm + 63 + 255;
    uint8_t llit[256], llen[64], ldist[64];
    uint16_t clit[256], clen[64], cdist[64];
    for (unsigned i = 0; i < 256; i++)
        llit[i] = i % 4 == 0 ? 7 : i % 4 == 1 ? 8 : 9; /* 64/128 + 64/256 + 128/512 = 1 */
    lens64(llen);
    lens64(ldist);
    sf_codes(llit, 256, clit);
    sf_codes(llen, 64, clen);
    sf_codes(ldist, 64, cdist);
    bitw w = {0};
    if (literals)
        sf_write_tree(&w, llit, 256);
    sf_write_tree(&w, llen, 64);
    sf_write_tree(&w, ldist, 64);

    int *head = malloc(4096 * sizeof *head), *prev = malloc((n + 1) * sizeof *prev);
    assert_true(head && prev);
    memset(head, 0xFF, 4096 * sizeof *head);
    for (size_t pos = 0, inserted = 0; pos < n;) {
        size_t best = 0, back = 0;
        if (pos == 0) { /* a leading run of zeros: copy from before the start */
            while (best < n && best < maxm && d[best] == 0)
                best++;
            back = 1;
        }
        for (; inserted + 2 < n && inserted <= pos; inserted++) {
            unsigned h = (d[inserted] * 33u * 33u + d[inserted + 1] * 33u + d[inserted + 2]) & 4095;
            prev[inserted] = head[h];
            head[h] = (int)inserted;
        }
        int cand = pos + 2 < n ? prev[pos] : -1;
        for (int tries = 0; cand >= 0 && tries < 64; cand = prev[cand], tries++) {
            if (pos - (size_t)cand > wsize)
                break;
            size_t len = 0;
            while (pos + len < n && len < maxm && d[cand + len] == d[pos + len])
                len++;
            if (len > best) {
                best = len;
                back = pos - (size_t)cand;
            }
        }
        if (best >= minm) {
            size_t dd = back - 1, l = best - minm;
            bw_bit(&w, 0);
            bw_bits(&w, (uint32_t)(dd & ((1u << lowb) - 1)), lowb);
            bw_code(&w, cdist[dd >> lowb], ldist[dd >> lowb]);
            bw_code(&w, clen[l < 63 ? l : 63], llen[l < 63 ? l : 63]);
            if (l >= 63)
                bw_bits(&w, (uint32_t)(l - 63), 8);
            pos += best;
        } else {
            bw_bit(&w, 1);
            if (literals)
                bw_code(&w, clit[d[pos]], llit[d[pos]]);
            else
                bw_bits(&w, d[pos], 8);
            pos++;
        }
    }
    free(head);
    free(prev);
    return bw_done(&w);
}

/* ---- hand-made Deflate64: fixed Huffman codes (RFC 1951 3.2.6) ---- */

static inline void fixed_lit(bitw *w, unsigned sym)
{
    if (sym < 144)
        bw_code(w, 0x30 + sym, 8);
    else if (sym < 256)
        bw_code(w, 0x190 + sym - 144, 9);
    else if (sym < 280)
        bw_code(w, sym - 256, 7);
    else
        bw_code(w, 0xC0 + sym - 280, 8);
}

/* The payload as literals in one fixed block: valid deflate and Deflate64. */
static inline buf literal_stream(const uint8_t *d, size_t n)
{
    bitw w = {0};
    bw_bits(&w, 1, 1);
    bw_bits(&w, 1, 2);
    for (size_t i = 0; i < n; i++)
        fixed_lit(&w, d[i]);
    fixed_lit(&w, 256);
    return bw_done(&w);
}

/* ---- zips written by hand ---- */

typedef struct zent {
    const char *name;
    unsigned method, flags;
    const uint8_t *data; /* compressed */
    size_t csize;
    const uint8_t *plain; /* for size and CRC */
    size_t usize;
    int descriptor;
} zent;

static inline buf make_zip(const zent *m, size_t nm, int with_cd)
{
    buf z = {0};
    unsigned offs[8];
    for (size_t i = 0; i < nm; i++) {
        unsigned crc = crc32_of(m[i].plain, m[i].usize), dd = m[i].descriptor;
        unsigned nlen = (unsigned)strlen(m[i].name);
        offs[i] = (unsigned)z.n;
        pack(&z, "4222444422", 0x04034b50u, 20u, m[i].flags | (dd ? 8u : 0u), m[i].method,
             0x210000u, dd ? 0 : crc, dd ? 0 : (unsigned)m[i].csize, dd ? 0 : (unsigned)m[i].usize,
             nlen, 0u);
        tb_put(&z, m[i].name, nlen);
        tb_put(&z, m[i].data, m[i].csize);
        if (dd)
            pack(&z, "4444", 0x08074b50u, crc, (unsigned)m[i].csize, (unsigned)m[i].usize);
    }
    if (!with_cd)
        return z;
    size_t cd = z.n;
    for (size_t i = 0; i < nm; i++) {
        unsigned nlen = (unsigned)strlen(m[i].name);
        pack(&z, "4222244442222244", 0x02014b50u, 20u, 20u,
             m[i].flags | (m[i].descriptor ? 8u : 0u), m[i].method, 0x210000u,
             crc32_of(m[i].plain, m[i].usize), (unsigned)m[i].csize, (unsigned)m[i].usize, nlen, 0u,
             0u, 0u, 0u, 0u, offs[i]);
        tb_put(&z, m[i].name, nlen);
    }
    pack(&z, "42222442", 0x06054b50u, 0u, 0u, (unsigned)nm, (unsigned)nm, (unsigned)(z.n - cd),
         (unsigned)cd, 0u);
    return z;
}

/* ---- event checks ---- */

/* Our own error events start with "member", or mention the directory. */
static inline int our_errors(const vgt_events *ev, const char *needle)
{
    int n = 0;
    for (size_t i = 0; i < ev->n; i++)
        n += ev->ev[i].kind == VG_EVENT_ERROR && strstr(ev->ev[i].message, needle) != NULL;
    return n;
}

static inline int have_7z(void)
{
    return system("command -v 7z >/dev/null 2>&1") == 0;
}

/* Runs a shell command in a fresh scratch directory; returns the zip read. */
static inline uint8_t *sh_zip(const char *cmd, size_t *len)
{
    char dir[512], line[2048];
    snprintf(dir, sizeof dir, "%s/zl-%d", VG_TEST_TMP, (int)getpid());
    int k =
        snprintf(line, sizeof line, "rm -rf '%s' && mkdir -p '%s' && cd '%s' && %s >/dev/null 2>&1",
                 dir, dir, dir, cmd);
    assert_true(k > 0 && (size_t)k < sizeof line);
    assert_int_equal(system(line), 0);
    snprintf(line, sizeof line, "%s/out.zip", dir);
    uint8_t *z = vgt_read_file(line, len);
    assert_non_null(z);
    snprintf(line, sizeof line, "rm -rf '%s'", dir);
    assert_int_equal(system(line), 0);
    return z;
}

static inline int setup_all(void **state)
{
    (void)state;
    fill_repetitive(payload, PAYLOAD_LEN);
    for (size_t i = 0; i < PAYLOAD_LEN; i += 7)
        payload[i] = (uint8_t)rnd(); /* every byte value, for the literal tree */
    vgt_hsb_line(payload, PAYLOAD_LEN, SIG_NAME, sigs, sizeof sigs);
    return 0;
}

#endif
