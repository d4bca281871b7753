/* TNEF (winmail.dat): generated streams with the attribute layout
 * (signature, key, then level/id/length/data/checksum): attachments named
 * by title or MAPI long file name, two attachments, embedded messages,
 * the compressed RTF body, cut and hostile streams, limits, and ClamAV's
 * clam.tnef. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "fmt_testbuf.h"

#define CLAM_TNEF "/usr/share/clamav-testfiles/clam.tnef"
#define CLAM_SIG                                                                                   \
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"

#define ATT_MAPI_PROPS   0x00069003u
#define ATT_REND_DATA    0x00069002u
#define ATT_ATTACH_DATA  0x0006800fu
#define ATT_ATTACH_TITLE 0x00018010u
#define ATT_ATTACHMENT   0x00069005u

static uint8_t payload[544];
static char sigline[200];

static void tnef_begin(tbuf *b)
{
    memset(b, 0, sizeof *b);
    tb_le32(b, 0x223e9f78u);
    tb_le16(b, 0x0001);
}

static void attr(tbuf *b, uint8_t level, uint32_t id, const void *data, uint32_t len)
{
    tb_put(b, &level, 1);
    tb_le32(b, id);
    tb_le32(b, len);
    tb_put(b, data, len);
    uint16_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum = (uint16_t)(sum + ((const uint8_t *)data)[i]);
    tb_le16(b, sum);
}

static void rend_data(tbuf *b)
{
    static const uint8_t rd[14] = {1, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
    attr(b, 2, ATT_REND_DATA, rd, sizeof rd);
}

/* One MAPI variable-size value: u32 count 1, u32 size, data, pad. */
static void mapi_value(tbuf *m, uint16_t type, uint16_t id, const void *d, uint32_t len)
{
    tb_le32(m, (uint32_t)id << 16 | type);
    tb_le32(m, 1);
    tb_le32(m, len);
    tb_put(m, d, len);
    static const uint8_t zero[4] = {0};
    tb_put(m, zero, (4 - len % 4) % 4);
}

static void attachment(tbuf *b, const char *title, const void *data, uint32_t len)
{
    rend_data(b);
    if (title)
        attr(b, 2, ATT_ATTACH_TITLE, title, (uint32_t)strlen(title) + 1);
    attr(b, 2, ATT_ATTACH_DATA, data, len);
}

static void test_found_by_title(void **state)
{
    (void)state;
    tbuf b;
    tnef_begin(&b);
    attachment(&b, "clam.exe", payload, sizeof payload);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_detects(&ev, "Test.TNEF.Payload");
    assert_string_equal(vgt_detection_chain(&ev, "Test.TNEF.Payload"), "mem//clam.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
    free(b.p);
}

/* Data first, then the title, then MAPI properties with a Unicode long
 * file name: the long name wins, as Outlook shows it. */
static void test_long_name_and_unnamed(void **state)
{
    (void)state;
    tbuf b, m = {0};
    tnef_begin(&b);
    rend_data(&b);
    attr(&b, 2, ATT_ATTACH_DATA, payload, sizeof payload);
    attr(&b, 2, ATT_ATTACH_TITLE, "LONGNA~1.EXE", 13);
    tb_le32(&m, 2);
    tb_le32(&m, 0x0e200003u); /* PR_ATTACH_SIZE, LONG */
    tb_le32(&m, sizeof payload);
    static const char ln[] = "Long \xe9 Name.exe";
    uint8_t u16[64];
    size_t k = 0;
    for (size_t i = 0; i < sizeof ln; i++) {
        u16[k++] = (uint8_t)ln[i];
        u16[k++] = 0;
    }
    mapi_value(&m, 0x001f, 0x3707, u16, (uint32_t)k);
    attr(&b, 2, ATT_ATTACHMENT, m.p, (uint32_t)m.n);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.TNEF.Payload"),
                        "mem//Long \xc3\xa9 Name.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    free(b.p);

    tnef_begin(&b);
    attachment(&b, NULL, payload, sizeof payload);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.TNEF.Payload"), "mem//attachment1");
    vg_engine_unref(e);
    free(b.p);
    free(m.p);
}

static void test_two_attachments(void **state)
{
    (void)state;
    tbuf b;
    uint8_t text[100];
    memset(text, 'a', sizeof text);
    tnef_begin(&b);
    attr(&b, 1, 0x00018004u, "subject", 8); /* attSubject: ignored */
    attachment(&b, "a.txt", text, sizeof text);
    attachment(&b, "b.exe", payload, sizeof payload);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.TNEF.Payload"), "mem//b.exe");
    assert_int_equal(ev.result.objects, 3);
    free(b.p);

    /* a clean message: both members scanned, nothing found */
    tnef_begin(&b);
    attachment(&b, "a.txt", text, sizeof text);
    attachment(&b, "c.txt", text, 50);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_clean(&ev);
    assert_int_equal(ev.result.objects, 3);
    vg_engine_unref(e);
    free(b.p);
}

/* An embedded message (PR_ATTACH_DATA_OBJ, PT_OBJECT: IID + TNEF) is
 * emitted and opened by this handler again. */
static void test_embedded_message(void **state)
{
    (void)state;
    tbuf inner, outer, m = {0};
    tnef_begin(&inner);
    attachment(&inner, "clam.exe", payload, sizeof payload);
    tbuf obj = {0};
    static const uint8_t iid[16] = {0x07, 0x03, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46};
    tb_put(&obj, iid, 16);
    tb_put(&obj, inner.p, inner.n);
    tb_le32(&m, 2);
    mapi_value(&m, 0x001e, 0x3707, "forwarded.msg", 14);
    mapi_value(&m, 0x000d, 0x3701, obj.p, (uint32_t)obj.n);
    tnef_begin(&outer);
    rend_data(&outer);
    attr(&outer, 2, ATT_ATTACHMENT, m.p, (uint32_t)m.n);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, outer.p, outer.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.TNEF.Payload"),
                        "mem//forwarded.msg//clam.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
    free(inner.p);
    free(outer.p);
    free(obj.p);
    free(m.p);
}

/* Compressed RTF with literals only, then the end marker. */
static void lzfu_literals(tbuf *out, const uint8_t *d, size_t len)
{
    tbuf body = {0};
    for (size_t i = 0; i < len; i += 8) {
        size_t n = len - i < 8 ? len - i : 8;
        uint8_t control = (uint8_t)(n < 8 ? 1u << n : 0); /* end marker after a short group */
        tb_put(&body, &control, 1);
        tb_put(&body, d + i, n);
        if (n < 8)
            goto end_marker;
    }
    uint8_t control = 1;
    tb_put(&body, &control, 1);
end_marker:;
    size_t w = (207 + len) % 4096;
    uint8_t tok[2] = {(uint8_t)(w >> 4), (uint8_t)((w & 15) << 4)};
    tb_put(&body, tok, 2);
    tb_le32(out, (uint32_t)(body.n + 12));
    tb_le32(out, (uint32_t)len);
    tb_le32(out, 0x75465a4cu); /* "LZFu" */
    tb_le32(out, 0);
    tb_put(out, body.p, body.n);
    free(body.p);
}

static void test_rtf_body(void **state)
{
    (void)state;
    tbuf b, m = {0}, rtf = {0};
    lzfu_literals(&rtf, payload, sizeof payload);
    tb_le32(&m, 1);
    mapi_value(&m, 0x0102, 0x1009, rtf.p, (uint32_t)rtf.n);
    tnef_begin(&b);
    attr(&b, 1, ATT_MAPI_PROPS, m.p, (uint32_t)m.n);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_string_equal(vgt_detection_chain(&ev, "Test.TNEF.Payload"), "mem//body.rtf");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    free(b.p);
    free(m.p);

    /* the RTF stream cut short: what was decoded is scanned, the cut reported */
    m = (tbuf){0};
    tb_le32(&m, 1);
    mapi_value(&m, 0x0102, 0x1009, rtf.p, (uint32_t)rtf.n - 40);
    tnef_begin(&b);
    attr(&b, 1, ATT_MAPI_PROPS, m.p, (uint32_t)m.n);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_not_detects(&ev, "Test.TNEF.Payload");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    assert_int_equal(ev.result.objects, 2);
    vg_engine_unref(e);
    free(b.p);
    free(m.p);
    free(rtf.p);
}

static void test_truncated_and_bad_checksum(void **state)
{
    (void)state;
    tbuf b;
    tnef_begin(&b);
    attachment(&b, "clam.exe", payload, sizeof payload);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    for (size_t cut = 0; cut < b.n; cut += 7) {
        vgt_scan_mem(e, b.p, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        assert_not_detects(&ev, "Test.TNEF.Payload");
        if (cut > 6) /* anything but an empty stream is cut somewhere */
            assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    }
    /* cut inside the data: the part present is still a member */
    size_t data_at = b.n - 2 - sizeof payload;
    vgt_scan_mem(e, b.p, data_at + 100, 0, &ev);
    assert_int_equal(ev.result.objects, 2);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);

    /* checksums are not trusted (ClamAV's own sample has wrong ones) */
    b.p[b.n - 1] ^= 0x5a;
    b.p[b.n - 2] ^= 0xa5;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_detects(&ev, "Test.TNEF.Payload");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
    free(b.p);
}

static void test_hostile(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    /* a length past the end of the object */
    tbuf b;
    tnef_begin(&b);
    rend_data(&b);
    uint8_t h[9] = {2, 0x0f, 0x80, 0x06, 0x00, 0xff, 0xff, 0xff, 0x7f};
    tb_put(&b, h, 9);
    tb_put(&b, payload, 100);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    free(b.p);

    /* MAPI lists with absurd counts and sizes */
    static const uint32_t lists[][6] = {
        {0xffffffffu, 0x37070102u, 1, 0xfffffff0u, 0, 0},
        {1, 0x37071102u, 0xffffffffu, 8, 0, 0},
        {1, 0x00031003u, 0x40000000u, 0, 0, 0},
        {1, 0x80000102u, 0, 0, 1, 0xffffffffu},
        {3, 0x12345678u, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        tnef_begin(&b);
        rend_data(&b);
        attr(&b, 2, ATT_ATTACHMENT, lists[i], sizeof lists[i]);
        attr(&b, 1, ATT_MAPI_PROPS, lists[i], sizeof lists[i]);
        attr(&b, 2, ATT_ATTACH_DATA, payload, sizeof payload);
        vgt_scan_mem(e, b.p, b.n, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        assert_detects(&ev, "Test.TNEF.Payload");
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1); /* reported once */
        free(b.p);
    }

    /* messages embedded 40 deep: the depth limit, not the stack, ends it */
    tbuf cur;
    tnef_begin(&cur);
    attachment(&cur, "clam.exe", payload, sizeof payload);
    for (int d = 0; d < 40; d++) {
        tbuf m = {0}, next;
        tb_le32(&m, 1);
        mapi_value(&m, 0x0102, 0x3701, cur.p, (uint32_t)cur.n);
        tnef_begin(&next);
        rend_data(&next);
        attr(&next, 2, ATT_ATTACHMENT, m.p, (uint32_t)m.n);
        free(m.p);
        free(cur.p);
        cur = next;
    }
    vgt_scan_mem(e, cur.p, cur.n, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_incomplete(&ev, VG_LIMIT_DEPTH);
    free(cur.p);
    vg_engine_unref(e);
}

static void test_many_attachments(void **state)
{
    (void)state;
    tbuf b;
    tnef_begin(&b);
    for (int i = 0; i < 100000; i++)
        attachment(&b, NULL, "x", 1);
    vg_limits lim = vg_limits_default();
    lim.max_files = 1000;
    vg_engine *e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(ev.result.objects, 1001);
    vg_engine_unref(e);
    free(b.p);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    tbuf b, m = {0}, rtf = {0};
    lzfu_literals(&rtf, payload, sizeof payload);
    tb_le32(&m, 1);
    mapi_value(&m, 0x0102, 0x1009, rtf.p, (uint32_t)rtf.n);
    tnef_begin(&b);
    attr(&b, 1, ATT_MAPI_PROPS, m.p, (uint32_t)m.n);
    attachment(&b, "clam.exe", payload, sizeof payload);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long k = 1; k < 40; k++) {
        vg_result r;
        vg_mem_fail_after(k);
        vg_error err = vg_scanner_scan_mem(s, b.p, b.n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
    free(b.p);
    free(m.p);
    free(rtf.p);
}

static void test_clamav_file(void **state)
{
    (void)state;
    FILE *f = fopen(CLAM_TNEF, "rb");
    if (f == NULL)
        skip();
    fclose(f);
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    vgt_scan_path(e, CLAM_TNEF, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    const char *c = vgt_detection_chain(&ev, "ClamAV-Test-File");
    assert_string_equal(c + strlen(c) - 10, "//clam.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
}

int main(void)
{
    vgt_payload(payload, sizeof payload, 777, "Test.TNEF.Payload", sigline, sizeof sigline);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found_by_title),  cmocka_unit_test(test_long_name_and_unnamed),
        cmocka_unit_test(test_two_attachments), cmocka_unit_test(test_embedded_message),
        cmocka_unit_test(test_rtf_body),        cmocka_unit_test(test_truncated_and_bad_checksum),
        cmocka_unit_test(test_hostile),         cmocka_unit_test(test_many_attachments),
        cmocka_unit_test(test_alloc_failures),  cmocka_unit_test(test_clamav_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
