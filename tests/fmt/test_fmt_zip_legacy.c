/* fmt_zip_legacy, inflate64 and explode.
 *
 * Inputs are made here: Deflate64 zips by 7-Zip (skipped when 7z is absent),
 * plain deflate streams by zlib (loaded with dlopen, so the library never
 * links it), and imploded streams by a small encoder below that follows the
 * APPNOTE literally, tree construction included, so that the decoder's
 * grouped representation of the trees is checked against the spec's own
 * algorithm in every mode (4K/8K, two/three trees). Zips around them are
 * written byte by byte. ClamAV's clam.d64.zip and clam.impl.zip, made by
 * real PKZIP-compatible writers, are scanned when clamav-testfiles is
 * installed. */
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
static void pack(buf *b, const char *widths, ...)
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

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

/* Text-like data with repeats near and far (up to 60 KiB back). */
static void fill_repetitive(uint8_t *p, size_t n)
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

static uint32_t crc32_of(const uint8_t *p, size_t n)
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

static vg_error collect(void *ud, const uint8_t *d, size_t n)
{
    sinkbuf *s = ud;
    if (s->limit != 0 && s->b.n + n > s->limit)
        return VG_ERR_LIMIT;
    tb_put(&s->b, d, n);
    return VG_OK;
}

static vg_error run_inflate(const uint8_t *in, size_t n, unsigned flags, sinkbuf *s, uint64_t *used)
{
    vg_fmap *m = NULL;
    assert_int_equal(vg_fmap_open_mem(in, n, &m), VG_OK);
    vg_error err = vgi_inflate64(m, 0, n, flags, collect, s, used);
    vg_fmap_close(m);
    return err;
}

static vg_error run_explode(const uint8_t *in, size_t n, unsigned flags, uint64_t usize, sinkbuf *s)
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

static void bw_bit(bitw *w, unsigned bit)
{
    w->acc |= (bit & 1) << w->n;
    if (++w->n == 8) {
        uint8_t c = (uint8_t)w->acc;
        tb_put(&w->b, &c, 1);
        w->acc = w->n = 0;
    }
}

static void bw_bits(bitw *w, uint32_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        bw_bit(w, v >> i);
}

static void bw_code(bitw *w, uint32_t code, unsigned len)
{
    for (unsigned i = len; i-- > 0;)
        bw_bit(w, code >> i);
}

static buf bw_done(bitw *w)
{
    if (w->n > 0)
        bw_bits(w, 0, 8 - w->n);
    return w->b;
}

/* ---- an implode encoder, straight from the APPNOTE ---- */

/* APPNOTE steps 1-2: stable sort by length, codes from the last entry up.
 * codes[i] holds the lens[i] significant bits, MSB first. */
static void sf_codes(const uint8_t *lens, unsigned n, uint16_t *codes)
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

static void sf_write_tree(bitw *w, const uint8_t *lens, unsigned n)
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
static void lens64(uint8_t *lens)
{
    for (unsigned i = 0; i < 64; i++) {
        unsigned k = (i * 37) % 64; /* a permutation: lengths scattered over symbols */
        lens[i] = k < 2 ? 2 : k < 6 ? 4 : k < 12 ? 7 : 8; /* 2/4 + 4/16 + 6/128 + 52/256 = 1 */
    }
}

static buf implode(const uint8_t *d, size_t n, unsigned flags)
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

static void fixed_lit(bitw *w, unsigned sym)
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
static buf literal_stream(const uint8_t *d, size_t n)
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

static buf make_zip(const zent *m, size_t nm, int with_cd)
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
static int our_errors(const vgt_events *ev, const char *needle)
{
    int n = 0;
    for (size_t i = 0; i < ev->n; i++)
        n += ev->ev[i].kind == VG_EVENT_ERROR && strstr(ev->ev[i].message, needle) != NULL;
    return n;
}

static int have_7z(void)
{
    return system("command -v 7z >/dev/null 2>&1") == 0;
}

/* Runs a shell command in a fresh scratch directory; returns the zip read. */
static uint8_t *sh_zip(const char *cmd, size_t *len)
{
    char dir[512], line[2048];
    snprintf(dir, sizeof dir, "%s/zl-%d", VG_TEST_TMP, (int)getpid());
    snprintf(line, sizeof line, "rm -rf '%s' && mkdir -p '%s' && cd '%s' && %s >/dev/null 2>&1",
             dir, dir, dir, cmd);
    assert_int_equal(system(line), 0);
    snprintf(line, sizeof line, "%s/out.zip", dir);
    uint8_t *z = vgt_read_file(line, len);
    assert_non_null(z);
    snprintf(line, sizeof line, "rm -rf '%s'", dir);
    assert_int_equal(system(line), 0);
    return z;
}

/* ---- tests ---- */

/* First, while the process is small: 200 MB of zeros stop at max_file_size
 * and peak memory stays far below what inflating it whole would take. */
static void test_bomb(void **state)
{
    (void)state;
    if (!have_7z())
        skip();
    size_t len;
    uint8_t *z = sh_zip("head -c 200M /dev/zero | 7z a -tzip -mm=Deflate64 -mx=1 -sizeros.bin "
                        "out.zip",
                        &len);
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 1u << 20;
    vg_engine *e = vgt_engine_limits("t.hsb", sigs, &lim);
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    vgt_events ev;
    vgt_scan_mem(e, z, len, 0, &ev);
    getrusage(RUSAGE_SELF, &after);
    assert_int_equal(ev.err, VG_OK);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    assert_true(after.ru_maxrss - before.ru_maxrss < 32 * 1024); /* KiB */

    /* The decoder itself stops at the sink's word, early in its input. */
    uint32_t data = 30u + z[26] + (z[27] << 8) + z[28] + (z[29] << 8);
    sinkbuf s = {.limit = 1u << 20};
    uint64_t used = 0;
    assert_int_equal(run_inflate(z + data, len - data, VGI_INFLATE_DEFLATE64, &s, &used),
                     VG_ERR_LIMIT);
    assert_true(s.b.n <= 1u << 20);
    assert_true(used < (len - data) / 10);
    free(s.b.p);
    vg_engine_unref(e);
    vg_free(z);
}

static void test_7z_deflate64(void **state)
{
    (void)state;
    if (!have_7z())
        skip();
    /* Repeats from up to 60 KiB back: only Deflate64 distances reach them. */
    size_t n = 200000;
    uint8_t *p = malloc(n);
    fill_repetitive(p, n);
    char sig[256], cmd[512];
    vgt_hsb_line(p, n, SIG_NAME, sig, sizeof sig);
    const char *path = vgt_write_tmp("zl-payload.exe", p, n);
    snprintf(cmd, sizeof cmd, "cp '%s' payload.exe && 7z a -tzip -mm=Deflate64 out.zip payload.exe",
             path);
    size_t len;
    uint8_t *z = sh_zip(cmd, &len);
    unlink(path);
    assert_int_equal(z[8], 9); /* method 9 in the local header */
    /* 7-Zip used what plain deflate lacks: our plain mode refuses it. */
    uint32_t data = 30u + z[26] + (z[27] << 8) + z[28] + (z[29] << 8);
    sinkbuf s = {0};
    assert_int_equal(run_inflate(z + data, len - data, VGI_INFLATE_PLAIN, &s, NULL),
                     VG_ERR_MALFORMED);
    free(s.b.p);
    vg_engine *e = vgt_engine("t.hsb", sig);
    vgt_events ev;
    vgt_scan_mem(e, z, len, 0, &ev);
    assert_detects(&ev, SIG_NAME);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//payload.exe");
    assert_int_equal(our_errors(&ev, "member"), 0);

    /* A wrong CRC in the directory is an error; the data is scanned anyway. */
    assert_true(len > 22 && memcmp(z + len - 22, "PK\5\6", 4) == 0);
    uint8_t *cd = z + (z[len - 6] | z[len - 5] << 8 | z[len - 4] << 16);
    assert_memory_equal(cd, "PK\1\2", 4);
    cd[16] ^= 0x55;
    vgt_scan_mem(e, z, len, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, SIG_NAME);
    assert_int_equal(our_errors(&ev, "CRC-32"), 1);
    vg_engine_unref(e);
    vg_free(z);
    free(p);
}

static void test_clamav_files(void **state)
{
    (void)state;
    if (access(CLAM_DIR "/clam.d64.zip", R_OK) != 0 || access(CLAM_DIR "/clam.impl.zip", R_OK) != 0)
        skip();
    vg_engine *e = vgt_engine("t.hsb", CLAM_SIG);
    vgt_events ev;
    vgt_scan_path(e, CLAM_DIR "/clam.d64.zip", 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_non_null(strstr(vgt_detection_chain(&ev, "ClamAV-Test-File"), "clam.d64.zip//clam.exe"));
    assert_int_equal(our_errors(&ev, "member"), 0);
    vgt_scan_path(e, CLAM_DIR "/clam.impl.zip", 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_non_null(
        strstr(vgt_detection_chain(&ev, "ClamAV-Test-File"), "clam.impl.zip//CLAM.EXE"));
    assert_int_equal(our_errors(&ev, "member"), 0);
    vg_engine_unref(e);
}

typedef int (*deflate_init_fn)(z_streamp, int, int, int, int, int, const char *, int);
typedef int (*deflate_fn)(z_streamp, int);
typedef int (*deflate_end_fn)(z_streamp);

static void test_inflate_vs_zlib(void **state)
{
    (void)state;
    void *lz = dlopen("libz.so.1", RTLD_NOW);
    if (lz == NULL)
        skip();
    deflate_init_fn init = (deflate_init_fn)dlsym(lz, "deflateInit2_");
    deflate_fn def = (deflate_fn)dlsym(lz, "deflate");
    deflate_end_fn end = (deflate_end_fn)dlsym(lz, "deflateEnd");
    assert_true(init && def && end);
    static const size_t sizes[] = {0, 1, 300, 70000, 400000};
    static const int levels[] = {0, 1, 6, 9};
    static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
                                     Z_FIXED};
    /* Every kind of data x size x level x strategy. */
    for (unsigned c = 0; c < 3 * 5 * 4 * 5; c++) {
        unsigned kind = c / 100, si = c / 20 % 5, li = c / 5 % 4, st = c % 5;
        size_t n = sizes[si], cap = 2 * n + 1024; /* fixed codes expand random data */
        uint8_t *in = malloc(n + 1), *out = malloc(cap);
        if (kind == 0)
            fill_random(in, n);
        else if (kind == 1)
            fill_repetitive(in, n);
        else
            memset(in, 'z', n);
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        assert_int_equal(
            init(&zs, levels[li], Z_DEFLATED, -15, 8, strategies[st], ZLIB_VERSION, (int)sizeof zs),
            Z_OK);
        zs.next_in = in;
        zs.avail_in = (uInt)n;
        zs.next_out = out;
        zs.avail_out = (uInt)cap;
        assert_int_equal(def(&zs, Z_FINISH), Z_STREAM_END);
        size_t clen = zs.total_out;
        end(&zs);
        sinkbuf s = {0};
        uint64_t used = 0;
        assert_int_equal(run_inflate(out, clen, VGI_INFLATE_PLAIN, &s, &used), VG_OK);
        assert_int_equal(s.b.n, n);
        assert_true(n == 0 || memcmp(s.b.p, in, n) == 0);
        assert_int_equal(used, clen);
        free(s.b.p);
        free(out);
        free(in);
    }
    dlclose(lz);
}

/* What 7-Zip does not write: length code 285 with 16 extra bits, and the
 * distance codes 30 and 31; plain deflate must refuse the latter. */
static void test_inflate64_long_codes(void **state)
{
    (void)state;
    size_t n = 65536;
    uint8_t *d = malloc(n);
    fill_random(d, n);
    bitw w = {0};
    for (int part = 0; part < 2; part++) { /* two stored blocks: 65535 + 1 bytes */
        size_t len = part == 0 ? 65535 : 1;
        bw_bits(&w, 0, 3);
        if (w.n > 0)
            bw_bits(&w, 0, 8 - w.n);
        bw_bits(&w, (uint32_t)len, 16);
        bw_bits(&w, (uint32_t)~len & 0xFFFF, 16);
        for (size_t i = 0; i < len; i++)
            bw_bits(&w, d[part * 65535 + i], 8);
    }
    bw_bits(&w, 1, 1);
    bw_bits(&w, 1, 2);
    fixed_lit(&w, 285);     /* length 3 + 65535 = 65538 */
    bw_bits(&w, 65535, 16); /* ... */
    bw_code(&w, 31, 5);     /* distance 49153 + 16383 = 65536 */
    bw_bits(&w, 16383, 14); /* ... */
    fixed_lit(&w, 285);     /* length 3 + 7 = 10 */
    bw_bits(&w, 7, 16);     /* ... */
    bw_code(&w, 30, 5);     /* distance 32769 + 100 */
    bw_bits(&w, 100, 14);   /* ... */
    fixed_lit(&w, 256);
    buf st = bw_done(&w);

    sinkbuf s = {0};
    assert_int_equal(run_inflate(st.p, st.n, VGI_INFLATE_DEFLATE64, &s, NULL), VG_OK);
    assert_int_equal(s.b.n, n + 65538 + 10);
    assert_memory_equal(s.b.p, d, n);
    for (size_t i = 0; i < 65538; i++) /* distance 65536 repeats the window */
        assert_int_equal(s.b.p[n + i], d[i % n]);
    assert_memory_equal(s.b.p + n + 65538, s.b.p + n + 65538 - 32869, 10);
    free(s.b.p);
    memset(&s, 0, sizeof s);
    assert_int_equal(run_inflate(st.p, st.n, VGI_INFLATE_PLAIN, &s, NULL), VG_ERR_MALFORMED);
    free(s.b.p);
    free(st.p);
    free(d);
}

static void test_explode_modes(void **state)
{
    (void)state;
    static const unsigned modes[] = {0, VGI_EXPLODE_8K, VGI_EXPLODE_LITERALS,
                                     VGI_EXPLODE_8K | VGI_EXPLODE_LITERALS};
    size_t n = 40000;
    uint8_t *d = malloc(n);
    for (int kind = 0; kind < 3; kind++) {
        if (kind == 0)
            fill_random(d, n);
        else if (kind == 1)
            fill_repetitive(d, n);
        else { /* zeros first: a match that reaches before the start */
            memset(d, 0, 1000);
            fill_repetitive(d + 1000, n - 1000);
        }
        for (int m = 0; m < 4; m++) {
            buf st = implode(d, n, modes[m]);
            sinkbuf s = {0};
            assert_int_equal(run_explode(st.p, st.n, modes[m], n, &s), VG_OK);
            assert_int_equal(s.b.n, n);
            assert_memory_equal(s.b.p, d, n);
            free(s.b.p);
            /* Every cut is truncated, never a crash, never success. */
            if (kind == 1 && st.n > 200)
                for (size_t cut = 0; cut < st.n; cut += cut < 600 ? 1 : 97) {
                    sinkbuf t = {0};
                    assert_int_equal(run_explode(st.p, cut, modes[m], n, &t), VG_ERR_TRUNCATED);
                    free(t.b.p);
                }
            free(st.p);
        }
    }
    /* Trees: a wrong symbol count, an over-full code, a prefix conflict. */
    static const uint8_t bad[][8] = {
        {0x00, 0xF5},                         /* 16 codes of 6 bits: not 64 symbols */
        {0x03, 0xF4, 0xF4, 0xF4, 0xF4},       /* 64 codes of 5 bits: too many */
        {0x04, 0xF6, 0xF6, 0xF6, 0xE6, 0x00}, /* 63 of 7 bits, then 1 bit: "0" is taken */
    };
    for (int i = 0; i < 3; i++) {
        sinkbuf s = {0};
        assert_int_equal(run_explode(bad[i], sizeof bad[i], 0, 10, &s), VG_ERR_MALFORMED);
        free(s.b.p);
    }
    free(d);
}

/* Hand-made zips: imploded (every mode) and Deflate64 members, names, CRC,
 * encryption, no directory, data descriptors, a directory listing nothing. */
static void test_handler(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigs);
    buf imp = implode(payload, PAYLOAD_LEN, VGI_EXPLODE_8K | VGI_EXPLODE_LITERALS);
    buf d64 = literal_stream(payload, PAYLOAD_LEN);
    zent m[2] = {
        {"A\x9a"
         "B.EXE",
         6, VGI_EXPLODE_8K | VGI_EXPLODE_LITERALS, imp.p, imp.n, payload, PAYLOAD_LEN, 0},
        {"d/b.bin", 9, 0, d64.p, d64.n, payload, PAYLOAD_LEN, 0},
    };
    vgt_events ev;
    buf z = make_zip(m, 2, 1);
    vgt_scan_mem(e, z.p, z.n, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//A\\x9aB.EXE");
    assert_int_equal(our_errors(&ev, "member"), 0);
    free(z.p);

    m[0].flags |= 1; /* encrypted: reported, skipped, the next one scanned */
    z = make_zip(m, 2, 1);
    vgt_scan_mem(e, z.p, z.n, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(our_errors(&ev, "encrypted member A\\x9a"), 1);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//d/b.bin");
    free(z.p);
    m[0].flags &= ~1u;

    for (int desc = 0; desc < 2; desc++) { /* no directory: the local headers */
        m[0].descriptor = m[1].descriptor = desc;
        z = make_zip(m, 2, 0);
        vgt_scan_mem(e, z.p, z.n, VG_SCAN_ALLMATCH, &ev);
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
        assert_int_equal(our_errors(&ev, "walking the local headers"), 1);
        assert_int_equal(our_errors(&ev, "member"), 0);
        free(z.p);
    }
    m[0].descriptor = m[1].descriptor = 0;

    /* A directory broken at its second entry: the rest from the local headers. */
    z = make_zip(m, 2, 1);
    uint8_t *cd2 = z.p + (z.p[z.n - 6] | z.p[z.n - 5] << 8) + 46 + strlen(m[0].name);
    assert_memory_equal(cd2, "PK\1\2", 4);
    cd2[2] = 9;
    vgt_scan_mem(e, z.p, z.n, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    assert_int_equal(our_errors(&ev, "directory is broken"), 1);
    free(z.p);

    /* The directory says deflate, the local header implode: libarchive goes
     * by the local header, and so do we. */
    z = make_zip(m, 1, 1);
    z.p[(z.p[z.n - 6] | z.p[z.n - 5] << 8) + 10] = 8;
    vgt_scan_mem(e, z.p, z.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//A\\x9aB.EXE");
    assert_int_equal(our_errors(&ev, "method 8 in the directory, 6 in the local"), 1);
    free(z.p);

    /* A directory listing nothing in front of a member. */
    z = make_zip(m + 1, 1, 0);
    static const uint8_t empty_end[22] = {'P', 'K', 5, 6};
    tb_put(&z, empty_end, sizeof empty_end);
    vgt_scan_mem(e, z.p, z.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//d/b.bin");
    free(z.p);

    /* No legacy member: not a word from us. */
    zent plain = {"p.txt", 0, 0, payload, PAYLOAD_LEN, payload, PAYLOAD_LEN, 0};
    z = make_zip(&plain, 1, 1);
    vgt_scan_mem(e, z.p, z.n, 0, &ev);
    assert_int_equal(our_errors(&ev, "member"), 0);
    assert_int_equal(our_errors(&ev, "directory"), 0);
    free(z.p);
    free(imp.p);
    free(d64.p);
    vg_engine_unref(e);
}

/* Every truncation and many bit flips of small zips: events, no crash. */
static void test_hostile(void **state)
{
    (void)state;
    char sig[256];
    vgt_hsb_line(payload, 600, SIG_NAME, sig, sizeof sig);
    vg_engine *e = vgt_engine("t.hsb", sig);
    buf imp = implode(payload, 600, VGI_EXPLODE_LITERALS);
    buf d64 = literal_stream(payload, 600);
    zent m[2] = {{"i.exe", 6, VGI_EXPLODE_LITERALS, imp.p, imp.n, payload, 600, 0},
                 {"d.exe", 9, 0, d64.p, d64.n, payload, 600, 0}};
    vgt_events ev;
    for (int which = 0; which < 2; which++) {
        buf z = make_zip(m + which, 1, 1);
        uint8_t *cut = malloc(z.n);
        for (size_t len = 0; len < z.n; len++) {
            memcpy(cut, z.p, len);
            vgt_scan_mem(e, cut, len, VG_SCAN_ALLMATCH, &ev);
            assert_int_equal(ev.err, VG_OK);
            if (len >= 4)
                assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) > 0);
        }
        for (int i = 0; i < 1500; i++) {
            memcpy(cut, z.p, z.n);
            for (int k = 1 + (int)(rnd() % 3); k > 0; k--)
                cut[rnd() % z.n] ^= (uint8_t)(1u << (rnd() % 8));
            vgt_scan_mem(e, cut, z.n, VG_SCAN_ALLMATCH, &ev);
            assert_int_equal(ev.err, VG_OK);
            /* A flip is noticed, or changed nothing that matters. Without its
             * magic at 0 the file is no zip for either handler. */
            if (memcmp(cut, "PK\3\4", 4) == 0)
                assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) > 0 ||
                            vgt_find_detection(&ev, SIG_NAME) >= 0);
        }
        free(cut);
        free(z.p);
    }
    /* The decoders alone on flipped streams, with no zip around them. */
    for (int i = 0; i < 3000; i++) {
        buf *src = i % 2 ? &imp : &d64;
        uint8_t *f = malloc(src->n);
        memcpy(f, src->p, src->n);
        f[rnd() % src->n] ^= (uint8_t)(1u << (rnd() % 8));
        sinkbuf s = {0};
        vg_error err = i % 2 ? run_explode(f, src->n, VGI_EXPLODE_LITERALS, 600, &s)
                             : run_inflate(f, src->n, VGI_INFLATE_DEFLATE64, &s, NULL);
        assert_true(err == VG_OK || err == VG_ERR_MALFORMED || err == VG_ERR_TRUNCATED);
        free(s.b.p);
        free(f);
    }
    free(imp.p);
    free(d64.p);
    vg_engine_unref(e);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigs);
    buf imp = implode(payload, PAYLOAD_LEN, 0);
    buf d64 = literal_stream(payload, PAYLOAD_LEN);
    zent m[2] = {{"i.exe", 6, 0, imp.p, imp.n, payload, PAYLOAD_LEN, 0},
                 {"d.exe", 9, 0, d64.p, d64.n, payload, PAYLOAD_LEN, 0}};
    buf z = make_zip(m, 2, 1);
    for (unsigned long n = 1; n <= 200; n++) {
        vg_scanner *s = NULL;
        assert_int_equal(vg_scanner_new(e, &s), VG_OK);
        vg_mem_fail_after(n);
        vg_result r;
        (void)vg_scanner_scan_mem(s, z.p, z.n, "mem", &r); /* any outcome but a crash or leak */
        vg_mem_fail_after(0);
        vg_scanner_free(s);
    }
    sinkbuf sb = {0};
    vg_fmap *map = NULL;
    assert_int_equal(vg_fmap_open_mem(d64.p, d64.n, &map), VG_OK);
    vg_mem_fail_after(1);
    assert_int_equal(vgi_inflate64(map, 0, d64.n, 1, collect, &sb, NULL), VG_ERR_NOMEM);
    assert_int_equal(vgi_explode(map, 0, d64.n, 0, 10, collect, &sb), VG_ERR_NOMEM);
    vg_mem_fail_after(0);
    vg_fmap_close(map);
    vgt_events ev;
    vgt_scan_mem(e, z.p, z.n, VG_SCAN_ALLMATCH, &ev); /* and the engine is unharmed */
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    free(z.p);
    free(imp.p);
    free(d64.p);
    vg_engine_unref(e);
}

static int setup_all(void **state)
{
    (void)state;
    fill_repetitive(payload, PAYLOAD_LEN);
    for (size_t i = 0; i < PAYLOAD_LEN; i += 7)
        payload[i] = (uint8_t)rnd(); /* every byte value, for the literal tree */
    vgt_hsb_line(payload, PAYLOAD_LEN, SIG_NAME, sigs, sizeof sigs);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bomb), /* first: it measures peak memory */
        cmocka_unit_test(test_7z_deflate64),
        cmocka_unit_test(test_clamav_files),
        cmocka_unit_test(test_inflate_vs_zlib),
        cmocka_unit_test(test_inflate64_long_codes),
        cmocka_unit_test(test_explode_modes),
        cmocka_unit_test(test_handler),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup_all, NULL);
}
