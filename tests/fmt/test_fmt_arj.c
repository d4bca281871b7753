/* ARJ archives: stored, methods 1-3 and 4 made by small encoders here,
 * names, two members, CRC mismatch, garbled members, SFX stubs, truncation,
 * hostile headers and tables, limits, and ClamAV's clam.arj. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/mem.h"
#include "fmt_testbuf.h"

#define SIG_PAYLOAD "Test.ARJ.Payload"
#define SIG_REP     "Test.ARJ.Rep"

static uint8_t payload[544];
static uint8_t rep[700]; /* repeats: matches at distances 1 and 97 */
static char sigs[400];

static void make_payload(void)
{
    vgt_payload(payload, sizeof payload, 12345, SIG_PAYLOAD, sigs, sizeof sigs);
    for (size_t i = 0; i < sizeof rep; i++)
        rep[i] = i < 400 ? payload[i % 97] : i < 500 ? 0 : payload[i - 500];
    size_t l = strlen(sigs);
    vgt_hsb_line(rep, sizeof rep, SIG_REP, sigs + l, sizeof sigs - l);
}

/* ---- MSB-first bit writer and the two encoders ---- */

typedef struct bw {
    uint8_t *buf;
    size_t n;
    uint32_t acc;
    unsigned nb;
} bw;

static void put(bw *b, unsigned v, unsigned bits)
{
    for (unsigned i = bits; i-- > 0;) {
        b->acc = b->acc << 1 | ((v >> i) & 1);
        if (++b->nb == 8) {
            b->buf[b->n++] = (uint8_t)b->acc;
            b->acc = b->nb = 0;
        }
    }
}

static size_t put_end(bw *b)
{
    if (b->nb)
        put(b, 0, 8 - b->nb);
    return b->n;
}

typedef struct token {
    unsigned len;  /* 0: literal */
    unsigned dist; /* 1.. */
    uint8_t lit;
} token;

/* Greedy LZ77 over a 4 KiB window, matches of 3..256. */
static size_t tokenize(const uint8_t *d, size_t n, token *t)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned best = 0, bd = 0;
        for (size_t j = i > 4096 ? i - 4096 : 0; j < i; j++) {
            unsigned l = 0;
            while (l < 256 && i + l < n && d[j + l] == d[i + l])
                l++;
            if (l > best) {
                best = l;
                bd = (unsigned)(i - j);
            }
        }
        if (best >= 3) {
            t[k++] = (token){.len = best, .dist = bd};
            i += best;
        } else {
            t[k++] = (token){.lit = d[i]};
            i++;
        }
    }
    return k;
}

static void canon(const uint8_t *len, unsigned n, unsigned *code)
{
    unsigned count[17] = {0}, next[17];
    for (unsigned i = 0; i < n; i++)
        count[len[i]]++;
    count[0] = 0;
    unsigned c = 0;
    for (unsigned l = 1; l <= 16; l++) {
        next[l] = c;
        c = (c + count[l]) << 1;
    }
    for (unsigned i = 0; i < n; i++)
        code[i] = len[i] ? next[len[i]]++ : 0;
}

/* Method 1-3 stream: one block, fixed tables (C: 508 codes of 9 bits and
 * two of 8; P: symbol 0 in 1 bit, 1..16 in 5 bits). */
static size_t enc_huff(const uint8_t *d, size_t n, uint8_t *out)
{
    token *t = malloc(n * sizeof *t);
    size_t nt = tokenize(d, n, t);
    uint8_t clen[510], plen[17];
    unsigned ccode[510], pcode[17];
    for (unsigned i = 0; i < 510; i++)
        clen[i] = i < 508 ? 9 : 8;
    for (unsigned i = 0; i < 17; i++)
        plen[i] = i == 0 ? 1 : 5;
    canon(clen, 510, ccode);
    canon(plen, 17, pcode);
    bw b = {.buf = out};
    put(&b, (unsigned)nt, 16);
    /* T lengths: symbols 10 and 11 (C lengths 8 and 9) in one bit each */
    put(&b, 12, 5);
    put(&b, 0, 3), put(&b, 0, 3), put(&b, 0, 3);
    put(&b, 3, 2); /* zero run: symbols 3..5 */
    for (int i = 6; i < 10; i++)
        put(&b, 0, 3);
    put(&b, 1, 3), put(&b, 1, 3);
    put(&b, 510, 9);
    for (unsigned i = 0; i < 510; i++)
        put(&b, clen[i] == 9 ? 1 : 0, 1); /* T symbol 11 = "1", 10 = "0" */
    put(&b, 17, 5);
    for (unsigned i = 0; i < 17; i++)
        put(&b, plen[i], 3);
    for (size_t i = 0; i < nt; i++) {
        if (t[i].len == 0) {
            put(&b, ccode[t[i].lit], clen[t[i].lit]);
            continue;
        }
        unsigned c = t[i].len + 253;
        put(&b, ccode[c], clen[c]);
        unsigned dd = t[i].dist - 1, k = 0;
        while ((dd >> k) != 0)
            k++;
        put(&b, pcode[k], plen[k]);
        if (k > 1)
            put(&b, dd - (1u << (k - 1)), k - 1);
    }
    free(t);
    return put_end(&b);
}

static void f_field(bw *b, unsigned v, unsigned start, unsigned stop)
{
    unsigned plus = 0, width = start;
    while (width < stop && v - plus >= (1u << width)) {
        put(b, 1, 1);
        plus += 1u << width;
        width++;
    }
    if (width < stop)
        put(b, 0, 1);
    put(b, v - plus, width);
}

/* Method 4 stream. */
static size_t enc_fast(const uint8_t *d, size_t n, uint8_t *out)
{
    token *t = malloc(n * sizeof *t);
    size_t nt = tokenize(d, n, t);
    bw b = {.buf = out};
    for (size_t i = 0; i < nt; i++) {
        if (t[i].len == 0) {
            put(&b, 0, 1);
            put(&b, t[i].lit, 8);
        } else {
            f_field(&b, t[i].len - 2, 0, 7);
            f_field(&b, t[i].dist - 1, 9, 13);
        }
    }
    free(t);
    return put_end(&b);
}

/* ---- archive writer ---- */

typedef struct member {
    const char *name;
    unsigned method, flags, type;
    const uint8_t *data;
    size_t len;
    int bad_crc;
} member;

static size_t header(uint8_t *o, const char *name, unsigned flags, unsigned method, unsigned type,
                     uint32_t csize, uint32_t osize, uint32_t crc)
{
    uint8_t *bh = o + 4;
    size_t nl = strlen(name);
    unsigned bsize = (unsigned)(30 + nl + 2);
    o[0] = 0x60, o[1] = 0xEA;
    le16(o + 2, bsize);
    memset(bh, 0, bsize);
    bh[0] = 30, bh[1] = 11, bh[2] = 1, bh[3] = 2, bh[4] = (uint8_t)flags;
    bh[5] = (uint8_t)method, bh[6] = (uint8_t)type;
    le32(bh + 12, csize), le32(bh + 16, osize), le32(bh + 20, crc);
    memcpy(bh + 30, name, nl);
    le32(bh + bsize, (uint32_t)crc32(0, bh, bsize));
    le16(bh + bsize + 4, 0);
    return 4 + bsize + 4 + 2;
}

static size_t build(uint8_t *out, const member *m, size_t n)
{
    size_t o = header(out, "test.arj", 0, 0, 2, 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t *data = malloc(m[i].len * 2 + 4096);
        size_t clen = m[i].len == 0      ? 0
                      : m[i].method == 0 ? (memcpy(data, m[i].data, m[i].len), m[i].len)
                      : m[i].method == 4 ? enc_fast(m[i].data, m[i].len, data)
                                         : enc_huff(m[i].data, m[i].len, data);
        uint32_t crc = (uint32_t)crc32(0, m[i].data, (uInt)m[i].len) ^ (m[i].bad_crc ? 1u : 0u);
        o += header(out + o, m[i].name, m[i].flags, m[i].method, m[i].type, (uint32_t)clen,
                    (uint32_t)m[i].len, crc);
        memcpy(out + o, data, clen);
        o += clen;
        free(data);
    }
    out[o++] = 0x60, out[o++] = 0xEA, out[o++] = 0, out[o++] = 0;
    return o;
}

/* Recomputes the CRC of the basic header at h (after a field was changed). */
static void fix_crc(uint8_t *h)
{
    unsigned bsize = (unsigned)(h[2] | h[3] << 8);
    le32(h + 4 + bsize, (uint32_t)crc32(0, h + 4, bsize));
}

static vg_engine *engine(void)
{
    return vgt_engine("t.hsb", sigs);
}

/* ---- cases ---- */

static void test_every_method(void **state)
{
    (void)state;
    vg_engine *e = engine();
    uint8_t *buf = malloc(1 << 16);
    for (unsigned method = 0; method <= 4; method++) {
        member m[] = {{"dir\\clam.exe", method, 0, 0, payload, sizeof payload, 0}};
        size_t n = build(buf, m, 1);
        vgt_events ev;
        vgt_scan_mem(e, buf, n, 0, &ev);
        assert_detects(&ev, SIG_PAYLOAD);
        assert_string_equal(ev.ev[vgt_find_detection(&ev, SIG_PAYLOAD)].chain, "mem//dir/clam.exe");
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
        /* matches: runs (distance 1), repeats, lengths split at 256 */
        member r[] = {{"rep.bin", method, 0, 1, rep, sizeof rep, 0}};
        n = build(buf, r, 1);
        vgt_scan_mem(e, buf, n, 0, &ev);
        assert_detects(&ev, SIG_REP);
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
        if (method > 0)
            assert_true(n < sizeof rep); /* really compressed */
    }
    free(buf);
    vg_engine_unref(e);
}

static void test_two_members_and_clean(void **state)
{
    (void)state;
    vg_engine *e = engine();
    uint8_t *buf = malloc(1 << 16), clean[100];
    memset(clean, 'x', sizeof clean);
    member m[] = {{"a.txt", 1, 0, 1, clean, sizeof clean, 0},
                  {"first.bin", 4, 0, 0, rep, sizeof rep, 0},
                  {"second.exe", 2, 0, 0, payload, sizeof payload, 0}};
    size_t n = build(buf, m, 3);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, VG_SCAN_ALLMATCH, &ev);
    assert_string_equal(ev.ev[vgt_find_detection(&ev, SIG_REP)].chain, "mem//first.bin");
    assert_string_equal(ev.ev[vgt_find_detection(&ev, SIG_PAYLOAD)].chain, "mem//second.exe");
    assert_int_equal(ev.result.objects, 4);
    /* only the clean member: nothing found, nothing wrong */
    n = build(buf, m, 1);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_clean(&ev);
    assert_int_equal(ev.result.objects, 2);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    free(buf);
    vg_engine_unref(e);
}

static void test_crc_mismatch_still_scanned(void **state)
{
    (void)state;
    vg_engine *e = engine();
    uint8_t *buf = malloc(1 << 16);
    for (unsigned method = 0; method <= 4; method += 4) {
        member m[] = {{"clam.exe", method, 0, 0, payload, sizeof payload, 1}};
        size_t n = build(buf, m, 1);
        vgt_events ev;
        vgt_scan_mem(e, buf, n, 0, &ev);
        assert_detects(&ev, SIG_PAYLOAD);
        assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);
    }
    free(buf);
    vg_engine_unref(e);
}

static void test_garbled_skipped(void **state)
{
    (void)state;
    vg_engine *e = engine();
    uint8_t *buf = malloc(1 << 16);
    member m[] = {{"secret1.exe", 1, 0x01, 0, payload, sizeof payload, 0},
                  {"secret2.exe", 0, 0x01, 0, payload, sizeof payload, 0},
                  {"dir", 0, 0, 3, NULL, 0, 0},
                  {"open.bin", 0, 0, 0, rep, sizeof rep, 0}};
    size_t n = build(buf, m, 4);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, VG_SCAN_ALLMATCH, &ev);
    assert_not_detects(&ev, SIG_PAYLOAD);
    assert_detects(&ev, SIG_REP);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_UNSUPPORTED), 1);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    assert_non_null(strstr(ev.ev[0].message, "encrypted"));
    free(buf);
    vg_engine_unref(e);
}

static void test_sfx_stub(void **state)
{
    (void)state;
    vg_engine *e = engine();
    uint8_t *buf = malloc(1 << 16);
    memset(buf, 0x90, 5000);
    buf[0] = 'M', buf[1] = 'Z';
    buf[100] = 0x60, buf[101] = 0xEA, buf[102] = 0x40; /* a false id in the stub */
    member m[] = {{"clam.exe", 1, 0, 0, payload, sizeof payload, 0}};
    size_t n = 5000 + build(buf + 5000, m, 1);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_detects(&ev, SIG_PAYLOAD);
    assert_string_equal(ev.ev[vgt_find_detection(&ev, SIG_PAYLOAD)].chain, "mem//clam.exe");
    free(buf);
    vg_engine_unref(e);
}

static void test_truncated(void **state)
{
    (void)state;
    vg_engine *e = engine();
    uint8_t *buf = malloc(1 << 16);
    for (unsigned method = 0; method <= 4; method++) {
        member m[] = {{"clam.exe", method, 0, 0, payload, sizeof payload, 0},
                      {"rep.bin", method, 0, 0, rep, sizeof rep, 0}};
        size_t n = build(buf, m, 2);
        for (size_t cut = 0; cut < n; cut += 7) {
            vgt_events ev;
            vgt_scan_mem(e, buf, cut, 0, &ev);
            assert_int_equal(ev.err, VG_OK);
        }
        /* cut inside the second member's data: the first is found, the cut
         * reported */
        vgt_events ev;
        vgt_scan_mem(e, buf, n - 20, VG_SCAN_ALLMATCH, &ev);
        assert_detects(&ev, SIG_PAYLOAD);
        assert_true(vgt_count_errors(&ev, VG_ERR_TRUNCATED) >= 1);
    }
    /* a stored member cut short is still scanned: the cut part is found
     * with a wildcard-size signature */
    member s[] = {{"clam.exe", 0, 0, 0, payload, sizeof payload, 0}};
    size_t n = build(buf, s, 1);
    vgt_events ev;
    vgt_scan_mem(e, buf, n - 4 - 100, 0, &ev);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_TRUNCATED), 1);
    assert_int_equal(ev.result.objects, 2);
    free(buf);
    vg_engine_unref(e);
}

static void test_hostile_headers(void **state)
{
    (void)state;
    vg_engine *e = engine();
    uint8_t *buf = calloc(1, 1 << 16);
    member m[] = {{"clam.exe", 1, 0, 0, payload, sizeof payload, 0}};
    size_t n = build(buf, m, 1);
    size_t mh = 4 + 30 + 10 + 4 + 2; /* main header "test.arj" */
    vgt_events ev;

    /* basic header size over 2600 */
    uint8_t *c = malloc(n + 8000);
    memcpy(c, buf, n);
    le16(c + mh + 2, 2601);
    vgt_scan_mem(e, c, n, 0, &ev);
    assert_not_detects(&ev, SIG_PAYLOAD);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);
    le16(c + mh + 2, 0xFFFF);
    vgt_scan_mem(e, c, n, 0, &ev);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);

    /* compressed size past the end (CRC fixed up): truncated, decoded
     * what is there */
    size_t h = header(c + mh, "clam.exe", 0, 1, 0, 0xFFFFFFF0u, sizeof payload,
                      (uint32_t)crc32(0, payload, sizeof payload));
    memcpy(c + mh + h, buf + mh + h, n - mh - h);
    vgt_scan_mem(e, c, n, 0, &ev);
    assert_detects(&ev, SIG_PAYLOAD);
    assert_true(vgt_count_errors(&ev, VG_ERR_TRUNCATED) >= 1);

    /* original size of 4 GiB from a few hundred bytes: the stream runs dry */
    h = header(c + mh, "clam.exe", 0, 1, 0, (uint32_t)(n - mh - h - 4), 0xFFFFFFFFu, 0);
    vgt_scan_mem(e, c, n, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);

    /* first_hdr_size beyond the basic header (CRC fixed up) */
    memcpy(c, buf, n);
    c[mh + 4] = 200;
    fix_crc(c + mh);
    vgt_scan_mem(e, c, n, 0, &ev);
    assert_not_detects(&ev, SIG_PAYLOAD);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);

    /* header CRC wrong */
    memcpy(c, buf, n);
    c[mh + 4 + 12] ^= 1;
    vgt_scan_mem(e, c, n, 0, &ev);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);

    /* endless extended headers: each one 1 byte + CRC, until the end */
    size_t o = header(c, "test.arj", 0, 0, 2, 0, 0, 0) - 2;
    for (int i = 0; i < 1000; i++) {
        le16(c + o, 1);
        o += 7;
    }
    vgt_scan_mem(e, c, o, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    free(c);
    free(buf);
    vg_engine_unref(e);
}

/* A Huffman block whose tables are not a complete code. */
static void test_hostile_tables(void **state)
{
    (void)state;
    vg_engine *e = engine();
    uint8_t data[64], *buf = malloc(4096);
    static const unsigned tl[3][12] = {
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1},   /* three codes of one bit */
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},   /* one code of one bit: incomplete */
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 17}, /* too long */
    };
    for (int k = 0; k < 3; k++) {
        memset(data, 0, sizeof data);
        bw b = {.buf = data};
        put(&b, 1, 16);
        put(&b, 12, 5);
        for (int i = 0; i < 12; i++) {
            if (tl[k][i] < 7)
                put(&b, tl[k][i], 3);
            else
                put(&b, 0xffff, tl[k][i] - 3), put(&b, 0, 1);
            if (i == 2)
                put(&b, 0, 2);
        }
        size_t dl = put_end(&b) + 8;
        size_t o = header(buf, "t.arj", 0, 0, 2, 0, 0, 0);
        o += header(buf + o, "x.bin", 0, 1, 0, (uint32_t)dl, 1000, 0);
        memcpy(buf + o, data, dl);
        o += dl;
        buf[o++] = 0x60, buf[o++] = 0xEA, buf[o++] = 0, buf[o++] = 0;
        vgt_events ev;
        vgt_scan_mem(e, buf, o, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);
    }
    free(buf);
    vg_engine_unref(e);
}

static void test_limits(void **state)
{
    (void)state;
    uint8_t *buf = malloc(1 << 20), clean[100];
    memset(clean, 'x', sizeof clean);
    member m[] = {{"a.bin", 1, 0, 0, clean, sizeof clean, 0},
                  {"clam.exe", 1, 0, 0, payload, sizeof payload, 0}};
    size_t n = build(buf, m, 2);
    vg_limits lim = vg_limits_default();
    lim.max_files = 1;
    vg_engine *e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_events ev;
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_not_detects(&ev, SIG_PAYLOAD);
    vg_engine_unref(e);

    /* a bomb: 32 MiB of zeros from about 400 KiB (one literal, then
     * matches of 256 at distance 1), past the ratio's 16 MiB floor */
    uint32_t bomb = 32u << 20;
    uint8_t *zs = calloc(1, 1 << 20);
    bw b = {.buf = zs};
    put(&b, 0, 9);
    for (uint32_t made = 1; made < bomb; made += 256) {
        f_field(&b, 254, 0, 7);
        f_field(&b, 0, 9, 13);
    }
    size_t zl = put_end(&b);
    n = header(buf, "t.arj", 0, 0, 2, 0, 0, 0);
    n += header(buf + n, "zeros", 0, 4, 0, (uint32_t)zl, bomb, 0);
    memcpy(buf + n, zs, zl);
    n += zl;
    lim = vg_limits_default();
    lim.max_ratio = 4;
    lim.max_file_size = lim.max_scan_size = 1u << 30;
    e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_RATIO);
    vg_engine_unref(e);
    free(zs);

    /* max_file_size stops the first member; the second still fits */
    uint8_t *big = malloc(5000);
    for (int i = 0; i < 5000; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 3));
    member f[] = {{"big", 1, 0, 0, big, 5000, 0},
                  {"clam.exe", 1, 0, 0, payload, sizeof payload, 0}};
    n = build(buf, f, 2);
    lim = vg_limits_default();
    lim.max_file_size = 4096;
    e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_scan_mem(e, buf, n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    assert_detects(&ev, SIG_PAYLOAD);
    vg_engine_unref(e);
    free(big);
    free(buf);
}

static const char *clam_arj = "/usr/share/clamav-testfiles/clam.arj";
static const char *clam_sig =
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n";

static void test_clamav_file(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *data = vgt_read_file(clam_arj, &len);
    if (data == NULL)
        skip();
    vg_engine *e = vgt_engine("clam.hsb", clam_sig);
    vgt_events ev;
    vgt_scan_path(e, clam_arj, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_non_null(strstr(ev.ev[vgt_find_detection(&ev, "ClamAV-Test-File")].chain, "clam.exe"));
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    /* mutated copies: errors or clean, never a crash */
    for (size_t cut = 0; cut < len; cut += 7) {
        vgt_scan_mem(e, data, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
    }
    uint8_t *m = vg_malloc(len);
    int errors = 0;
    for (size_t i = 0x78; i < len && i < 0x140; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(m, data, len);
            m[i] ^= (uint8_t)(1u << bit);
            vgt_scan_mem(e, m, len, 0, &ev);
            assert_int_equal(ev.err, VG_OK);
            errors += vgt_count_kind(&ev, VG_EVENT_ERROR) > 0;
        }
    assert_true(errors > 0);
    vg_free(m);
    vg_free(data);
    vg_engine_unref(e);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    uint8_t *buf = malloc(1 << 16);
    member m[] = {{"a", 1, 0, 0, rep, sizeof rep, 0}, {"b", 0, 0, 0, payload, sizeof payload, 0}};
    size_t n = build(buf, m, 2);
    vg_engine *e = engine();
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long k = 1; k < 60; k++) {
        vg_result r;
        vg_mem_fail_after(k);
        vg_error err = vg_scanner_scan_mem(s, buf, n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
    free(buf);
}

int main(void)
{
    make_payload();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_method),
        cmocka_unit_test(test_two_members_and_clean),
        cmocka_unit_test(test_crc_mismatch_still_scanned),
        cmocka_unit_test(test_garbled_skipped),
        cmocka_unit_test(test_sfx_stub),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_hostile_tables),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_clamav_file),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
