/* OLE2 compound files: streams (regular, mini, v4, DIFAT sectors), Package
 * objects, MSI names, VBA macros, PowerPoint's compressed OLE objects, and
 * hostile structures (FAT loops, directory cycles, sectors past the end,
 * cut files, huge sizes, deep nesting), all built by ole2_build.h. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/mem.h"
#include "ole2_build.h"

static uint8_t payload[544];   /* mini-stream sized */
static uint8_t big[6000];      /* regular-stream sized */
static char module_text[9000]; /* VBA source */
static char sigs[1024];

static void make_payloads(void)
{
    size_t o = (size_t)sprintf(module_text, "Attribute VB_Name = \"Module1\"\r\n"
                                            "Sub AutoOpen()\r\n");
    for (int i = 0; o < 8000; i++)
        o += (size_t)sprintf(module_text + o, "    Call Shell(\"cmd /c echo step %d\", 0)\r\n", i);
    sprintf(module_text + o, "    ' VIGIL-VBA-TEST-MARKER\r\nEnd Sub\r\n");
    char a[200], b[200], c[200];
    vgt_payload(payload, sizeof payload, 12345, "Test.OLE2.Payload", a, sizeof a);
    vgt_payload(big, sizeof big, 54321, "Test.OLE2.Big", b, sizeof b);
    vgt_hsb_line(module_text, strlen(module_text), "Test.OLE2.VBA", c, sizeof c);
    snprintf(sigs, sizeof sigs, "%s%s%s", a, b, c);
}

/* \1Ole10Native stream: u32 size, u16 2, label, path, u16 0, u16 3, u32 n +
 * tmp path (pad bytes longer, to make the stream regular-sized), u32 size,
 * data. */
static size_t ole10native(uint8_t *out, const char *label, const void *data, size_t len, size_t pad)
{
    size_t o = 4;
    ob_put16(out + o, 2);
    o += 2;
    o += (size_t)sprintf((char *)out + o, "%s", label) + 1;
    o += (size_t)sprintf((char *)out + o, "C:\\Users\\x\\%s", label) + 1;
    ob_put16(out + o, 0);
    ob_put16(out + o + 2, 3);
    o += 4;
    char tmp[64];
    size_t tl = (size_t)snprintf(tmp, sizeof tmp, "C:\\Temp\\%s", label) + 1;
    ob_put32(out + o, (uint32_t)(tl + pad));
    o += 4;
    memcpy(out + o, tmp, tl);
    memset(out + o + tl, 'p', pad);
    o += tl + pad;
    ob_put32(out + o, (uint32_t)len);
    o += 4;
    memcpy(out + o, data, len);
    o += len;
    ob_put32(out, (uint32_t)(o - 4));
    return o;
}

static vg_engine *engine(void)
{
    return vgt_engine("t.hsb", sigs);
}

static void scan(const uint8_t *buf, size_t len, vgt_events *ev)
{
    vg_engine *e = engine();
    vgt_scan_mem(e, buf, len, VG_SCAN_ALLMATCH, ev);
    vg_engine_unref(e);
}

static int count_errors_with(const vgt_events *ev, const char *text)
{
    int n = 0;
    for (size_t i = 0; i < ev->n; i++)
        if (ev->ev[i].kind == VG_EVENT_ERROR && strstr(ev->ev[i].message, text) != NULL)
            n++;
    return n;
}

/* A Word-like file: WordDocument (regular), Data/Payload (mini), big. */
static uint8_t *word_like(ob_file *f, unsigned shift, int reverse, size_t *len)
{
    static uint8_t doc[5000];
    memset(doc, 'w', sizeof doc);
    ob_init(f, shift);
    f->reverse = reverse;
    ob_add(f, 0, OB_STREAM, "WordDocument", doc, sizeof doc);
    int data = ob_add(f, 0, OB_STORAGE, "Data", NULL, 0);
    ob_add(f, data, OB_STREAM, "Payload", payload, sizeof payload);
    ob_add(f, data, OB_STREAM, "Empty", NULL, 0);
    ob_add(f, 0, OB_STREAM, "\005SummaryInformation", "xyz", 3);
    ob_add(f, 0, OB_STREAM, "Big", big, sizeof big);
    return ob_build(f, len);
}

static void test_regular_and_mini(void **state)
{
    (void)state;
    for (int reverse = 0; reverse < 2; reverse++) {
        ob_file f;
        size_t len;
        uint8_t *buf = word_like(&f, 9, reverse, &len);
        vgt_events ev;
        scan(buf, len, &ev);
        assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Big"), "mem//Big");
        assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Payload"), "mem//Data/Payload");
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
        /* the file, WordDocument, Payload, \5SummaryInformation, Big */
        assert_int_equal(ev.result.objects, 5);
        free(buf);
    }
}

static void test_clean(void **state)
{
    (void)state;
    static uint8_t doc[9000];
    memset(doc, 'c', sizeof doc);
    ob_file f;
    ob_init(&f, 9);
    ob_add(&f, 0, OB_STREAM, "WordDocument", doc, sizeof doc);
    ob_add(&f, 0, OB_STREAM, "1Table", doc, 100);
    size_t len;
    uint8_t *buf = ob_build(&f, &len);
    vgt_events ev;
    scan(buf, len, &ev);
    assert_clean(&ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    assert_int_equal(ev.result.objects, 3);
    free(buf);
}

static void test_ole10native(void **state)
{
    (void)state;
    static uint8_t pkg[8000];
    size_t plen = ole10native(pkg, "clam.exe", payload, sizeof payload, 0);
    ob_file f;
    ob_init(&f, 9);
    ob_add(&f, 0, OB_STREAM, "WordDocument", "abc", 3);
    int pool = ob_add(&f, 0, OB_STORAGE, "ObjectPool", NULL, 0);
    int obj = ob_add(&f, pool, OB_STORAGE, "_1234", NULL, 0);
    ob_add(&f, obj, OB_STREAM, "\001CompObj", "compobj", 7);
    ob_add(&f, obj, OB_STREAM, "\001Ole10Native", pkg, plen);
    size_t len;
    uint8_t *buf = ob_build(&f, &len);
    vgt_events ev;
    scan(buf, len, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Payload"),
                        "mem//ObjectPool/_1234/\\x01Ole10Native/clam.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    free(buf);

    /* declared size past the stream: what is there is scanned, and reported */
    plen = ole10native(pkg, "cut.exe", payload, sizeof payload, 0);
    ob_put32(pkg + plen - sizeof payload - 4, 100000);
    ob_init(&f, 9);
    ob_add(&f, 0, OB_STREAM, "\001Ole10Native", pkg, plen);
    buf = ob_build(&f, &len);
    scan(buf, len, &ev);
    assert_detects(&ev, "Test.OLE2.Payload");
    assert_int_equal(count_errors_with(&ev, "package declares"), 1);
    free(buf);
}

/* v4: 4096-byte sectors; a Package stream big enough for regular sectors,
 * and a mini stream. */
static void test_v4(void **state)
{
    (void)state;
    static uint8_t pkg[16384];
    size_t plen = ole10native(pkg, "big.bin", big, sizeof big, 3000);
    ob_file f;
    ob_init(&f, 12);
    int s = ob_add(&f, 0, OB_STORAGE, "Objects", NULL, 0);
    ob_add(&f, s, OB_STREAM, "\001Ole10Native", pkg, plen);
    ob_add(&f, 0, OB_STREAM, "Payload", payload, sizeof payload);
    size_t len;
    uint8_t *buf = ob_build(&f, &len);
    assert_int_equal(buf[26], 4);
    vgt_events ev;
    scan(buf, len, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Big"),
                        "mem//Objects/\\x01Ole10Native/big.bin");
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Payload"), "mem//Payload");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    free(buf);
}

/* More than 109 FAT sectors: the rest are listed in DIFAT sectors. The
 * payload sits past the sectors the header's DIFAT covers. */
static void test_difat_sectors(void **state)
{
    (void)state;
    size_t flen = (size_t)110 * 128 * 512;
    uint8_t *filler = calloc(1, flen);
    ob_file f;
    ob_init(&f, 9);
    ob_add(&f, 0, OB_STREAM, "Filler", filler, flen);
    ob_add(&f, 0, OB_STREAM, "Big", big, sizeof big);
    size_t len;
    uint8_t *buf = ob_build(&f, &len);
    assert_true(f.ndif >= 1);
    assert_true(f.e[2].start > 109 * 128);
    vgt_events ev;
    scan(buf, len, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Big"), "mem//Big");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    /* a header that says 0 FAT sectors: the DIFAT is read anyway */
    ob_put32(buf + 44, 0);
    scan(buf, len, &ev);
    assert_detects(&ev, "Test.OLE2.Big");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    ob_put32(buf + 44, f.nfat);
    /* break the DIFAT chain: Big's FAT entries are gone, Filler's early
     * sectors are still read, and the damage is reported */
    ob_put32(buf + 68, 0x7FFFFFF0u);
    scan(buf, len, &ev);
    assert_not_detects(&ev, "Test.OLE2.Big");
    assert_true(count_errors_with(&ev, "DIFAT") >= 1);
    free(buf);
    free(filler);
}

/* MSI packs two base-64 characters into one code unit. */
static size_t msi_name(const char *s, int table, uint16_t *out)
{
    static const char tab[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._";
    size_t n = 0, len = strlen(s);
    if (table)
        out[n++] = 0x4840;
    for (size_t i = 0; i < len; i += 2) {
        unsigned a = (unsigned)(strchr(tab, s[i]) - tab);
        if (i + 1 < len) {
            unsigned b = (unsigned)(strchr(tab, s[i + 1]) - tab);
            out[n++] = (uint16_t)(0x3800 + a + (b << 6));
        } else {
            out[n++] = (uint16_t)(0x4800 + a);
        }
    }
    return n;
}

static void test_msi_names(void **state)
{
    (void)state;
    uint16_t n1[32], n2[32];
    size_t l1 = msi_name("Data1.cab", 0, n1), l2 = msi_name("_Streams", 1, n2);
    ob_file f;
    ob_init(&f, 9);
    ob_add16(&f, 0, OB_STREAM, n2, (unsigned)l2, "tbl", 3);
    ob_add16(&f, 0, OB_STREAM, n1, (unsigned)l1, payload, sizeof payload);
    size_t len;
    uint8_t *buf = ob_build(&f, &len);
    vgt_events ev;
    scan(buf, len, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Payload"), "mem//Data1.cab");
    free(buf);
}

static size_t dir_record(uint8_t *p, unsigned id, const void *data, uint32_t size)
{
    ob_put16(p, id);
    ob_put32(p + 2, size);
    memcpy(p + 6, data, size);
    return 6 + size;
}

static void test_vba(void **state)
{
    (void)state;
    /* dir: project records (PROJECTVERSION's odd size included), one module */
    uint8_t dir[512], u32[4];
    size_t d = 0;
    ob_put32(u32, 1);
    d += dir_record(dir + d, 0x0001, u32, 4);
    d += dir_record(dir + d, 0x0003, "\xe4\x04", 2);
    d += dir_record(dir + d, 0x0004, "VBAProject", 10);
    /* PROJECTVERSION: id, reserved "size" 4, major u32, minor u16 */
    memcpy(dir + d, "\x09\x00\x04\x00\x00\x00\x01\x00\x00\x00\x02\x00", 12);
    d += 12;
    d += dir_record(dir + d, 0x000F, "\x01\x00", 2);
    d += dir_record(dir + d, 0x0013, "\xff\xff", 2);
    d += dir_record(dir + d, 0x0019, "Module1", 7);
    d += dir_record(dir + d, 0x0047, "M\0o\0d\0u\0l\0e\0001\0", 14);
    d += dir_record(dir + d, 0x001A, "Module1", 7);
    d += dir_record(dir + d, 0x0032, "M\0o\0d\0u\0l\0e\0001\0", 14);
    d += dir_record(dir + d, 0x001C, "", 0);
    d += dir_record(dir + d, 0x0048, "", 0);
    ob_put32(u32, 333);
    d += dir_record(dir + d, 0x0031, u32, 4);
    d += dir_record(dir + d, 0x0021, "", 0);
    d += dir_record(dir + d, 0x002B, "", 0);
    d += dir_record(dir + d, 0x0010, "", 0);
    static uint8_t cdir[1024], module[16384];
    size_t cdlen = ob_ovba_compress(dir, d, cdir);
    memset(module, 0xA5, 333); /* p-code */
    size_t tlen = strlen(module_text);
    size_t mlen = 333 + ob_ovba_compress((const uint8_t *)module_text, tlen, module + 333);
    assert_true(mlen < 333 + tlen / 2); /* copy tokens were used */

    ob_file f;
    ob_init(&f, 9);
    ob_add(&f, 0, OB_STREAM, "WordDocument", "abc", 3);
    int macros = ob_add(&f, 0, OB_STORAGE, "Macros", NULL, 0);
    int vba = ob_add(&f, macros, OB_STORAGE, "VBA", NULL, 0);
    ob_add(&f, vba, OB_STREAM, "_VBA_PROJECT", "\xcc\x61\xff\xff\x00", 5);
    ob_add(&f, vba, OB_STREAM, "dir", cdir, cdlen);
    ob_add(&f, vba, OB_STREAM, "Module1", module, mlen);
    size_t len;
    uint8_t *buf = ob_build(&f, &len);
    vgt_events ev;
    scan(buf, len, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.VBA"), "mem//vba:Module1");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);

    /* a damaged copy token in the source: what decoded before is scanned,
     * the damage reported */
    buf[ob_stream_off(&f, 6, 333 + 2)] ^= 0x40; /* the chunk header's signature bits */
    scan(buf, len, &ev);
    assert_not_detects(&ev, "Test.OLE2.VBA");
    assert_int_equal(count_errors_with(&ev, "VBA module Module1"), 1);
    free(buf);
}

/* PowerPoint: DocumentContainer, then ExOleObjStg records holding a whole
 * compound file, zlib-compressed (instance 1) and stored (instance 0). */
static void test_ppt(void **state)
{
    (void)state;
    static uint8_t pkg[2048];
    size_t plen = ole10native(pkg, "clam.exe", payload, sizeof payload, 0);
    ob_file inner;
    ob_init(&inner, 9);
    ob_add(&inner, 0, OB_STREAM, "\001Ole10Native", pkg, plen);
    size_t ilen;
    uint8_t *ifile = ob_build(&inner, &ilen);
    uLongf clen = compressBound(ilen);
    uint8_t *z = malloc(clen);
    assert_int_equal(compress2(z, &clen, ifile, ilen, 9), Z_OK);

    size_t cap = 64 + clen + sizeof big;
    uint8_t *rec = calloc(1, cap);
    size_t o = 0;
    ob_put16(rec + o, 0x000F); /* DocumentContainer { DocumentAtom } */
    ob_put16(rec + o + 2, 0x03E8);
    ob_put32(rec + o + 4, 8 + 4);
    ob_put16(rec + o + 8, 0x0001);
    ob_put16(rec + o + 10, 0x03E9);
    ob_put32(rec + o + 12, 4);
    o += 20;
    size_t comp_at = o;
    ob_put16(rec + o, 0x0010); /* ver 0, instance 1 */
    ob_put16(rec + o + 2, 0x1011);
    ob_put32(rec + o + 4, (uint32_t)(4 + clen));
    ob_put32(rec + o + 8, (uint32_t)ilen);
    memcpy(rec + o + 12, z, clen);
    o += 12 + clen;
    ob_put16(rec + o, 0x000F); /* a container holding the stored one */
    ob_put16(rec + o + 2, 0x0FF0);
    ob_put32(rec + o + 4, (uint32_t)(8 + sizeof big));
    o += 8;
    size_t raw_at = o;
    ob_put16(rec + o, 0x0000);
    ob_put16(rec + o + 2, 0x1011);
    ob_put32(rec + o + 4, (uint32_t)sizeof big);
    memcpy(rec + o + 8, big, sizeof big);
    o += 8 + sizeof big;

    ob_file f;
    ob_init(&f, 9);
    ob_add(&f, 0, OB_STREAM, "Current User", "cu", 2);
    ob_add(&f, 0, OB_STREAM, "PowerPoint Document", rec, o);
    size_t len;
    uint8_t *buf = ob_build(&f, &len);
    vgt_events ev;
    scan(buf, len, &ev);
    char want[128];
    snprintf(want, sizeof want,
             "mem//PowerPoint Document/ExOleObjStg@%zu//\\x01Ole10Native/clam.exe", comp_at);
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Payload"), want);
    snprintf(want, sizeof want, "mem//PowerPoint Document/ExOleObjStg@%zu", raw_at);
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Big"), want);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);

    /* zlib data cut short: an error, and no hang */
    ob_put32(rec + comp_at + 4, (uint32_t)(4 + clen / 2));
    ob_put16(rec + comp_at + 8 + 4 + clen / 2, 0); /* keep the rest parseable */
    free(buf);
    buf = ob_build(&f, &len);
    scan(buf, len, &ev);
    assert_true(count_errors_with(&ev, "zlib") >= 1);
    free(buf);
    free(rec);
    free(z);
    free(ifile);
}

/* ---- hostile ---- */

static void test_fat_loop(void **state)
{
    (void)state;
    ob_file f;
    size_t len;
    uint8_t *buf = word_like(&f, 9, 0, &len);
    uint32_t s = f.e[1].start; /* WordDocument: 10 sectors */
    ob_set_fat(&f, buf, s + 3, s);
    vgt_events ev;
    scan(buf, len, &ev);
    assert_int_equal(count_errors_with(&ev, "loops"), 1);
    assert_detects(&ev, "Test.OLE2.Big"); /* other streams are still read */
    assert_detects(&ev, "Test.OLE2.Payload");
    /* a directory chain that loops onto itself, and a mini chain loop */
    ob_set_fat(&f, buf, f.dir_start, f.dir_start);
    uint64_t mf = ob_sector_off(&f, f.minifat_start);
    ob_put32(buf + mf + 4 * (f.e[3].start + 2), f.e[3].start);
    scan(buf, len, &ev);
    assert_true(count_errors_with(&ev, "loops") >= 2);
    assert_int_equal(ev.err, VG_OK);
    free(buf);
}

static void test_dir_cycle(void **state)
{
    (void)state;
    ob_file f;
    size_t len;
    uint8_t *buf = word_like(&f, 9, 0, &len);
    /* Data loses its child (Payload becomes an orphan), SummaryInformation
     * links back to WordDocument and Big to the root (cycles), and Big's
     * right link points nowhere */
    ob_put32(buf + ob_dir_off(&f, 2) + 76, OB_FREE);
    ob_put32(buf + ob_dir_off(&f, 5) + 68, 1);
    ob_put32(buf + ob_dir_off(&f, 6) + 68, 0);
    ob_put32(buf + ob_dir_off(&f, 6) + 72, 77777);
    vgt_events ev;
    scan(buf, len, &ev);
    assert_int_equal(count_errors_with(&ev, "twice"), 1);
    assert_int_equal(count_errors_with(&ev, "77777"), 1);
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Payload"), "mem//orphan:Payload");
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Big"), "mem//Big");
    /* a left link to the entry itself */
    ob_put32(buf + ob_dir_off(&f, 1) + 68, 1);
    scan(buf, len, &ev);
    assert_int_equal(count_errors_with(&ev, "twice"), 1);
    assert_int_equal(ev.err, VG_OK);
    free(buf);
}

static void test_sector_past_eof(void **state)
{
    (void)state;
    ob_file f;
    size_t len;
    uint8_t *buf = word_like(&f, 9, 0, &len);
    ob_put32(buf + ob_dir_off(&f, 1) + 116, 0x00FFFFFF); /* WordDocument's start */
    ob_set_fat(&f, buf, f.e[6].start + 2, 0x7FFFFFFF);   /* inside Big's chain */
    ob_put32(buf + 76, 0x00ABCDEF);                      /* FAT sector 0 is not in the file */
    vgt_events ev;
    scan(buf, len, &ev);
    assert_true(count_errors_with(&ev, "not in the file") == 1);
    assert_int_equal(ev.err, VG_OK);
    ob_put32(buf + 76, 0);
    scan(buf, len, &ev);
    assert_true(count_errors_with(&ev, "points past the end") == 2);
    assert_detects(&ev, "Test.OLE2.Payload");
    free(buf);
}

static void test_huge_size(void **state)
{
    (void)state;
    for (unsigned shift = 9; shift <= 12; shift += 3) {
        ob_file f;
        size_t len;
        uint8_t *buf = word_like(&f, shift, 0, &len);
        uint8_t *e = buf + ob_dir_off(&f, 1);
        ob_put32(e + 120, 0xFFFFFFF0u);
        ob_put32(e + 124, 0x00000100u); /* 1 TiB in v4; ignored in v3 */
        vgt_events ev;
        scan(buf, len, &ev);
        assert_int_equal(count_errors_with(&ev, "WordDocument declares"), 1);
        assert_detects(&ev, "Test.OLE2.Payload");
        assert_detects(&ev, "Test.OLE2.Big");
        free(buf);
    }
}

static void test_truncated(void **state)
{
    (void)state;
    ob_file f;
    size_t len;
    uint8_t *buf = word_like(&f, 9, 0, &len);
    /* Big is the last stream: cut inside it */
    vgt_events ev;
    scan(buf, len - 1000, &ev);
    assert_detects(&ev, "Test.OLE2.Payload");
    assert_not_detects(&ev, "Test.OLE2.Big");
    assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);
    vg_engine *e = engine();
    for (size_t cut = 0; cut < len; cut += 97) {
        vgt_scan_mem(e, buf, cut, VG_SCAN_ALLMATCH, &ev);
        assert_int_equal(ev.err, VG_OK);
        if (cut >= 8 && cut + 512 < len) /* a cut in the last sector's padding loses nothing */
            assert_true(vgt_count_kind(&ev, VG_EVENT_ERROR) >= 1);
    }
    vg_engine_unref(e);
    free(buf);
}

static void test_deep_storages(void **state)
{
    (void)state;
    ob_file f;
    ob_init(&f, 9);
    int p = 0;
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "s%d", i);
        p = ob_add(&f, p, OB_STORAGE, name, NULL, 0);
    }
    ob_add(&f, p, OB_STREAM, "deep", payload, sizeof payload);
    ob_add(&f, 0, OB_STREAM, "shallow", payload, sizeof payload);
    size_t len;
    uint8_t *buf = ob_build(&f, &len);
    vgt_events ev;
    scan(buf, len, &ev);
    assert_incomplete(&ev, VG_LIMIT_DEPTH);
    assert_string_equal(vgt_detection_chain(&ev, "Test.OLE2.Payload"), "mem//shallow");
    free(buf);
}

/* A hundred entries all naming the same 7 MiB chain: the chains followed
 * are capped by the file's size, not by entries x sectors. */
static void test_shared_sectors(void **state)
{
    (void)state;
    size_t flen = (size_t)14000 * 512;
    uint8_t *filler = calloc(1, flen);
    ob_file f;
    ob_init(&f, 9);
    ob_add(&f, 0, OB_STREAM, "Filler", filler, flen);
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "s%d", i);
        ob_add(&f, 0, OB_STREAM, name, "x", 1);
    }
    size_t len;
    uint8_t *buf = ob_build(&f, &len);
    for (unsigned i = 2; i < f.n; i++) {
        ob_put32(buf + ob_dir_off(&f, i) + 116, f.e[1].start);
        ob_put32(buf + ob_dir_off(&f, i) + 120, (uint32_t)flen);
    }
    vg_limits lim = vg_limits_default();
    lim.max_scan_size = 1u << 20;
    vg_engine *e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_events ev;
    vgt_scan_mem(e, buf, len, 0, &ev);
    int hit = 0;
    for (size_t i = 0; i < ev.n; i++)
        hit |= ev.ev[i].kind == VG_EVENT_LIMIT && strstr(ev.ev[i].message, "share sectors");
    assert_true(hit);
    assert_true(ev.result.objects < 100);
    vg_engine_unref(e);
    free(buf);
    free(filler);
}

static void test_limits(void **state)
{
    (void)state;
    ob_file f;
    size_t len;
    uint8_t *buf = word_like(&f, 9, 1, &len);
    vg_limits lim = vg_limits_default();
    lim.max_files = 2;
    vg_engine *e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_events ev;
    vgt_scan_mem(e, buf, len, VG_SCAN_ALLMATCH, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(ev.result.objects, 3);
    vg_engine_unref(e);

    lim = vg_limits_default();
    lim.max_file_size = 5500; /* WordDocument (5000) fits, Big (6000) does not */
    e = vgt_engine_limits("t.hsb", sigs, &lim);
    vgt_scan_mem(e, buf, len, VG_SCAN_ALLMATCH, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    assert_detects(&ev, "Test.OLE2.Payload");
    assert_not_detects(&ev, "Test.OLE2.Big");
    vg_engine_unref(e);
    free(buf);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    ob_file f;
    size_t len;
    uint8_t *buf = word_like(&f, 9, 1, &len);
    vg_engine *e = engine();
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long n = 1; n < 80; n++) {
        vg_result r;
        vg_mem_fail_after(n);
        vg_error err = vg_scanner_scan_mem(s, buf, len, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
    free(buf);
}

static void clamav_file(const char *name, const char *inner)
{
    char path[256];
    snprintf(path, sizeof path, "/usr/share/clamav-testfiles/%s", name);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        skip();
    fclose(fp);
    vg_engine *e =
        vgt_engine("clam.hsb", "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df5"
                               "80d4495:544:ClamAV-Test-File\n");
    vgt_events ev;
    vgt_scan_path(e, path, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_non_null(strstr(vgt_detection_chain(&ev, "ClamAV-Test-File"), inner));
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
}

static void test_clamav_doc(void **state)
{
    (void)state;
    clamav_file("clam.ole.doc", "ObjectPool/_1279313719/\\x01Ole10Native/Clam.exe");
}

static void test_clamav_ppt(void **state)
{
    (void)state;
    clamav_file("clam.ppt", "PowerPoint Document/ExOleObjStg@4422//\\x01Ole10Native/clam.exe");
}

int main(void)
{
    make_payloads();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regular_and_mini),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_ole10native),
        cmocka_unit_test(test_v4),
        cmocka_unit_test(test_difat_sectors),
        cmocka_unit_test(test_msi_names),
        cmocka_unit_test(test_vba),
        cmocka_unit_test(test_ppt),
        cmocka_unit_test(test_fat_loop),
        cmocka_unit_test(test_dir_cycle),
        cmocka_unit_test(test_sector_past_eof),
        cmocka_unit_test(test_huge_size),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_deep_storages),
        cmocka_unit_test(test_shared_sectors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_clamav_doc),
        cmocka_unit_test(test_clamav_ppt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
