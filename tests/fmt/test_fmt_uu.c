/* uuencoded members: found after mail headers, decoded when cut short,
 * every block of an object, the begin-base64 variant, and hostile lines. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static uint8_t payload[544];
static char sigline[200];

static char enc(unsigned v)
{
    return v ? (char)(v + 0x20) : '`';
}

/* Appends the uuencoding of data (lines of 45 bytes) to out. */
static size_t uuencode(char *out, const uint8_t *data, size_t len, const char *name, int end)
{
    size_t o = (size_t)sprintf(out, "begin 644 %s\n", name);
    for (size_t i = 0; i < len; i += 45) {
        size_t n = len - i < 45 ? len - i : 45;
        out[o++] = enc((unsigned)n);
        for (size_t k = 0; k < n; k += 3) {
            uint8_t b[3] = {0, 0, 0};
            for (size_t j = 0; j < 3 && k + j < n; j++)
                b[j] = data[i + k + j];
            out[o++] = enc(b[0] >> 2);
            out[o++] = enc(((b[0] & 3) << 4) | (b[1] >> 4));
            out[o++] = enc(((b[1] & 15) << 2) | (b[2] >> 6));
            out[o++] = enc(b[2] & 63);
        }
        out[o++] = '\n';
    }
    if (end)
        o += (size_t)sprintf(out + o, "`\nend\n");
    out[o] = '\0';
    return o;
}

static void test_after_mail_headers(void **state)
{
    (void)state;
    char *buf = vg_malloc(8192);
    size_t o = (size_t)sprintf(buf, "From: a@example.com\nSubject: hi\n\nsee attached\n\n");
    o += uuencode(buf + o, payload, sizeof payload, "clam.exe", 1);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, buf, o, 0, &ev);
    assert_detects(&ev, "Test.UU.Payload");
    assert_string_equal(ev.ev[vgt_find_detection(&ev, "Test.UU.Payload")].chain, "mem//clam.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    vg_engine_unref(e);
    vg_free(buf);
}

/* ClamAV's clam.exe.mbox.uu ends inside the block: what was decoded is
 * still scanned, and the cut is reported. */
static void test_cut_short(void **state)
{
    (void)state;
    char *buf = vg_malloc(8192);
    size_t o = uuencode(buf, payload, sizeof payload, "x.exe", 0);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, buf, o, 0, &ev);
    assert_detects(&ev, "Test.UU.Payload");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    /* cut in the middle of the data: no detection, but no crash either */
    for (size_t cut = 0; cut < o; cut += 7) {
        vgt_scan_mem(e, buf, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
    }
    vg_engine_unref(e);
    vg_free(buf);
}

static void test_every_block_and_base64(void **state)
{
    (void)state;
    char *buf = vg_malloc(16384);
    uint8_t other[100];
    memset(other, 'A', sizeof other);
    size_t o = uuencode(buf, other, sizeof other, "first.txt", 1);
    o += (size_t)sprintf(buf + o, "some text between\n");
    o += uuencode(buf + o, payload, sizeof payload, "second.exe", 1);
    /* base64 variant of GNU uuencode -m */
    o += (size_t)sprintf(buf + o, "begin-base64 600 third.bin\n");
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < sizeof payload; i += 3) {
        unsigned v = (unsigned)payload[i] << 16 |
                     (unsigned)(i + 1 < sizeof payload ? payload[i + 1] : 0) << 8 |
                     (unsigned)(i + 2 < sizeof payload ? payload[i + 2] : 0);
        buf[o++] = b64[v >> 18];
        buf[o++] = b64[(v >> 12) & 63];
        buf[o++] = i + 1 < sizeof payload ? b64[(v >> 6) & 63] : '=';
        buf[o++] = i + 2 < sizeof payload ? b64[v & 63] : '=';
        if (i % 57 == 54)
            buf[o++] = '\n';
    }
    o += (size_t)sprintf(buf + o, "\n====\n");
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, buf, o, VG_SCAN_ALLMATCH, &ev);
    int n = 0;
    for (size_t i = 0; i < ev.n; i++)
        if (ev.ev[i].kind == VG_EVENT_DETECTION) {
            n++;
            assert_true(strcmp(ev.ev[i].chain, "mem//second.exe") == 0 ||
                        strcmp(ev.ev[i].chain, "mem//third.bin") == 0);
        }
    assert_int_equal(n, 2);
    vg_engine_unref(e);
    vg_free(buf);
}

static void test_not_uu(void **state)
{
    (void)state;
    static const char *texts[] = {
        "begin here, nothing uuencoded follows\n",
        "begin 644\n",
        "begin 999 name\nMxxxx\nend\n",
        "the word begin 644 x appears mid-line\n",
    };
    vg_engine *e = vgt_engine("t.hsb", sigline);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        vgt_events ev;
        vgt_scan_mem(e, texts[i], strlen(texts[i]), 0, &ev);
        assert_int_equal(ev.result.objects, 1); /* no member emitted */
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    }
    vg_engine_unref(e);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    char *buf = vg_malloc(8192);
    size_t o = uuencode(buf, payload, sizeof payload, "clam.exe", 1);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long n = 1; n < 60; n++) {
        vg_result r;
        vg_mem_fail_after(n);
        vg_error err = vg_scanner_scan_mem(s, buf, o, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
    vg_free(buf);
}

int main(void)
{
    vgt_payload(payload, sizeof payload, 12345, "Test.UU.Payload", sigline, sizeof sigline);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_after_mail_headers),     cmocka_unit_test(test_cut_short),
        cmocka_unit_test(test_every_block_and_base64), cmocka_unit_test(test_not_uu),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
