/* fmt_archive on what libarchive reads but cannot write (RAR, CAB, LHA,
 * built byte by byte here), self-extracting archives behind an MZ stub, and
 * members with a wrong CRC. */
#include "archive_build.h"

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

static uint8_t *le(uint8_t *o, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        *o++ = (uint8_t)(v >> (8 * i));
    return o;
}

/* ---- formats libarchive reads but cannot write: built byte by byte ---- */

static uint16_t crc16_arc(const uint8_t *p, size_t n) /* LHA's CRC-16 */
{
    uint16_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (uint16_t)((c >> 1) ^ 0xA001u) : (uint16_t)(c >> 1);
    }
    return c;
}

/* RAR 4, one stored member. Each block: CRC16 (low half of the CRC32 of the
 * rest), type, flags, size. */
static size_t rar_block(uint8_t *o, uint8_t type, uint16_t flags, const uint8_t *body, size_t n)
{
    uint8_t *h = o + 2;
    h[0] = type;
    le(h + 1, flags, 2);
    le(h + 3, (uint32_t)(7 + n), 2);
    if (n > 0)
        memcpy(h + 5, body, n);
    le(o, crc32_of(h, 5 + n) & 0xFFFF, 2);
    return 7 + n;
}

static size_t make_rar(uint8_t *o, const uint8_t *data, size_t len)
{
    static const char name[] = "payload.bin";
    uint8_t fh[64], *p = fh, *start = o;
    p = le(p, (uint32_t)len, 4);          /* packed size */
    p = le(p, (uint32_t)len, 4);          /* unpacked size */
    *p++ = 0;                             /* host OS */
    p = le(p, crc32_of(data, len), 4);    /* file CRC */
    p = le(p, 0x5A000000u, 4);            /* DOS time */
    *p++ = 20;                            /* version to extract */
    *p++ = 0x30;                          /* method: store */
    p = le(p, (uint32_t)strlen(name), 2); /* name size */
    p = le(p, 0x20, 4);                   /* attributes */
    memcpy(p, name, strlen(name));
    p += strlen(name);
    memcpy(o, "Rar!\x1A\x07\x00", 7);
    o += 7;
    o += rar_block(o, 0x73, 0, (const uint8_t *)"\0\0\0\0\0\0", 6); /* archive header */
    o += rar_block(o, 0x74, 0x8000, fh, (size_t)(p - fh));          /* file header */
    memcpy(o, data, len);
    o += len;
    o += rar_block(o, 0x7B, 0x4000, NULL, 0); /* end of archive */
    return (size_t)(o - start);
}

/* CAB, one folder stored without compression, no checksum. */
static size_t make_cab(uint8_t *o, const uint8_t *data, size_t len)
{
    static const char name[] = "payload.bin";
    size_t files = 36 + 8, cfdata = files + 16 + sizeof name, total = cfdata + 8 + len;
    uint8_t *p = o;
    memcpy(p, "MSCF", 4);
    p = le(p + 4, 0, 4);
    p = le(p, (uint32_t)total, 4);
    p = le(p, 0, 4);
    p = le(p, (uint32_t)files, 4);
    p = le(p, 0, 4);
    *p++ = 3; /* version 1.3 */
    *p++ = 1;
    p = le(p, 1, 2);                /* folders */
    p = le(p, 1, 2);                /* files */
    p = le(p, 0, 6);                /* flags, set id, cabinet index */
    p = le(p, (uint32_t)cfdata, 4); /* CFFOLDER: first CFDATA */
    p = le(p, 1, 2);
    p = le(p, 0, 2);             /* no compression */
    p = le(p, (uint32_t)len, 4); /* CFFILE */
    p = le(p, 0, 4);
    p = le(p, 0, 2);
    p = le(p, 0x5A21, 2);
    p = le(p, 0, 2);
    p = le(p, 0x20, 2);
    memcpy(p, name, sizeof name);
    p += sizeof name;
    p = le(p, 0, 4); /* CFDATA: no checksum */
    p = le(p, (uint32_t)len, 2);
    p = le(p, (uint32_t)len, 2);
    memcpy(p, data, len);
    return total;
}

/* LHA level 0, -lh0- (stored). */
static size_t make_lha(uint8_t *o, const uint8_t *data, size_t len)
{
    static const char name[] = "payload.bin";
    uint8_t *h = o + 2, *p = h;
    memcpy(p, "-lh0-", 5);
    p = le(p + 5, (uint32_t)len, 4);
    p = le(p, (uint32_t)len, 4);
    p = le(p, 0x5A210000u, 4);
    *p++ = 0x20; /* attribute */
    *p++ = 0;    /* level */
    *p++ = (uint8_t)strlen(name);
    memcpy(p, name, strlen(name));
    p = le(p + strlen(name), crc16_arc(data, len), 2);
    size_t hl = (size_t)(p - h);
    unsigned sum = 0;
    for (size_t i = 0; i < hl; i++)
        sum += h[i];
    o[0] = (uint8_t)hl;
    o[1] = (uint8_t)sum;
    memcpy(p, data, len);
    p[len] = 0; /* end of archive */
    return 2 + hl + len + 1;
}

static void test_readonly_formats(void **state)
{
    (void)state;
    static uint8_t img[0x30000 + 4096];
    size_t (*const makers[])(uint8_t *, const uint8_t *, size_t) = {make_rar, make_cab, make_lha};
    for (size_t i = 0; i < 3; i++) {
        memset(img, 0, sizeof img);
        size_t n = makers[i](img, payload, sizeof payload);
        assert_true(probe_mem(img, n));
        expect_payload(img, n, "mem//payload.bin");
    }
    /* Behind an MZ stub, where libarchive 3.6 looks for each. */
    static const struct {
        int maker;
        size_t at;
        int found;
    } sfx[] = {
        {0, 0x10000, 1},              /* rar: 16-aligned in [64 KiB, 128 KiB) */
        {0, 0x10008, 0},              /* ... not elsewhere */
        {0, 0x30000, 0}, {1, 512, 1}, /* cab: in the first 128 KiB */
        {1, 0x30000, 0}, {2, 512, 1}, /* lha: in the first 20 KiB */
    };
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        memset(img, 0, sizeof img);
        memcpy(img, "MZ\x90", 3);
        size_t n = sfx[i].at + makers[sfx[i].maker](img + sfx[i].at, payload, sizeof payload);
        assert_int_equal(probe_mem(img, n), sfx[i].found);
        if (sfx[i].found)
            expect_payload(img, n, "mem//payload.bin");
    }
}

/* A member whose CRC does not match is reported, and scanned all the same:
 * a wrong checksum must not be a way to hide a member. */
static void test_bad_crc(void **state)
{
    (void)state;
    member m[] = {{"payload.bin", payload, sizeof payload, 0}};
    size_t len;
    uint8_t *a = build_opts("zip", NULL, "zip:compression=store", m, 1, &len);
    assert_non_null(a);
    uint8_t crc[4];
    le(crc, crc32_of(payload, sizeof payload), 4);
    int patched = 0;
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(a + i, crc, 4) == 0) {
            a[i] ^= 0xFF; /* local header, data descriptor, central directory */
            patched++;
        }
    assert_true(patched >= 2);
    vg_engine *e = engine_with(NULL);
    vgt_events ev;
    vgt_scan_mem(e, a, len, VG_SCAN_ALLMATCH, &ev);
    vgt_dump_events(&ev);
    assert_string_equal(vgt_detection_chain(&ev, SIG_NAME), "mem//payload.bin");
    assert_true(vgt_count_errors(&ev, VG_ERR_MALFORMED) >= 1);
    vg_engine_unref(e);
    free(a);
}

/* Self-extracting archives: an MZ stub, then the archive. */
static void test_sfx(void **state)
{
    (void)state;
    size_t zlen, slen;
    uint8_t *zip = build_one("zip", NULL, "payload.bin", payload, sizeof payload, &zlen);
    uint8_t *sz = build_one("7zip", NULL, "payload.bin", payload, sizeof payload, &slen);
    size_t stub = 0x28000;
    uint8_t *exe = calloc(1, stub + zlen + slen);
    memcpy(exe, "MZ\x90", 3);
    assert_false(probe_mem(exe, stub)); /* a bare stub is not an archive */

    memcpy(exe + 4096, zip, zlen); /* zip: found by its end record */
    assert_true(probe_mem(exe, 4096 + zlen));
    expect_payload(exe, 4096 + zlen, "mem//payload.bin");

    memset(exe + 4096, 0, zlen);
    memcpy(exe + stub, sz, slen); /* 7z: behind a 7-Zip-sized stub */
    assert_true(probe_mem(exe, stub + slen));
    expect_payload(exe, stub + slen, "mem//payload.bin");
    free(exe);
    free(zip);
    free(sz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sfx),
        cmocka_unit_test(test_readonly_formats),
        cmocka_unit_test(test_bad_crc),
    };
    return cmocka_run_group_tests(tests, setup_all, NULL);
}
