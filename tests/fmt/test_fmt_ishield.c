/* InstallShield setups: a generated PE stub with an overlay in each of the
 * two layouts (MSI records obfuscated with their name + zlib; the older
 * string-entry list with an ISc( cabinet of deflate chunks), found and
 * named, cut short, hostile lengths, limits, and ClamAV's four samples. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/mem.h"

#define SIG "Test.IS.Payload"

static uint8_t payload[544];
static char sigline[200];

/* ---- a growable test buffer ---- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 4096;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (d != NULL)
        memcpy(b->p + b->n, d, n);
    else
        memset(b->p + b->n, 0, n);
    b->n += n;
}

static void put32(buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

static void put16(buf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}

static void put64(buf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

static void set32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* A PE with one section of 0x200 bytes at 0x200: the overlay starts at 0x400. */
static void pe_stub(buf *b)
{
    put(b, NULL, 0x400);
    uint8_t *p = b->p;
    p[0] = 'M';
    p[1] = 'Z';
    set32(p + 0x3c, 0x40);
    memcpy(p + 0x40, "PE\0\0", 4);
    p[0x44] = 0x4c;
    p[0x45] = 0x01;
    p[0x46] = 1; /* one section, no optional header: the table at 0x58 */
    memcpy(p + 0x58, ".text", 5);
    set32(p + 0x58 + 16, 0x200);
    set32(p + 0x58 + 20, 0x200);
}

static uint8_t *zcompress(const uint8_t *d, size_t n, size_t *out)
{
    uLongf cap = compressBound(n);
    uint8_t *z = malloc(cap);
    assert_non_null(z);
    assert_int_equal(compress2(z, &cap, d, n, 9), Z_OK);
    *out = cap;
    return z;
}

/* ---- MSI layout ---- */

static void msi_header(buf *b, uint32_t count)
{
    static const char nb10[] = "NB10\0\0\0\0x\0030J\001\0\0\0C:\\setupW.pdb";
    put(b, nb10, sizeof nb10); /* the linker's debug record comes first */
    put(b, "InstallShield", 14);
    put32(b, count);
    put(b, NULL, 28);
}

/* A record: name, declared length (csize == 0 -> the real one), data
 * obfuscated with the name; zlib-compressed when compressed. */
static void msi_record(buf *b, const char *name, const uint8_t *d, size_t n, int compressed,
                       uint64_t csize)
{
    size_t zn = n;
    uint8_t *z = compressed ? zcompress(d, n, &zn) : NULL;
    const uint8_t *src = compressed ? z : d;
    static const uint8_t skey[4] = {0xEC, 0xCA, 0x79, 0xF8};
    uint8_t rec[0x104] = {0};
    size_t kl = strlen(name);
    memcpy(rec, name, kl);
    put(b, rec, sizeof rec);
    put32(b, 6);
    put32(b, 0);
    put64(b, csize ? csize : zn);
    put32(b, 0);
    put32(b, 1);
    put(b, NULL, 28);
    for (size_t i = 0; i < zn; i++) {
        uint8_t k = (uint8_t)name[(i & 0x3ff) % kl] ^ skey[((i & 0x3ff) % kl) & 3];
        uint8_t c = src[i] ^ k;
        c = (uint8_t)(c >> 4 | c << 4);
        put(b, &c, 1);
    }
    free(z);
}

/* ---- older layout: string entries, ISc( cabinet ---- */

static void setup_entry(buf *b, const char *name, const uint8_t *d, size_t n, uint64_t declared)
{
    char s[600];
    int l = snprintf(s, sizeof s, "%s%cDisk1\\%s%c0.0.0.0%c%llu", name, 0, name, 0, 0,
                     (unsigned long long)(declared ? declared : n));
    put(b, s, (size_t)l + 1);
    put(b, d, n);
}

/* Compressed data as InstallShield stores it: [u16 n][raw deflate, sync
 * flushed] per chunk of 32 KiB of input. */
static void is_chunks(buf *b, const uint8_t *d, size_t n)
{
    for (size_t o = 0; o < n; o += 32768) {
        size_t k = n - o < 32768 ? n - o : 32768;
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
        uint8_t out[65536];
        z.next_in = (uint8_t *)(uintptr_t)(d + o);
        z.avail_in = (uInt)k;
        z.next_out = out;
        z.avail_out = sizeof out;
        assert_int_equal(deflate(&z, Z_SYNC_FLUSH), Z_OK);
        size_t got = sizeof out - z.avail_out;
        deflateEnd(&z);
        put16(b, (unsigned)got);
        put(b, out, got);
    }
}

typedef struct cab_file {
    const char *name;
    const uint8_t *data;
    size_t len;
    unsigned flags; /* 4 compressed */
} cab_file;

/* data1.hdr (hdr) and data2.cab (cab) holding files, all in the
 * directory dir; declared_count 0 -> the real count. */
static void is_cabinet(buf *hdr, buf *cab, const cab_file *files, size_t n, const char *dir,
                       uint32_t declared_count)
{
    static const uint8_t common[20] = {'I', 'S', 'c',  '(',  0x00, 0x95, 0x00, 0x01, 0, 0,
                                       0,   0,   0x00, 0x02, 0,    0,    0,    0,    0, 0};
    put(cab, common, sizeof common);
    put(cab, NULL, 0x200 - sizeof common);
    uint64_t offs[16], csizes[16];
    for (size_t i = 0; i < n; i++) {
        offs[i] = cab->n;
        if (files[i].flags & 4)
            is_chunks(cab, files[i].data, files[i].len);
        else
            put(cab, files[i].data, files[i].len);
        csizes[i] = cab->n - offs[i];
    }
    /* header: common 20 bytes, descriptor at 0x200, file table at +0x30 */
    put(hdr, common, sizeof common);
    put(hdr, NULL, 0x200 - sizeof common);
    size_t cd = hdr->n;
    put(hdr, NULL, 0x30);
    uint8_t *p = hdr->p + cd;
    set32(p + 0x0c, 0x30);
    set32(p + 0x1c, 1);
    set32(p + 0x28, declared_count ? declared_count : (uint32_t)n);
    /* table: 1 dir offset, strings, then descriptors at table + 0x100 */
    size_t table = hdr->n;
    put(hdr, NULL, 0x100);
    set32(hdr->p + table, 4);
    memcpy(hdr->p + table + 4, dir, strlen(dir) + 1);
    size_t str = 4 + strlen(dir) + 1;
    uint32_t name_offs[16];
    for (size_t i = 0; i < n; i++) {
        name_offs[i] = (uint32_t)str;
        memcpy(hdr->p + table + str, files[i].name, strlen(files[i].name) + 1);
        str += strlen(files[i].name) + 1;
    }
    set32(hdr->p + cd + 0x2c, 0x100);
    for (size_t i = 0; i < n; i++) {
        put16(hdr, files[i].flags);
        put64(hdr, files[i].len);
        put64(hdr, csizes[i]);
        put64(hdr, offs[i]);
        put(hdr, NULL, 16 + 8 + 4 + 4); /* md5, version, zeros */
        put32(hdr, name_offs[i]);
        put16(hdr, 0);                 /* directory 0 */
        put(hdr, NULL, 4 * 5 + 1 - 1); /* to +0x54 */
        put(hdr, "\0", 1);             /* link flags */
        put16(hdr, 2);                 /* volume: data2.cab */
    }
}

/* ---- helpers ---- */

static vg_engine *engine(void)
{
    return vgt_engine("t.hsb", sigline);
}

static vg_engine *engine_with(unsigned max_files, unsigned max_ratio, uint64_t max_file_size)
{
    vg_limits lim = vg_limits_default();
    if (max_files)
        lim.max_files = max_files;
    if (max_ratio)
        lim.max_ratio = max_ratio;
    if (max_file_size)
        lim.max_file_size = max_file_size;
    return vgt_engine_limits("t.hsb", sigline, &lim);
}

/* ---- MSI cases ---- */

static void test_msi_found(void **state)
{
    (void)state;
    buf b = {0};
    pe_stub(&b);
    msi_header(&b, 1);
    msi_record(&b, "clam.exe", payload, sizeof payload, 1, 0);
    vg_engine *e = engine();
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_detects(&ev, SIG);
    assert_string_equal(vgt_detection_chain(&ev, SIG), "mem//clam.exe");
    assert_int_equal(vgt_count_errors(&ev, VG_OK), 0);
    vg_engine_unref(e);
    free(b.p);
}

/* Several records, one stored (not zlib): each is a member by its name. */
static void test_msi_records(void **state)
{
    (void)state;
    uint8_t text[3000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)("[Startup]\r\nProduct=x\r\n"[i % 22]);
    buf b = {0};
    pe_stub(&b);
    msi_header(&b, 3);
    msi_record(&b, "Setup.ini", text, sizeof text, 1, 0);
    msi_record(&b, "payload.exe", payload, sizeof payload, 1, 0);
    msi_record(&b, "stored.bin", payload, sizeof payload, 0, 0);
    vg_engine *e = engine();
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    int n = 0;
    for (size_t i = 0; i < ev.n; i++)
        if (ev.ev[i].kind == VG_EVENT_DETECTION) {
            n++;
            assert_true(strcmp(ev.ev[i].chain, "mem//payload.exe") == 0 ||
                        strcmp(ev.ev[i].chain, "mem//stored.bin") == 0);
        }
    assert_int_equal(n, 2);
    assert_int_equal(ev.result.objects, 4);
    assert_int_equal(vgt_count_errors(&ev, VG_OK), 0);
    vg_engine_unref(e);
    free(b.p);
}

static void test_msi_truncated(void **state)
{
    (void)state;
    buf b = {0};
    pe_stub(&b);
    msi_header(&b, 2);
    msi_record(&b, "clam.exe", payload, sizeof payload, 1, 0);
    size_t first = b.n;
    msi_record(&b, "second.exe", payload, sizeof payload, 1, 0);
    vg_engine *e = engine();
    vgt_events ev;
    /* the second record cut: the first is found, the cut reported */
    vgt_scan_mem(e, b.p, first + 0x138 + 10, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, SIG);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_TRUNCATED), 1);
    vgt_scan_mem(e, b.p, first + 20, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, SIG);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_TRUNCATED), 1);
    /* every cut: no crash, and errors rather than silence inside records */
    for (size_t cut = 0x400; cut < b.n; cut += 5) {
        vgt_scan_mem(e, b.p, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
    }
    vg_engine_unref(e);
    free(b.p);
}

static void test_msi_bad_lengths(void **state)
{
    (void)state;
    vg_engine *e = engine();
    vgt_events ev;
    /* a length of 2^63: what is there is decoded, the rest reported */
    buf b = {0};
    pe_stub(&b);
    msi_header(&b, 1);
    msi_record(&b, "clam.exe", payload, sizeof payload, 1, (uint64_t)1 << 63);
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, SIG);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_TRUNCATED), 1);
    free(b.p);
    /* a length too short: the stream ends early, the next record is garbage */
    memset(&b, 0, sizeof b);
    pe_stub(&b);
    msi_header(&b, 2);
    msi_record(&b, "clam.exe", payload, sizeof payload, 1, 100);
    msi_record(&b, "x.exe", payload, sizeof payload, 1, 0);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_not_detects(&ev, SIG);
    assert_true(vgt_count_errors(&ev, VG_OK) >= 1);
    free(b.p);
    /* a count of 2^32-1 with one record, and a record without a name */
    memset(&b, 0, sizeof b);
    pe_stub(&b);
    msi_header(&b, 0xffffffffu);
    msi_record(&b, "clam.exe", payload, sizeof payload, 1, 0);
    put(&b, NULL, 0x138);
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, SIG);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);
    free(b.p);
    /* corrupt zlib data inside the record */
    memset(&b, 0, sizeof b);
    pe_stub(&b);
    msi_header(&b, 1);
    msi_record(&b, "clam.exe", payload, sizeof payload, 1, 0);
    for (size_t i = b.n - 200; i < b.n - 100; i++)
        b.p[i] ^= 0x5a;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_not_detects(&ev, SIG);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);
    free(b.p);
    vg_engine_unref(e);
}

/* The header claims 100000 files and has 2000: max_files stops it. */
static void test_msi_max_files(void **state)
{
    (void)state;
    buf b = {0};
    pe_stub(&b);
    msi_header(&b, 100000);
    for (int i = 0; i < 2000; i++)
        msi_record(&b, "f.txt", (const uint8_t *)"x", 1, 0, 0);
    vg_engine *e = engine_with(1000, 0, 0);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(ev.result.objects, 1001);
    vg_engine_unref(e);
    free(b.p);
}

/* 256 MiB of zeros in a ~256 KiB record: the ratio limit stops inflating. */
static void test_msi_bomb(void **state)
{
    (void)state;
    size_t n = (size_t)256 << 20;
    uint8_t *zeros = calloc(1, n);
    assert_non_null(zeros);
    buf b = {0};
    pe_stub(&b);
    msi_header(&b, 2);
    msi_record(&b, "bomb.bin", zeros, n, 1, 0);
    msi_record(&b, "clam.exe", payload, sizeof payload, 1, 0);
    free(zeros);
    vg_engine *e = engine_with(0, 100, (uint64_t)1 << 30);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_RATIO);
    assert_not_detects(&ev, SIG); /* nothing after a ratio limit */
    vg_engine_unref(e);
    /* max_file_size cuts the bomb; the next record is still scanned */
    e = engine_with(0, 0, 1 << 20);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    assert_detects(&ev, SIG);
    vg_engine_unref(e);
    free(b.p);
}

/* ---- older layout ---- */

static void test_setup_entries(void **state)
{
    (void)state;
    buf b = {0};
    pe_stub(&b);
    setup_entry(&b, "setup.ini", (const uint8_t *)"[Startup]\r\n", 11, 0);
    setup_entry(&b, "clam.exe", payload, sizeof payload, 0);
    put(&b, "\x30\x82\x05\x00 certificate", 16); /* not an entry: the list ends */
    vg_engine *e = engine();
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_detects(&ev, SIG);
    assert_string_equal(vgt_detection_chain(&ev, SIG), "mem//clam.exe");
    assert_int_equal(vgt_count_errors(&ev, VG_OK), 0);
    /* cut in the payload: the part is scanned, the cut reported */
    vgt_scan_mem(e, b.p, b.n - 100, 0, &ev);
    assert_not_detects(&ev, SIG);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_TRUNCATED), 1);
    /* a size of 10^19 - 1 */
    buf h = {0};
    pe_stub(&h);
    setup_entry(&h, "clam.exe", payload, sizeof payload, 9999999999999999999ull);
    vgt_scan_mem(e, h.p, h.n, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, SIG);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_TRUNCATED), 1);
    vg_engine_unref(e);
    free(h.p);
    free(b.p);
}

/* 100000 tiny entries: max_files. */
static void test_setup_max_files(void **state)
{
    (void)state;
    buf b = {0};
    pe_stub(&b);
    for (int i = 0; i < 100000; i++)
        setup_entry(&b, "f", (const uint8_t *)"x", 1, 0);
    vg_engine *e = engine_with(500, 0, 0);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(ev.result.objects, 501);
    vg_engine_unref(e);
    free(b.p);
}

static void build_cab_setup(buf *b, const cab_file *files, size_t n, uint32_t declared)
{
    buf hdr = {0}, cab = {0};
    is_cabinet(&hdr, &cab, files, n, "Program", declared);
    pe_stub(b);
    setup_entry(b, "data1.hdr", hdr.p, hdr.n, 0);
    setup_entry(b, "data2.cab", cab.p, cab.n, 0);
    setup_entry(b, "setup.ini", (const uint8_t *)"[Startup]\r\n", 11, 0);
    free(hdr.p);
    free(cab.p);
}

/* The product's files are in the ISc( cabinet: compressed and stored. */
static void test_cabinet(void **state)
{
    (void)state;
    uint8_t big[100000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i % 251);
    memcpy(big + 70000, payload, sizeof payload); /* not a detection: not the whole member */
    const cab_file files[] = {
        {"big.dat", big, sizeof big, 4},
        {"payload.exe", payload, sizeof payload, 4},
        {"stored.exe", payload, sizeof payload, 0},
    };
    buf b = {0};
    build_cab_setup(&b, files, 3, 0);
    vg_engine *e = engine();
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    int n = 0;
    for (size_t i = 0; i < ev.n; i++)
        if (ev.ev[i].kind == VG_EVENT_DETECTION) {
            n++;
            assert_true(strcmp(ev.ev[i].chain, "mem//Program\\payload.exe") == 0 ||
                        strcmp(ev.ev[i].chain, "mem//Program\\stored.exe") == 0);
        }
    if (n != 2)
        vgt_dump_events(&ev);
    assert_int_equal(n, 2);
    assert_int_equal(vgt_count_errors(&ev, VG_OK), 0);
    assert_int_equal(ev.result.objects, 1 + 3 + 3); /* entries + cabinet files */
    free(b.p);
    /* a file count of 2^32-1: reported, clamped to the room there is */
    memset(&b, 0, sizeof b);
    build_cab_setup(&b, files + 1, 1, 0xffffffffu);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_detects(&ev, SIG);
    assert_int_equal(vgt_count_errors(&ev, VG_ERR_MALFORMED), 1);
    free(b.p);
    vg_engine_unref(e);
}

/* Hostile cabinets: cut anywhere, bytes flipped: no crash, no hang. */
static void test_cabinet_hostile(void **state)
{
    (void)state;
    const cab_file files[] = {{"payload.exe", payload, sizeof payload, 4}};
    buf b = {0};
    build_cab_setup(&b, files, 1, 0);
    vg_engine *e = engine();
    vgt_events ev;
    for (size_t cut = 0x400; cut < b.n; cut += 3) {
        vgt_scan_mem(e, b.p, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
    }
    uint8_t *m = malloc(b.n);
    assert_non_null(m);
    for (size_t i = 0x400; i < b.n; i++) {
        memcpy(m, b.p, b.n);
        m[i] ^= 0xff;
        vgt_scan_mem(e, m, b.n, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
    }
    free(m);
    vg_engine_unref(e);
    free(b.p);
}

static void test_not_ishield(void **state)
{
    (void)state;
    vg_engine *e = engine();
    vgt_events ev;
    buf b = {0};
    pe_stub(&b); /* no overlay */
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_int_equal(ev.result.objects, 1);
    /* overlays that are not InstallShield's */
#define OV(x)                                                                                      \
    {                                                                                              \
        x, sizeof x - 1                                                                            \
    }
    static const struct {
        const char *s;
        size_t n;
    } overlays[] = {
        OV("some random overlay data, nothing here"),
        /* the signature, but a header whose reserved bytes are not zero */
        OV("InstallShield\0\1\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
        OV("name\0path\0v1\0"
           "12\0abcdefghijkl"), /* version not digits */
        OV("name\0path\0"
           "1.0\0"
           "12x\0abcdefghijkl"), /* size not decimal */
        OV("name\0\0"
           "1.0\0"
           "12\0abcdefghijkl"), /* empty path */
    };
#undef OV
    for (size_t i = 0; i < sizeof overlays / sizeof overlays[0]; i++) {
        b.n = 0x400;
        put(&b, overlays[i].s, overlays[i].n);
        put(&b, NULL, 64);
        vgt_scan_mem(e, b.p, b.n, 0, &ev);
        assert_int_equal(ev.result.objects, 1);
        assert_int_equal(vgt_count_errors(&ev, VG_OK), 0);
    }
    vg_engine_unref(e);
    free(b.p);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    const cab_file files[] = {{"payload.exe", payload, sizeof payload, 4}};
    buf c = {0}, m = {0};
    build_cab_setup(&c, files, 1, 0);
    pe_stub(&m);
    msi_header(&m, 1);
    msi_record(&m, "clam.exe", payload, sizeof payload, 1, 0);
    vg_engine *e = engine();
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long n = 1; n < 80; n++) {
        vg_result r;
        vg_mem_fail_after(n);
        vg_error err = vg_scanner_scan_mem(s, c.p, c.n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
        vg_mem_fail_after(n);
        err = vg_scanner_scan_mem(s, m.p, m.n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
    free(c.p);
    free(m.p);
}

/* ---- ClamAV's samples ---- */

static const char *clam_sig =
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n";

static void clamav_file(const char *name, const char *chain_part)
{
    char path[256];
    snprintf(path, sizeof path, "/usr/share/clamav-testfiles/%s", name);
    if (access(path, R_OK) != 0)
        skip();
    vg_engine *e = vgt_engine("clam.hsb", clam_sig);
    vgt_events ev;
    vgt_scan_path(e, path, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_non_null(strstr(vgt_detection_chain(&ev, "ClamAV-Test-File"), chain_part));
    assert_int_equal(vgt_count_errors(&ev, VG_OK), 0);
    vg_engine_unref(e);
}

static void test_clam_iscab_ext(void **state)
{
    (void)state;
    clamav_file("clam_IScab_ext.exe", "//clam.exe");
}

static void test_clam_iscab_int(void **state)
{
    (void)state;
    clamav_file("clam_IScab_int.exe", "//clam.exe");
}

static void test_clam_ismsi_ext(void **state)
{
    (void)state;
    clamav_file("clam_ISmsi_ext.exe", "//clam.exe409.bmp");
}

static void test_clam_ismsi_int(void **state)
{
    (void)state;
    clamav_file("clam_ISmsi_int.exe", "//clam.msi//Data1.cab//clam.exe");
}

int main(void)
{
    vgt_payload(payload, sizeof payload, 0x15, SIG, sigline, sizeof sigline);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msi_found),      cmocka_unit_test(test_msi_records),
        cmocka_unit_test(test_msi_truncated),  cmocka_unit_test(test_msi_bad_lengths),
        cmocka_unit_test(test_msi_max_files),  cmocka_unit_test(test_msi_bomb),
        cmocka_unit_test(test_setup_entries),  cmocka_unit_test(test_setup_max_files),
        cmocka_unit_test(test_cabinet),        cmocka_unit_test(test_cabinet_hostile),
        cmocka_unit_test(test_not_ishield),    cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_clam_iscab_ext), cmocka_unit_test(test_clam_iscab_int),
        cmocka_unit_test(test_clam_ismsi_ext), cmocka_unit_test(test_clam_ismsi_int),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
