/* NSIS installers, generated here: a PE stub, the firstheader at a 512-byte
 * boundary, then non-solid blocks (raw deflate, LZMA, stored) or one solid
 * LZMA / deflate stream, with a script header naming the files. Cases:
 * found with the script's file name, clean, truncated, lengths past the
 * end, 100000 blocks, a bomb, bzip2 (unsupported), ClamAV's clam-nsis.exe. */
#include "testutil.h"

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "core/mem.h"
#include "fmt_testbuf.h"

static uint8_t payload[544];
static char sigline[200];

/* ---- a growable byte buffer ---- */

typedef tbuf bytes;

static void set32(bytes *b, size_t at, uint32_t v)
{
    le32(b->p + at, v);
}

static void pad_to(bytes *b, size_t n)
{
    while (b->n < n)
        tb_put(b, "", 1);
}

/* ---- codecs ---- */

static bytes deflate_raw(const uint8_t *in, size_t n)
{
    bytes o = {0};
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    o.cap = deflateBound(&z, n) + 16;
    o.p = malloc(o.cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = o.p;
    z.avail_out = (uInt)o.cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    o.n = z.total_out;
    deflateEnd(&z);
    return o;
}

/* NSIS's LZMA: [filter flag] 0x5D, u32 dictionary, raw LZMA1. */
static bytes lzma_nsis(const uint8_t *in, size_t n, int flag_byte, int bcj)
{
    bytes o = {0};
    lzma_options_lzma opt;
    assert_false(lzma_lzma_preset(&opt, 1));
    opt.dict_size = 1u << 16;
    lzma_filter f[3];
    int i = 0;
    if (bcj)
        f[i++] = (lzma_filter){LZMA_FILTER_X86, NULL};
    f[i++] = (lzma_filter){LZMA_FILTER_LZMA1, &opt};
    f[i] = (lzma_filter){LZMA_VLI_UNKNOWN, NULL};
    if (flag_byte)
        tb_put(&o, bcj ? "\1" : "\0", 1);
    tb_put(&o, "\x5D", 1);
    tb_le32(&o, opt.dict_size);
    lzma_stream s = LZMA_STREAM_INIT;
    assert_int_equal(lzma_raw_encoder(&s, f), LZMA_OK);
    size_t cap = n + n / 2 + 4096, at = o.n;
    tb_put(&o, NULL, 0);
    o.p = realloc(o.p, at + cap);
    s.next_in = in;
    s.avail_in = n;
    s.next_out = o.p + at;
    s.avail_out = cap;
    lzma_ret r;
    while ((r = lzma_code(&s, LZMA_FINISH)) == LZMA_OK)
        ;
    assert_int_equal(r, LZMA_STREAM_END);
    o.n = at + (size_t)s.total_out;
    o.cap = at + cap;
    lzma_end(&s);
    return o;
}

/* ---- installer pieces ---- */

/* An NSIS 2 script header: SetOutPath $INSTDIR, then File <name> for each
 * (name, data position). Strings are ANSI with NSIS 2's var code 0xFD. */
static bytes script_ansi(const char **names, const uint32_t *pos, int n)
{
    bytes str = {0}, h = {0};
    tb_put(&str, "", 1);
    uint32_t instdir = (uint32_t)str.n;
    tb_put(&str, "\xFD\x95\x80", 4); /* $INSTDIR: var 21 */
    uint32_t name_at[8];
    for (int i = 0; i < n; i++) {
        name_at[i] = (uint32_t)str.n;
        tb_put(&str, names[i], strlen(names[i]) + 1);
    }
    uint32_t ent_off = 68, ent_num = 1 + (uint32_t)n, str_off = ent_off + ent_num * 28;
    tb_le32(&h, 0);
    uint32_t blocks[8][2] = {{ent_off, 0},
                             {ent_off, 0},
                             {ent_off, ent_num},
                             {str_off, 0},
                             {str_off + (uint32_t)str.n, 0}};
    for (int i = 0; i < 8; i++) {
        tb_le32(&h, blocks[i][0]);
        tb_le32(&h, blocks[i][1]);
    }
    uint32_t e0[7] = {11, instdir, 1, 0, 0, 0, 0};
    for (int k = 0; k < 7; k++)
        tb_le32(&h, e0[k]);
    for (int i = 0; i < n; i++) {
        uint32_t e[7] = {20, 3, name_at[i], pos[i], 0, 0, 0};
        for (int k = 0; k < 7; k++)
            tb_le32(&h, e[k]);
    }
    tb_put(&h, str.p, str.n);
    free(str.p);
    return h;
}

/* The same for NSIS 3 Unicode: one File with an absolute UTF-16 name
 * "$INSTDIR\sub\<name>" (var code 3 with a 16-bit parameter). */
static bytes script_unicode(const char *name, uint32_t pos)
{
    bytes str = {0}, h = {0};
    tb_put(&str, "\0\0", 2);
    tb_put(&str, "\3\0\x95\x80", 4);
    const char *rest = "\\sub\\";
    for (const char *s = rest; *s; s++)
        tb_put(&str, (char[2]){*s, 0}, 2);
    for (const char *s = name; *s; s++)
        tb_put(&str, (char[2]){*s, 0}, 2);
    tb_put(&str, "\0\0", 2);
    uint32_t ent_off = 68, str_off = ent_off + 28;
    tb_le32(&h, 0);
    uint32_t blocks[8][2] = {
        {ent_off, 0}, {ent_off, 0}, {ent_off, 1}, {str_off, 0}, {str_off + (uint32_t)str.n, 0}};
    for (int i = 0; i < 8; i++) {
        tb_le32(&h, blocks[i][0]);
        tb_le32(&h, blocks[i][1]);
    }
    uint32_t e[7] = {20, 3, 1, pos, 0, 0, 0};
    for (int k = 0; k < 7; k++)
        tb_le32(&h, e[k]);
    tb_put(&h, str.p, str.n);
    free(str.p);
    return h;
}

/* "MZ" and zeros up to 512 (no PE header: the probe scans), or a PE whose
 * one section ends at 1024 (the overlay, where the probe looks first). */
static void stub(bytes *b, int real_pe)
{
    tb_put(b, "MZ", 2);
    if (!real_pe) {
        pad_to(b, 512);
        return;
    }
    pad_to(b, 0x3c);
    tb_le32(b, 0x40);
    tb_put(b, "PE\0\0", 4);
    uint8_t coff[20] = {0x4c, 0x01, 1, 0}; /* i386, 1 section, no optional header */
    tb_put(b, coff, sizeof coff);
    uint8_t sec[40] = {'.', 't', 'e', 'x', 't'};
    tb_put(b, sec, 16);
    tb_le32(b, 0x200); /* SizeOfRawData */
    tb_le32(b, 0x200); /* PointerToRawData */
    tb_put(b, sec, 16);
    pad_to(b, 1024);
}

/* Firstheader at b->n (which must be 512-aligned); returns its offset. */
static size_t firsthdr(bytes *b, uint32_t flags, uint32_t hdr_len)
{
    size_t at = b->n;
    tb_le32(b, flags);
    tb_put(b,
           "\xEF\xBE\xAD\xDE"
           "NullsoftInst",
           16);
    tb_le32(b, hdr_len);
    tb_le32(b, 0); /* archive length, set by finish() */
    return at;
}

static void finish(bytes *b, size_t fh, int crc)
{
    if (crc)
        tb_le32(b, 0x12345678); /* not checked */
    set32(b, fh + 24, (uint32_t)(b->n - fh));
}

static void block_deflate(bytes *b, const uint8_t *p, size_t n)
{
    bytes c = deflate_raw(p, n);
    tb_le32(b, (uint32_t)c.n | 0x80000000u);
    tb_put(b, c.p, c.n);
    free(c.p);
}

static void block_stored(bytes *b, const void *p, size_t n)
{
    tb_le32(b, (uint32_t)n);
    tb_put(b, p, n);
}

static const char other[] = "just some text of another installed file\n";

/* Non-solid deflate: header naming clam.exe, a text file, the payload. */
static bytes nonsolid_installer(int real_pe)
{
    bytes b = {0};
    stub(&b, real_pe);
    const char *names[] = {"readme.txt", "clam.exe"};
    uint32_t pos[] = {0, 0};
    bytes c = deflate_raw((const uint8_t *)other, sizeof other);
    pos[1] = 4 + (uint32_t)c.n;
    free(c.p);
    bytes h = script_ansi(names, pos, 2);
    size_t fh = firsthdr(&b, 0, (uint32_t)h.n);
    block_deflate(&b, h.p, h.n);
    block_deflate(&b, (const uint8_t *)other, sizeof other);
    block_deflate(&b, payload, sizeof payload);
    finish(&b, fh, 1);
    free(h.p);
    return b;
}

/* Solid LZMA: [u32][header][u32][text][u32][payload][u32][big], compressed
 * as one stream. */
static bytes solid_installer(int flag_byte, int bcj, size_t big)
{
    bytes raw = {0}, b = {0};
    bytes h = script_unicode("clam.exe", 4 + (uint32_t)sizeof other);
    tb_le32(&raw, (uint32_t)h.n);
    tb_put(&raw, h.p, h.n);
    block_stored(&raw, (const uint8_t *)other, sizeof other);
    block_stored(&raw, payload, sizeof payload);
    tb_le32(&raw, (uint32_t)big);
    for (size_t i = 0; i < big; i++)
        tb_put(&raw, (uint8_t[1]){(uint8_t)(i * 7 + (i >> 9))}, 1);
    stub(&b, 0);
    size_t fh = firsthdr(&b, 4 /* no CRC */, (uint32_t)h.n);
    bytes c = lzma_nsis(raw.p, raw.n, flag_byte, bcj);
    tb_put(&b, c.p, c.n);
    finish(&b, fh, 0);
    free(c.p);
    free(h.p);
    free(raw.p);
    return b;
}

static void scan(const bytes *b, vgt_events *ev, unsigned flags)
{
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_scan_mem(e, b->p, b->n, flags, ev);
    vg_engine_unref(e);
}

/* ---- cases ---- */

static void test_nonsolid_deflate(void **state)
{
    (void)state;
    for (int real_pe = 0; real_pe < 2; real_pe++) {
        bytes b = nonsolid_installer(real_pe);
        vgt_events ev;
        scan(&b, &ev, 0);
        assert_detects(&ev, "Test.NSIS.Payload");
        assert_string_equal(ev.ev[vgt_find_detection(&ev, "Test.NSIS.Payload")].chain,
                            "mem//$INSTDIR\\clam.exe");
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
        assert_int_equal(ev.result.objects, 4); /* installer, header, 2 files */
        free(b.p);
    }
}

static void test_solid_lzma(void **state)
{
    (void)state;
    /* plain, with 7-Zip's filter byte 0, and with the BCJ x86 filter */
    static const int variants[][2] = {{0, 0}, {1, 0}, {1, 1}};
    for (size_t i = 0; i < 3; i++) {
        bytes b = solid_installer(variants[i][0], variants[i][1], 3000);
        vgt_events ev;
        scan(&b, &ev, VG_SCAN_ALLMATCH); /* every member, also after the payload */
        assert_detects(&ev, "Test.NSIS.Payload");
        assert_string_equal(ev.ev[vgt_find_detection(&ev, "Test.NSIS.Payload")].chain,
                            "mem//$INSTDIR\\sub\\clam.exe");
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
        assert_int_equal(ev.result.objects, 5);
        free(b.p);
    }
}

static void test_solid_deflate_and_stored(void **state)
{
    (void)state;
    /* solid deflate: the stream's first bytes say neither LZMA nor 0x80 */
    bytes raw = {0}, b = {0};
    tb_le32(&raw, 100);
    pad_to(&raw, 104);
    block_stored(&raw, payload, sizeof payload);
    stub(&b, 1);
    size_t fh = firsthdr(&b, 0, 100);
    bytes c = deflate_raw(raw.p, raw.n);
    tb_put(&b, c.p, c.n);
    finish(&b, fh, 1);
    vgt_events ev;
    scan(&b, &ev, 0);
    assert_detects(&ev, "Test.NSIS.Payload");
    assert_string_equal(ev.ev[vgt_find_detection(&ev, "Test.NSIS.Payload")].chain, "mem//file1");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    free(b.p);
    free(c.p);
    free(raw.p);

    /* non-solid with a stored header (length == header length) and a
     * stored payload: zero-copy views */
    memset(&b, 0, sizeof b);
    stub(&b, 0);
    uint8_t hdr[80] = {0};
    fh = firsthdr(&b, 0, sizeof hdr);
    block_stored(&b, hdr, sizeof hdr);
    block_stored(&b, payload, sizeof payload);
    finish(&b, fh, 1);
    scan(&b, &ev, 0);
    assert_detects(&ev, "Test.NSIS.Payload");
    assert_string_equal(ev.ev[vgt_find_detection(&ev, "Test.NSIS.Payload")].chain, "mem//file1");
    free(b.p);
}

static void test_not_nsis(void **state)
{
    (void)state;
    vgt_events ev;
    /* a PE without overlay; a signature off the 512 grid; no MZ */
    bytes b = {0};
    stub(&b, 1);
    b.n = 1024;
    scan(&b, &ev, 0);
    assert_int_equal(ev.result.objects, 1);
    bytes n2 = nonsolid_installer(0);
    memmove(n2.p + 513, n2.p + 512, n2.n - 513);
    scan(&n2, &ev, 0);
    assert_int_equal(ev.result.objects, 1);
    n2.p[0] = 'Z';
    scan(&n2, &ev, 0);
    assert_int_equal(ev.result.objects, 1);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    /* an installer of clean files only */
    bytes c = nonsolid_installer(1);
    vg_engine *e = vgt_engine(
        "t.hsb", "0000000000000000000000000000000000000000000000000000000000000000:1:X\n");
    vgt_scan_mem(e, c.p, c.n, 0, &ev);
    assert_clean(&ev);
    assert_int_equal(ev.result.objects, 4);
    vg_engine_unref(e);
    free(b.p);
    free(n2.p);
    free(c.p);
}

/* A solid stream cut inside the block after the payload: the payload was
 * decoded whole and is found; the cut is reported. Every other cut: no
 * crash, no hang. */
static void test_truncated(void **state)
{
    (void)state;
    bytes b = solid_installer(0, 0, 200000);
    bytes cut = b;
    cut.n = b.n * 3 / 4;
    vgt_events ev;
    scan(&cut, &ev, 0);
    assert_detects(&ev, "Test.NSIS.Payload");
    assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);
    assert_true(vgt_count_errors(&ev, VG_ERR_TRUNCATED) >= 1);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    for (size_t n = 512; n < b.n; n += 997) {
        vgt_scan_mem(e, b.p, n, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
    }
    bytes ns = nonsolid_installer(0);
    for (size_t n = 540; n < ns.n; n += 3) {
        vgt_scan_mem(e, ns.p, n, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);
    }
    vg_engine_unref(e);
    free(b.p);
    free(ns.p);
}

/* A block whose length runs past the end: the blocks before it are
 * scanned, what is there of it too, and the overrun is reported. */
static void test_block_past_eof(void **state)
{
    (void)state;
    bytes b = {0};
    stub(&b, 0);
    uint8_t hdr[80] = {0};
    size_t fh = firsthdr(&b, 4, sizeof hdr);
    block_deflate(&b, hdr, sizeof hdr);
    block_stored(&b, payload, sizeof payload);
    tb_le32(&b, 0xFFFFFFF0u); /* compressed, ~2 GiB */
    tb_put(&b, "\x5D\0\0\1\0\0\0\0", 8);
    finish(&b, fh, 0);
    vgt_events ev;
    scan(&b, &ev, 0);
    assert_detects(&ev, "Test.NSIS.Payload");
    assert_true(vgt_count_errors(&ev, VG_ERR_TRUNCATED) >= 1);

    /* an archive length past the end of the file */
    set32(&b, fh + 24, 0x7FFFFFFF);
    scan(&b, &ev, 0);
    assert_detects(&ev, "Test.NSIS.Payload");
    assert_true(vgt_count_errors(&ev, VG_ERR_TRUNCATED) >= 1);

    /* a solid header length past the end of the stream */
    bytes s = {0}, raw = {0};
    stub(&s, 0);
    fh = firsthdr(&s, 4, 100);
    tb_le32(&raw, 0x7FFFFFFF);
    pad_to(&raw, 300);
    bytes c = lzma_nsis(raw.p, raw.n, 0, 0);
    tb_put(&s, c.p, c.n);
    finish(&s, fh, 0);
    scan(&s, &ev, 0);
    assert_true(vgt_count_errors(&ev, VG_ERR_TRUNCATED) >= 1);
    free(b.p);
    free(s.p);
    free(c.p);
    free(raw.p);
}

/* 100000 one-byte stored blocks: max_files stops the walk, quickly. */
static void test_many_blocks(void **state)
{
    (void)state;
    bytes b = {0};
    stub(&b, 0);
    uint8_t hdr[80] = {0};
    size_t fh = firsthdr(&b, 0, sizeof hdr);
    block_stored(&b, hdr, sizeof hdr);
    for (int i = 0; i < 100000; i++)
        block_stored(&b, "x", 1);
    finish(&b, fh, 1);
    vgt_events ev;
    clock_t t0 = clock();
    scan(&b, &ev, 0);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(ev.result.objects, 1 + 10000); /* default max_files */
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0);

    /* a solid stream of empty blocks: framing is charged, blocks bounded */
    bytes raw = {0}, s = {0};
    tb_le32(&raw, 4);
    tb_le32(&raw, 0);
    pad_to(&raw, 8u << 20);
    stub(&s, 0);
    fh = firsthdr(&s, 4, 4);
    bytes c = lzma_nsis(raw.p, raw.n, 0, 0);
    tb_put(&s, c.p, c.n);
    finish(&s, fh, 0);
    t0 = clock();
    scan(&s, &ev, 0);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0);
    free(b.p);
    free(s.p);
    free(c.p);
    free(raw.p);
}

/* 48 MiB of zeros in one LZMA block (a few KiB): the ratio limit stops it,
 * and a file size limit on a solid block lets the next block through. */
static void test_bomb(void **state)
{
    (void)state;
    size_t big = 48u << 20;
    uint8_t *zeros = calloc(1, big);
    bytes b = {0};
    stub(&b, 0);
    uint8_t hdr[80] = {0};
    size_t fh = firsthdr(&b, 0, sizeof hdr);
    block_stored(&b, hdr, sizeof hdr);
    bytes c = lzma_nsis(zeros, big, 0, 0);
    tb_le32(&b, (uint32_t)c.n | 0x80000000u);
    tb_put(&b, c.p, c.n);
    finish(&b, fh, 1);
    vgt_events ev;
    scan(&b, &ev, 0);
    assert_incomplete(&ev, VG_LIMIT_RATIO);
    free(b.p);
    free(c.p);

    /* solid: [hdr][1 MiB zeros][payload] with max_file_size 64 KiB */
    bytes raw = {0}, s = {0};
    tb_le32(&raw, 80);
    tb_put(&raw, hdr, sizeof hdr);
    tb_le32(&raw, 1u << 20);
    tb_put(&raw, zeros, 1u << 20);
    block_stored(&raw, payload, sizeof payload);
    stub(&s, 0);
    fh = firsthdr(&s, 4, 80);
    c = lzma_nsis(raw.p, raw.n, 0, 0);
    tb_put(&s, c.p, c.n);
    finish(&s, fh, 0);
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 64u << 10;
    vg_engine *e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_scan_mem(e, s.p, s.n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    assert_detects(&ev, "Test.NSIS.Payload");
    vg_engine_unref(e);
    free(s.p);
    free(c.p);
    free(raw.p);
    free(zeros);
}

static void test_bzip2_unsupported(void **state)
{
    (void)state;
    bytes b = {0};
    stub(&b, 0);
    size_t fh = firsthdr(&b, 4, 100);
    tb_put(&b, "\x31\x09\x12\x34\x56\x78\x9a\xbc\xde\xf0\x11\x22", 12);
    finish(&b, fh, 0);
    vgt_events ev;
    scan(&b, &ev, 0);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_UNSUPPORTED), 1);
    /* non-solid bzip2: stored blocks are still scanned */
    free(b.p);
    memset(&b, 0, sizeof b);
    stub(&b, 0);
    fh = firsthdr(&b, 4, 100);
    tb_le32(&b, 12 | 0x80000000u);
    tb_put(&b, "\x31\x09\x12\x34\x56\x78\x9a\xbc\xde\xf0\x11\x22", 12);
    block_stored(&b, payload, sizeof payload);
    finish(&b, fh, 0);
    scan(&b, &ev, 0);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_UNSUPPORTED), 1);
    assert_detects(&ev, "Test.NSIS.Payload");
    free(b.p);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    bytes a = nonsolid_installer(1), s = solid_installer(1, 1, 1000);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vg_scanner *sc = NULL;
    assert_int_equal(vg_scanner_new(e, &sc), VG_OK);
    for (unsigned long n = 1; n < 80; n++) {
        vg_result r;
        vg_mem_fail_after(n);
        vg_error err = vg_scanner_scan_mem(sc, a.p, a.n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
        vg_mem_fail_after(n);
        err = vg_scanner_scan_mem(sc, s.p, s.n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(sc);
    vg_engine_unref(e);
    free(a.p);
    free(s.p);
}

static void test_clamav_file(void **state)
{
    (void)state;
    const char *path = "/usr/share/clamav-testfiles/clam-nsis.exe";
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        skip();
    fclose(f);
    vg_engine *e = vgt_engine("clam.hsb", "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df"
                                          "580d4495:544:ClamAV-Test-File\n");
    vgt_events ev;
    vgt_scan_path(e, path, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    const char *chain = ev.ev[vgt_find_detection(&ev, "ClamAV-Test-File")].chain;
    assert_non_null(strstr(chain, "//$INSTDIR\\clam.exe"));
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
}

int main(void)
{
    vgt_payload(payload, sizeof payload, 4242, "Test.NSIS.Payload", sigline, sizeof sigline);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonsolid_deflate),
        cmocka_unit_test(test_solid_lzma),
        cmocka_unit_test(test_solid_deflate_and_stored),
        cmocka_unit_test(test_not_nsis),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_block_past_eof),
        cmocka_unit_test(test_many_blocks),
        cmocka_unit_test(test_bomb),
        cmocka_unit_test(test_bzip2_unsupported),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_clamav_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
