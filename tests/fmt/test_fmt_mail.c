/* Mail messages: attachments in base64, quoted-printable and yEnc, file
 * names in RFC 2231 and RFC 2047 forms, nested and broken multiparts,
 * message/rfc822, mbox files, cut messages, hostile nesting and part
 * counts, limits, and ClamAV's mail test files. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define CLAM_SIG                                                                                   \
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"

static uint8_t payload[544];
static char sigline[200];

/* A growable text buffer for building messages. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void add(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        assert_non_null(q);
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void adds(buf *b, const char *s)
{
    add(b, s, strlen(s));
}

static void add_b64(buf *b, const uint8_t *d, size_t len)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)(i + 1 < len ? d[i + 1] : 0) << 8 |
                     (unsigned)(i + 2 < len ? d[i + 2] : 0);
        char q[4] = {t[v >> 18], t[(v >> 12) & 63], i + 1 < len ? t[(v >> 6) & 63] : '=',
                     i + 2 < len ? t[v & 63] : '='};
        add(b, q, 4);
        if (i % 57 == 54)
            adds(b, "\r\n");
    }
    adds(b, "\r\n");
}

/* Quoted-printable with soft breaks every ~70 characters. */
static void add_qp(buf *b, const uint8_t *d, size_t len)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        char q[4];
        if (d[i] >= 33 && d[i] <= 126 && d[i] != '=') {
            q[0] = (char)d[i];
            q[1] = '\0';
        } else {
            sprintf(q, "=%02X", d[i]);
        }
        if (col + strlen(q) > 72) {
            adds(b, "=\n");
            col = 0;
        }
        adds(b, q);
        col += strlen(q);
    }
    adds(b, "\n");
}

static void add_yenc(buf *b, const uint8_t *d, size_t len, const char *name)
{
    char line[200];
    snprintf(line, sizeof line, "=ybegin line=128 size=%zu name=%s\n", len, name);
    adds(b, line);
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)(d[i] + 42);
        if (c == 0 || c == '\n' || c == '\r' || c == '=') {
            char e[2] = {'=', (char)(c + 64)};
            add(b, e, 2);
            col += 2;
        } else {
            add(b, (const char *)&c, 1);
            col++;
        }
        if (col >= 128) {
            adds(b, "\n");
            col = 0;
        }
    }
    snprintf(line, sizeof line, "\n=yend size=%zu\n", len);
    adds(b, line);
}

static const char head[] = "From: alice@example.com\nTo: bob@example.com\nSubject: test\n"
                           "MIME-Version: 1.0\n";

/* Scans b with the payload signature; returns the chain of the detection
 * ("" when none). */
static void scan(const buf *b, unsigned flags, vgt_events *ev)
{
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_scan_mem(e, b->p, b->n, flags, ev);
    vg_engine_unref(e);
}

static void assert_found_at(const vgt_events *ev, const char *chain)
{
    int i = vgt_find_detection(ev, "Test.Mail.Payload");
    if (i < 0)
        fail_msg("no detection; expected at %s", chain);
    assert_string_equal(ev->ev[i].chain, chain);
}

static void test_base64_attachment(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed; boundary=\"=_b1 x\"\n\npreamble\n--=_b1 x\n"
             "Content-Type: text/plain\n\nhello\n--=_b1 x\n"
             "Content-Type: application/octet-stream; name=\"other.bin\"\n"
             "Content-Disposition: attachment;\n\tfilename=\"clam.exe\"\n"
             "Content-Transfer-Encoding: BASE64\n\n");
    add_b64(&b, payload, sizeof payload);
    adds(&b, "--=_b1 x--\nepilogue\n");
    vgt_events ev;
    scan(&b, 0, &ev);
    assert_found_at(&ev, "mem//clam.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    free(b.p);
}

static void test_qp_rfc2231_name(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed; boundary=b1\n\n--b1\n"
             "Content-Type: application/x-msdownload\n"
             "Content-Disposition: attachment; filename*1=\"m.exe\";\n"
             " filename*0*=utf-8'en'cl%61; filename=\"wrong.txt\"\n"
             "Content-Transfer-Encoding: quoted-printable\n\n");
    add_qp(&b, payload, sizeof payload);
    adds(&b, "--b1--\n");
    vgt_events ev;
    scan(&b, 0, &ev);
    assert_found_at(&ev, "mem//clam.exe");
    free(b.p);

    /* the single extended form and an RFC 2047 word */
    static const char *names[] = {
        "Content-Type: application/octet-stream; name*=UTF-8''clam%2Eexe\n",
        "Content-Type: application/octet-stream; name=\"=?utf-8?B?Y2xhbS5l?= =?utf-8?Q?xe?=\"\n",
    };
    for (size_t i = 0; i < 2; i++) {
        buf c = {0};
        adds(&c, head);
        adds(&c, "Content-Type: multipart/mixed; boundary=b1\n\n--b1\n");
        adds(&c, names[i]);
        adds(&c, "Content-Transfer-Encoding: base64\n\n");
        add_b64(&c, payload, sizeof payload);
        adds(&c, "--b1--\n");
        scan(&c, 0, &ev);
        assert_found_at(&ev, "mem//clam.exe");
        free(c.p);
    }
}

static void test_yenc_body(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "\nsee the file below\n\n");
    add_yenc(&b, payload, sizeof payload, "clam.exe");
    adds(&b, "bye\n");
    vgt_events ev;
    scan(&b, 0, &ev);
    assert_found_at(&ev, "mem//clam.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    /* without =yend: decoded all the same, and reported */
    buf c = {0};
    adds(&c, head);
    adds(&c, "\n");
    add_yenc(&c, payload, sizeof payload, "y.exe");
    c.n = (size_t)(strstr(c.p, "\n=yend") - c.p);
    scan(&c, 0, &ev);
    assert_found_at(&ev, "mem//y.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    free(b.p);
    free(c.p);
}

/* Three levels: mixed > alternative (never closed) > related; the inner
 * levels end at the outer boundary, trailing blanks on boundary lines, a
 * part without headers. */
static void test_nested_and_broken(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed;\n boundary=\"outer\"\n\n--outer\n"
             "Content-Type: multipart/alternative; boundary=alt\n\n--alt \n"
             "Content-Type: text/plain\n\nplain text\n--alt\t\n"
             "Content-Type: multipart/related; boundary=\"rel\"\n\n--rel\n"
             "\nthis part has no headers\n--rel\nno blank line either\n--outer  \n"
             "Content-Type: application/octet-stream\n"
             "Content-Transfer-Encoding: base64\n\n");
    add_b64(&b, payload, sizeof payload);
    /* no closing boundary at all */
    vgt_events ev;
    scan(&b, 0, &ev);
    int i = vgt_find_detection(&ev, "Test.Mail.Payload");
    assert_true(i >= 0);
    assert_true(strncmp(ev.ev[i].chain, "mem//part", 9) == 0);
    free(b.p);
}

static void test_message_rfc822(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed; boundary=b1\n\n--b1\n"
             "Content-Type: text/plain\n\nforwarded:\n--b1\n"
             "Content-Type: message/rfc822\n\n");
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed; boundary=b2\n\n--b2\n"
             "Content-Type: application/octet-stream; name=clam.exe\n"
             "Content-Transfer-Encoding: base64\n\n");
    add_b64(&b, payload, sizeof payload);
    adds(&b, "--b2--\n\n--b1--\n");
    vgt_events ev;
    scan(&b, 0, &ev);
    assert_found_at(&ev, "mem//part3.eml//clam.exe");
    free(b.p);

    /* multipart/digest: parts are messages unless they say otherwise */
    buf c = {0};
    adds(&c, head);
    adds(&c, "Content-Type: multipart/digest; boundary=d\n\n--d\n\n");
    adds(&c, head);
    adds(&c, "Content-Type: application/octet-stream; name=clam.exe\n"
             "Content-Transfer-Encoding: base64\n\n");
    add_b64(&c, payload, sizeof payload);
    adds(&c, "--d--\n");
    scan(&c, 0, &ev);
    assert_found_at(&ev, "mem//part2.eml//clam.exe");
    free(c.p);
}

static void test_mbox(void **state)
{
    (void)state;
    buf b = {0};
    for (int m = 1; m <= 3; m++) {
        adds(&b, "From alice@example.com  Thu Jul 31 13:49:50 2008\n");
        adds(&b, head);
        if (m < 3) {
            adds(&b, "\nFrom the desk of nobody: a body line, not a separator\n\n>From quoted\n\n");
            continue;
        }
        adds(&b, "Content-Type: application/octet-stream; name=clam.exe\n"
                 "Content-Transfer-Encoding: base64\n\n");
        add_b64(&b, payload, sizeof payload);
        adds(&b, "\n");
    }
    vgt_events ev;
    scan(&b, 0, &ev);
    assert_found_at(&ev, "mem//message3//clam.exe");
    /* the mbox, three messages, one attachment */
    assert_int_equal(ev.result.objects, 5);
    free(b.p);
}

/* A non-multipart message whose whole body is base64, as ClamAV's
 * clam.exe.mbox.base64. */
static void test_single_part_base64(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, "\r\n");
    adds(&b, head);
    adds(&b, "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    add_b64(&b, payload, sizeof payload);
    vgt_events ev;
    scan(&b, 0, &ev);
    assert_found_at(&ev, "mem//part1");
    free(b.p);
}

/* A file larger than one fmap window (1 MiB): read through windows. */
static void test_large_file(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed; boundary=b1\n\n--b1\nContent-Type: text/plain\n\n");
    char line[81];
    memset(line, 'x', 79);
    line[79] = '\n';
    line[80] = '\0';
    for (int i = 0; i < 40000; i++)
        adds(&b, line);
    adds(&b, "--b1\nContent-Type: application/octet-stream; name=big.exe\n"
             "Content-Transfer-Encoding: base64\n\n");
    add_b64(&b, payload, sizeof payload);
    adds(&b, "--b1--\n");
    assert_true(b.n > (3u << 20));
    const char *path = vgt_write_tmp("large.eml", b.p, b.n);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_path(e, path, 0, &ev);
    int i = vgt_find_detection(&ev, "Test.Mail.Payload");
    assert_true(i >= 0);
    const char *tail = strstr(ev.ev[i].chain, "large.eml//");
    assert_non_null(tail);
    assert_string_equal(tail, "large.eml//big.exe");
    vg_engine_unref(e);
    free(b.p);
}

/* An x-uuencode part is emitted whole; the uu handler decodes it. */
static void test_uuencode_part(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed; boundary=b1\n\n--b1\n"
             "Content-Type: application/octet-stream; name=att.uue\n"
             "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 clam.exe\n");
    for (size_t i = 0; i < sizeof payload; i += 45) {
        size_t n = sizeof payload - i < 45 ? sizeof payload - i : 45;
        char l[80];
        size_t o = 0;
        l[o++] = (char)(n + 0x20);
        for (size_t k = 0; k < n; k += 3) {
            uint8_t t[3] = {0, 0, 0};
            for (size_t j = 0; j < 3 && k + j < n; j++)
                t[j] = payload[i + k + j];
            unsigned v[4] = {t[0] >> 2u, ((t[0] & 3u) << 4) | (t[1] >> 4u),
                             ((t[1] & 15u) << 2) | (t[2] >> 6u), t[2] & 63u};
            for (int j = 0; j < 4; j++)
                l[o++] = v[j] ? (char)(v[j] + 0x20) : '`';
        }
        l[o++] = '\n';
        add(&b, l, o);
    }
    adds(&b, "`\nend\n--b1--\n");
    vgt_events ev;
    scan(&b, VG_SCAN_ALLMATCH, &ev);
    int found = 0;
    for (size_t i = 0; i < ev.n; i++)
        if (ev.ev[i].kind == VG_EVENT_DETECTION &&
            strcmp(ev.ev[i].chain, "mem//att.uue//clam.exe") == 0)
            found = 1;
    assert_true(found);
    free(b.p);
}

static void test_cut_short(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed; boundary=b1\n\n--b1\n"
             "Content-Type: application/octet-stream; name=clam.exe\n"
             "Content-Transfer-Encoding: base64\n\n");
    add_b64(&b, payload, sizeof payload);
    size_t whole = b.n;
    adds(&b, "--b1\nContent-Type: text/plain\n\nmore\n--b1--\n");
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    /* cut after the attachment: still found */
    vgt_scan_mem(e, b.p, whole, 0, &ev);
    assert_detects(&ev, "Test.Mail.Payload");
    for (size_t cut = 0; cut < b.n; cut += 3) {
        vgt_scan_mem(e, b.p, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        if (cut + 1 < whole - 40)
            assert_not_detects(&ev, "Test.Mail.Payload");
    }
    vg_engine_unref(e);
    free(b.p);
}

static void test_not_mail(void **state)
{
    (void)state;
    static const char *texts[] = {
        "Hello world, this is not a mail\nTo: someone\n",
        "Subject: just one known header\n\nbody\n",
        "From the desk of the editor\nTo: all\n",
        "To: a\nnot a header\nSubject: b\n",
        "\177ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
    };
    vg_engine *e = vgt_engine("t.hsb", sigline);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        vgt_events ev;
        size_t len = i == 4 ? 16 : strlen(texts[i]);
        vgt_scan_mem(e, texts[i], len, 0, &ev);
        assert_int_equal(ev.result.objects, 1);
        assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
        assert_clean(&ev);
    }
    /* a mail with nothing but text is clean and emits nothing (the HTML
     * part holds no tag, so the HTML handler's normalized copy stays out) */
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/alternative; boundary=a\n\n--a\n"
             "Content-Type: text/plain\n\nhi\n--a\nContent-Type: text/html\n\nhi there\n--a--\n");
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_int_equal(ev.result.objects, 1);
    assert_clean(&ev);
    vg_engine_unref(e);
    free(b.p);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    char line[128];
    for (int i = 0; i < 2000; i++) {
        snprintf(line, sizeof line, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
        adds(&b, line);
    }
    adds(&b, "Content-Type: application/octet-stream; name=clam.exe\n"
             "Content-Transfer-Encoding: base64\n\n");
    add_b64(&b, payload, sizeof payload);
    vgt_events ev;
    scan(&b, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_incomplete(&ev, VG_LIMIT_DEPTH);

    /* message/rfc822 inside message/rfc822 ...: the scan's depth stops it */
    buf c = {0};
    for (int i = 0; i < 100; i++) {
        adds(&c, head);
        adds(&c, "Content-Type: message/rfc822\n\n");
    }
    adds(&c, head);
    adds(&c, "\nbody\n");
    scan(&c, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_incomplete(&ev, VG_LIMIT_DEPTH);
    free(b.p);
    free(c.p);
}

static void test_many_parts(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed; boundary=p\n\n");
    for (int i = 0; i < 100000; i++)
        adds(&b, "--p\n\n");
    adds(&b, "--p--\n");
    vgt_events ev;
    scan(&b, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(ev.result.objects, 1);
    free(b.p);
}

static void test_huge_header(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: application/octet-stream; name=clam.exe\n"
             "Content-Transfer-Encoding: base64\nX-Junk: ");
    char *junk = malloc(1 << 20);
    assert_non_null(junk);
    memset(junk, 'x', 1 << 20);
    add(&b, junk, 1 << 20);
    adds(&b, "\n\n");
    add_b64(&b, payload, sizeof payload);
    vgt_events ev;
    scan(&b, 0, &ev);
    assert_found_at(&ev, "mem//clam.exe");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    free(junk);
    free(b.p);
}

static void test_limits(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed; boundary=b1\n\n");
    for (int i = 0; i < 5; i++) {
        adds(&b, "--b1\nContent-Type: application/octet-stream\n"
                 "Content-Transfer-Encoding: base64\n\n");
        add_b64(&b, payload, sizeof payload);
    }
    adds(&b, "--b1--\n");
    vg_limits lim = vg_limits_default();
    lim.max_files = 2;
    vg_engine *e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    vg_engine_unref(e);

    lim = vg_limits_default();
    lim.max_file_size = 100;
    e = vgt_engine_limits("t.hsb", sigline, &lim);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    vg_engine_unref(e);
    free(b.p);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    buf b = {0};
    adds(&b, head);
    adds(&b, "Content-Type: multipart/mixed; boundary=b1\n\n--b1\n"
             "Content-Type: application/octet-stream; name=clam.exe\n"
             "Content-Transfer-Encoding: base64\n\n");
    add_b64(&b, payload, sizeof payload);
    adds(&b, "--b1--\n");
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long n = 1; n < 60; n++) {
        vg_result r;
        vg_mem_fail_after(n);
        vg_error err = vg_scanner_scan_mem(s, b.p, b.n, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
    free(b.p);
}

static void clamav_file(const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "/usr/share/clamav-testfiles/%s", file);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        skip();
    fclose(f);
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    vgt_scan_path(e, path, 0, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    int i = vgt_find_detection(&ev, "ClamAV-Test-File");
    assert_non_null(strstr(ev.ev[i].chain, "clam.exe"));
    vg_engine_unref(e);
}

static void test_clamav_mail(void **state)
{
    (void)state;
    clamav_file("clam.mail");
}

static void test_clamav_mbox_base64(void **state)
{
    (void)state;
    clamav_file("clam.exe.mbox.base64");
}

static void test_clamav_mbox_uu(void **state)
{
    (void)state;
    clamav_file("clam.exe.mbox.uu");
}

int main(void)
{
    vgt_payload(payload, sizeof payload, 4242, "Test.Mail.Payload", sigline, sizeof sigline);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_attachment),
        cmocka_unit_test(test_qp_rfc2231_name),
        cmocka_unit_test(test_yenc_body),
        cmocka_unit_test(test_nested_and_broken),
        cmocka_unit_test(test_message_rfc822),
        cmocka_unit_test(test_mbox),
        cmocka_unit_test(test_single_part_base64),
        cmocka_unit_test(test_cut_short),
        cmocka_unit_test(test_not_mail),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_many_parts),
        cmocka_unit_test(test_huge_header),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_clamav_mail),
        cmocka_unit_test(test_clamav_mbox_base64),
        cmocka_unit_test(test_clamav_mbox_uu),
        cmocka_unit_test(test_large_file),
        cmocka_unit_test(test_uuencode_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
