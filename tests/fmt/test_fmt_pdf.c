/* PDF handler (lib/fmt/fmt_pdf.c and pdf_*.c): every PDF here is written
 * by the test itself, object by object, with its own encoders (deflate via
 * zlib, ASCIIHex, ASCII85, LZW, RunLength, PNG predictor, RC4 encryption):
 * streams found through every filter, embedded files named by their
 * Filespec, object streams, indirect and wrong /Length, broken or missing
 * xref tables, truncated data, JavaScript and encryption; hostile input is in
 * test_fmt_pdf_hostile.c. */
#include "pdf_build.h"

/* ---- tests ---- */

static void test_flate_stream(void **state)
{
    (void)state;
    buf b = {0};
    size_t zn;
    uint8_t *z = deflate_buf(payload, sizeof payload, &zn);
    pdf_head(&b);
    pdf_catalog(&b);
    pdf_stream(&b, 4, "/Filter /FlateDecode", z, zn);
    pdf_tail(&b, 4, "");
    vg_engine *e = vgt_engine("t.hsb", sigline);
    expect_payload(e, &b, "mem//obj4", 0);

    /* the same bytes stored, no filter: the stored stream is the child */
    b.n = 0;
    pdf_head(&b);
    pdf_catalog(&b);
    pdf_stream(&b, 4, "/Subtype /Image", payload, sizeof payload);
    pdf_tail(&b, 4, "");
    expect_payload(e, &b, "mem//obj4:Image", 0);

    /* a clean PDF: nothing found, nothing reported */
    b.n = 0;
    pdf_head(&b);
    pdf_catalog(&b);
    pdf_stream(&b, 4, "", "BT /F1 12 Tf (hello) Tj ET", 26);
    pdf_tail(&b, 4, "");
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_clean(&ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    assert_int_equal(ev.result.objects, 2); /* the PDF and its one stream */

    /* "%PDF-" past the first KiB: not a PDF for us */
    b.n = 0;
    for (int i = 0; i < 1100; i++)
        tb_str(&b, " ");
    pdf_head(&b);
    pdf_stream(&b, 4, "", payload, sizeof payload);
    vgt_scan_mem(e, b.p, b.n, 0, &ev);
    assert_int_equal(ev.result.objects, 1);
    vg_engine_unref(e);
    free(z);
    free(b.p);
}

static void test_embedded_file_named(void **state)
{
    (void)state;
    buf b = {0};
    size_t zn;
    uint8_t *z = deflate_buf(payload, sizeof payload, &zn);
    vg_engine *e = vgt_engine("t.hsb", sigline);

    /* /UF as UTF-16BE wins over /F */
    pdf_head(&b);
    pdf_catalog(&b);
    pdf_stream(&b, 4, "/Type /EmbeddedFile /Filter /FlateDecode", z, zn);
    pdf_obj(&b, 5,
            "<< /Type /Filespec /F (other.txt) "
            "/UF <FEFF0063006C0061006D002E006500780065> /EF << /F 4 0 R >> >>");
    pdf_obj(&b, 6, "<< /Type /Annot /Subtype /FileAttachment /FS 5 0 R >>");
    pdf_tail(&b, 6, "");
    expect_payload(e, &b, "mem//clam.exe", 0);

    /* /F only, an escaped name, /EF an indirect dictionary, filespec first */
    b.n = 0;
    pdf_head(&b);
    pdf_obj(&b, 5, "<< /Type /Filespec /F (clam\\056exe) /EF 6 0 R >>");
    pdf_obj(&b, 6, "<< /F 7 0 R >>");
    pdf_stream(&b, 7, "/Type /EmbeddedFile", payload, sizeof payload);
    pdf_tail(&b, 7, "");
    expect_payload(e, &b, "mem//clam.exe", 0);

    /* no Filespec: obj<N> */
    b.n = 0;
    pdf_head(&b);
    pdf_stream(&b, 9, "/Type /EmbeddedFile", payload, sizeof payload);
    expect_payload(e, &b, "mem//obj9", 0);
    vg_engine_unref(e);
    free(z);
    free(b.p);
}

static void test_filters(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigline);
    size_t zn;
    uint8_t *z = deflate_buf(payload, sizeof payload, &zn);
    for (int variant = 0; variant < 11; variant++) {
        buf data = {0}, b = {0};
        const char *filter = "";
        switch (variant) {
        case 0:
            enc_ahx(&data, z, zn);
            filter = "/Filter [/ASCIIHexDecode /FlateDecode]";
            break;
        case 1:
            enc_ahx(&data, z, zn);
            filter = "/Filter [/AHx /Fl]";
            break;
        case 2:
            enc_a85(&data, payload, sizeof payload);
            filter = "/Filter /ASCII85Decode";
            break;
        case 3:
            /* abbreviated, with the "<~" some writers put first */
            tb_str(&data, "<~");
            enc_a85(&data, payload, sizeof payload);
            filter = "/Filter /A85";
            break;
        case 4:
            enc_lzw(&data, payload, sizeof payload);
            filter = "/Filter /LZWDecode";
            break;
        case 5:
            enc_rl(&data, payload, sizeof payload);
            filter = "/Filter /RunLengthDecode";
            break;
        case 6: {
            buf png = {0};
            enc_png(&png, payload, sizeof payload, 16);
            size_t pn;
            uint8_t *pz = deflate_buf(png.p, png.n, &pn);
            tb_put(&data, pz, pn);
            free(pz);
            free(png.p);
            filter = "/Filter /FlateDecode /DecodeParms << /Predictor 15 /Columns 16 >>";
            break;
        }
        case 7: {
            /* RunLength of LZW of AHx: three stages */
            buf h = {0}, l = {0};
            enc_ahx(&h, payload, sizeof payload);
            enc_lzw(&l, h.p, h.n);
            enc_rl(&data, l.p, l.n);
            free(h.p);
            free(l.p);
            filter = "/Filter [/RL /LZW /AHx]";
            break;
        }
        case 8:
            /* an image codec ends the chain: what came before is emitted */
            tb_put(&data, payload, sizeof payload);
            filter = "/Filter [/DCTDecode /FlateDecode]";
            break;
        case 9:
            /* raw deflate, no zlib header or Adler-32: read all the same */
            tb_put(&data, z + 2, zn - 6);
            filter = "/Filter /FlateDecode";
            break;
        case 10: {
            /* TIFF predictor 2 after LZW, 3 colours, 8 bits, rows of 4 pixels */
            uint8_t t[sizeof payload];
            for (size_t i = 0; i < sizeof payload; i++)
                t[i] = (uint8_t)(payload[i] - (i % 12 >= 3 ? payload[i - 3] : 0));
            enc_lzw(&data, t, sizeof t);
            filter = "/Filter /LZWDecode /DecodeParms << /Predictor 2 /Colors 3 /Columns 4 >>";
            break;
        }
        }
        pdf_head(&b);
        pdf_catalog(&b);
        pdf_stream(&b, 4, filter, data.p, data.n);
        pdf_tail(&b, 4, "");
        print_message("variant %d: %s\n", variant, filter);
        expect_payload(e, &b, "mem//obj4", 0);
        free(data.p);
        free(b.p);
    }
    free(z);
    vg_engine_unref(e);
}

/* An object stream holds the Filespec and the /Length of the stream. */
static void test_object_stream(void **state)
{
    (void)state;
    buf objs = {0}, b = {0};
    const char *o10 = "<< /Type /Filespec /F (evil.exe) /EF << /F 4 0 R >> >>";
    char hdr[64];
    snprintf(hdr, sizeof hdr, "10 0 11 %zu ", strlen(o10) + 1);
    tb_str(&objs, hdr);
    size_t first = objs.n;
    tb_str(&objs, o10);
    b_printf(&objs, " %zu", sizeof payload);
    size_t zn;
    uint8_t *z = deflate_buf(objs.p, objs.n, &zn);
    pdf_head(&b);
    pdf_catalog(&b);
    char extra[128];
    snprintf(extra, sizeof extra, "/Type /ObjStm /N 2 /First %zu /Filter /FlateDecode", first);
    pdf_stream(&b, 8, extra, z, zn);
    offs[4] = b.n;
    tb_str(&b, "4 0 obj\n<< /Type /EmbeddedFile /Length 11 0 R >>\nstream\r\n");
    tb_put(&b, payload, sizeof payload);
    tb_str(&b, "\r\nendstream\nendobj\n");
    vg_engine *e = vgt_engine("t.hsb", sigline);
    expect_payload(e, &b, "mem//evil.exe", 0);
    vg_engine_unref(e);
    free(z);
    free(objs.p);
    free(b.p);
}

/* /Length by reference, before and after the stream, with "endstream"
 * inside the data: only the right length gives the signed bytes. */
static void test_indirect_length(void **state)
{
    (void)state;
    buf data = {0};
    tb_put(&data, payload, 100);
    tb_str(&data, "\nendstream\nendobj\n99 0 obj\n<< >>\n");
    tb_put(&data, payload + 100, sizeof payload - 100);
    char sig[200];
    vgt_hsb_line(data.p, data.n, "Test.PDF.Payload", sig, sizeof sig);
    vg_engine *e = vgt_engine("t.hsb", sig);
    for (int forward = 0; forward < 2; forward++) {
        buf b = {0};
        pdf_head(&b);
        if (!forward)
            b_printf(&b, "5 0 obj\n%zu\nendobj\n", data.n);
        tb_str(&b, "4 0 obj\n<< /Length 5 0 R >>\nstream\n");
        tb_put(&b, data.p, data.n);
        tb_str(&b, "\nendstream\nendobj\n");
        if (forward)
            b_printf(&b, "5 0 obj\n%zu\nendobj\n", data.n);
        expect_payload(e, &b, "mem//obj4", 0);
        free(b.p);
    }
    vg_engine_unref(e);
    free(data.p);
}

static void test_xref_broken_or_missing(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigline);
    size_t zn;
    uint8_t *z = deflate_buf(payload, sizeof payload, &zn);
    /* no xref, no trailer */
    buf b = {0};
    pdf_head(&b);
    pdf_stream(&b, 4, "/Filter /FlateDecode", z, zn);
    expect_payload(e, &b, "mem//obj4", 0);
    /* an xref with garbage offsets and a startxref into nowhere */
    b.n = 0;
    pdf_head(&b);
    pdf_catalog(&b);
    pdf_stream(&b, 4, "/Filter /FlateDecode", z, zn);
    tb_str(&b, "xref\n0 5\n0000000000 65535 f \n9999999999 00000 n \nGARBAGE\n"
               "trailer\n<< /Size 5 /Root 1 0 R\nstartxref\n123456789\n%%EOF\n");
    expect_payload(e, &b, "mem//obj4", 0);
    /* an incremental update redefines object 4: both versions are read */
    b.n = 0;
    pdf_head(&b);
    pdf_catalog(&b);
    pdf_stream(&b, 4, "", "old", 3);
    pdf_tail(&b, 4, "");
    pdf_stream(&b, 4, "/Filter /FlateDecode", z, zn);
    pdf_tail(&b, 4, "/Prev 9");
    expect_payload(e, &b, "mem//obj4", 0);
    vg_engine_unref(e);
    free(z);
    free(b.p);
}

/* A PDF stored in a stream of a PDF: its objects are not the outer
 * file's (the stream data is skipped in pass 1), they are found when the
 * scan recurses into the emitted stream. */
static void test_pdf_in_stream(void **state)
{
    (void)state;
    buf inner = {0}, b = {0};
    pdf_head(&inner);
    pdf_stream(&inner, 4, "", payload, sizeof payload);
    pdf_head(&b);
    pdf_catalog(&b);
    pdf_stream(&b, 7, "", inner.p, inner.n);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_true(chain_detects(&ev, "Test.PDF.Payload", "mem//obj7//obj4"));
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 1);
    vg_engine_unref(e);
    free(inner.p);
    free(b.p);
}

static void test_wrong_length(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigline);
    static const char *lens[] = {"10", "999999", "-5", "(abc)", "77 0 R", "600"};
    static const char *eols[] = {"\n", "\r\n", "\r", " \r\n"};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        for (size_t k = 0; k < sizeof eols / sizeof eols[0]; k++) {
            buf b = {0};
            pdf_head(&b);
            b_printf(&b, "4 0 obj\n<< /Length %s >>\nstream%s", lens[i], eols[k]);
            tb_put(&b, payload, sizeof payload);
            b_printf(&b, "%sendstream\nendobj\n", eols[k][0] == ' ' ? "\r\n" : eols[k]);
            pdf_catalog(&b);
            expect_payload(e, &b, "mem//obj4", 0);
            free(b.p);
        }
    vg_engine_unref(e);
}

/* The PDF ends inside a Flate stream: what was inflated is scanned (a body
 * signature on the payload's first bytes finds it) and the cut reported. */
static void test_truncated_flate(void **state)
{
    (void)state;
    buf data = {0};
    tb_put(&data, payload, sizeof payload);
    for (int i = 0; i < 40; i++)
        tb_put(&data, payload, sizeof payload);
    uint8_t tail[4096];
    vgt_fill_random(tail, sizeof tail, 777);
    tb_put(&data, tail, sizeof tail);
    size_t zn;
    uint8_t *z = deflate_buf(data.p, data.n, &zn);
    char sig[200];
    int n = snprintf(sig, sizeof sig, "Test.PDF.Body:0:0:");
    for (int i = 0; i < 32; i++)
        n += snprintf(sig + n, sizeof sig - (size_t)n, "%02x", payload[i]);
    snprintf(sig + n, sizeof sig - (size_t)n, "\n");
    vg_engine *e = vgt_engine("t.ndb", sig);
    buf b = {0};
    pdf_head(&b);
    b_printf(&b, "4 0 obj\n<< /Length %zu /Filter /FlateDecode >>\nstream\n", zn);
    size_t start = b.n;
    tb_put(&b, z, zn / 2);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    if (!chain_detects(&ev, "Test.PDF.Body", "mem//obj4"))
        vgt_dump_events(&ev);
    assert_true(chain_detects(&ev, "Test.PDF.Body", "mem//obj4"));
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    /* every cut: no crash, no error but data errors */
    for (size_t cut = 0; cut < start + 64; cut += 3) {
        vgt_scan_mem(e, b.p, cut, VG_SCAN_ALLMATCH, &ev);
        assert_int_equal(ev.err, VG_OK);
    }
    /* corrupt deflate in the middle: what came before is kept */
    b.n = start;
    tb_put(&b, z, zn / 2);
    memset(b.p + start + zn / 4, 0xff, 64);
    tb_str(&b, "\nendstream\nendobj\n");
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_true(chain_detects(&ev, "Test.PDF.Body", "mem//obj4"));
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    vg_engine_unref(e);
    free(z);
    free(data.p);
    free(b.p);
}

static void test_javascript(void **state)
{
    (void)state;
    const char *script = "app.alert('pwned'); var s = \"(x)\";\nthis.exportDataObject();";
    char sigs[600];
    vgt_hsb_line(script, strlen(script), "Test.PDF.JS", sigs, sizeof sigs);
    size_t l = strlen(sigs);
    vgt_hsb_line(payload, sizeof payload, "Test.PDF.Payload", sigs + l, sizeof sigs - l);
    vg_engine *e = vgt_engine("t.hsb", sigs);
    buf b = {0};
    pdf_head(&b);
    /* the script spelled with escapes, octal and a line continuation */
    pdf_obj(&b, 1, "<< /Type /Catalog /OpenAction 7 0 R >>");
    pdf_obj(&b, 7,
            "<< /S /JavaScript /JS (app.alert\\('pwned'\\); var s = \"\\(x\\)\";\\n"
            "this.export\\\nData\\117bject\\(\\);) >>");
    pdf_obj(&b, 8, "<< /S /JavaScript /JS 9 0 R >>");
    pdf_stream(&b, 9, "", payload, sizeof payload);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_true(chain_detects(&ev, "Test.PDF.JS", "mem//js7"));
    assert_true(chain_detects(&ev, "Test.PDF.Payload", "mem//js9"));
    /* a hex string in an object stream */
    b.n = 0;
    pdf_head(&b);
    buf objs = {0};
    tb_str(&objs, "12 0 << /S /JavaScript /JS <");
    for (const char *p = script; *p; p++)
        b_printf(&objs, "%02x", (uint8_t)*p);
    tb_str(&objs, "> >>");
    size_t zn;
    uint8_t *z = deflate_buf(objs.p, objs.n, &zn);
    pdf_stream(&b, 3, "/Type /ObjStm /N 1 /First 5 /Filter /FlateDecode", z, zn);
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_true(chain_detects(&ev, "Test.PDF.JS", "mem//js12"));
    vg_engine_unref(e);
    free(z);
    free(objs.p);
    free(b.p);
}

/* ---- encryption: RC4, revision 3, 128 bits, empty user password ---- */

static const uint8_t pw_pad[32] = {0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e,
                                   0x56, 0xff, 0xfa, 0x01, 0x08, 0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68,
                                   0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a};

static void rc4(const uint8_t *key, size_t kn, uint8_t *d, size_t n)
{
    uint8_t s[256], j = 0, i = 0;
    for (int k = 0; k < 256; k++)
        s[k] = (uint8_t)k;
    for (int k = 0; k < 256; k++) {
        j = (uint8_t)(j + s[k] + key[(size_t)k % kn]);
        uint8_t t = s[k];
        s[k] = s[j];
        s[j] = t;
    }
    j = 0;
    for (size_t k = 0; k < n; k++) {
        i++;
        j = (uint8_t)(j + s[i]);
        uint8_t t = s[i];
        s[i] = s[j];
        s[j] = t;
        d[k] ^= s[(uint8_t)(s[i] + s[j])];
    }
}

static void md5(const void *a, size_t an, const void *b, size_t bn, const void *c, size_t cn,
                uint8_t out[16])
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    EVP_DigestInit_ex(x, EVP_md5(), NULL);
    EVP_DigestUpdate(x, a, an);
    EVP_DigestUpdate(x, b, bn);
    EVP_DigestUpdate(x, c, cn);
    EVP_DigestFinal_ex(x, out, NULL);
    EVP_MD_CTX_free(x);
}

static void obj_key(const uint8_t key[16], unsigned num, uint8_t out[16])
{
    uint8_t ng[5] = {(uint8_t)num, (uint8_t)(num >> 8), (uint8_t)(num >> 16), 0, 0};
    md5(key, 16, ng, 5, "", 0, out);
}

static void hex(buf *b, const uint8_t *d, size_t n)
{
    tb_str(b, "<");
    for (size_t i = 0; i < n; i++)
        b_printf(b, "%02x", d[i]);
    tb_str(b, ">");
}

/* An RC4-encrypted PDF; good_u = 0 writes a /U that the empty password
 * does not open. */
static void make_encrypted(buf *b, int good_u)
{
    uint8_t o[32], id[16], key[16], u[32];
    for (int i = 0; i < 32; i++)
        o[i] = (uint8_t)(i * 7 + 3);
    for (int i = 0; i < 16; i++)
        id[i] = (uint8_t)(i * 13 + 1);
    int32_t p = -1028;
    uint8_t pb[4] = {(uint8_t)p, (uint8_t)(p >> 8), (uint8_t)(p >> 16), (uint8_t)(p >> 24)};
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    EVP_DigestInit_ex(x, EVP_md5(), NULL);
    EVP_DigestUpdate(x, pw_pad, 32);
    EVP_DigestUpdate(x, o, 32);
    EVP_DigestUpdate(x, pb, 4);
    EVP_DigestUpdate(x, id, 16);
    EVP_DigestFinal_ex(x, key, NULL);
    EVP_MD_CTX_free(x);
    for (int i = 0; i < 50; i++)
        md5(key, 16, "", 0, "", 0, key);
    md5(pw_pad, 32, id, 16, "", 0, u);
    for (int i = 0; i < 20; i++) {
        uint8_t k[16];
        for (int j = 0; j < 16; j++)
            k[j] = key[j] ^ (uint8_t)i;
        rc4(k, 16, u, 16);
    }
    memset(u + 16, 0x55, 16);
    if (!good_u)
        u[3] ^= 1;

    pdf_head(b);
    pdf_catalog(b);
    /* the embedded file: Flate, then RC4 with the key of object 4 */
    size_t zn;
    uint8_t *z = deflate_buf(payload, sizeof payload, &zn);
    uint8_t ok[16];
    obj_key(key, 4, ok);
    rc4(ok, 16, z, zn);
    pdf_stream(b, 4, "/Type /EmbeddedFile /Filter /FlateDecode", z, zn);
    /* its name, an encrypted string of object 5 */
    uint8_t name[] = "secret.exe";
    obj_key(key, 5, ok);
    rc4(ok, 16, name, 10);
    offs[5] = b->n;
    tb_str(b, "5 0 obj\n<< /Type /Filespec /F ");
    hex(b, name, 10);
    tb_str(b, " /EF << /F 4 0 R >> >>\nendobj\n");
    offs[6] = b->n;
    tb_str(b, "6 0 obj\n<< /Filter /Standard /V 2 /R 3 /Length 128 /P -1028 /O ");
    hex(b, o, 32);
    tb_str(b, " /U ");
    hex(b, u, 32);
    tb_str(b, " >>\nendobj\n");
    buf tr = {0};
    tb_str(&tr, "/Encrypt 6 0 R /ID [");
    hex(&tr, id, 16);
    hex(&tr, id, 16);
    tb_str(&tr, "]");
    pdf_tail(b, 6, (const char *)tr.p);
    free(tr.p);
    free(z);
}

static void test_encrypted(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.hsb", sigline);
    buf b = {0};
    make_encrypted(&b, 1);
    expect_payload(e, &b, "mem//secret.exe", 0);
    /* a real user password: the stored (encrypted) bytes, and one report */
    b.n = 0;
    make_encrypted(&b, 0);
    vgt_events ev;
    vgt_scan_mem(e, b.p, b.n, VG_SCAN_ALLMATCH, &ev);
    assert_not_detects(&ev, "Test.PDF.Payload");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    int i = 0;
    while (ev.ev[i].kind != VG_EVENT_ERROR)
        i++;
    assert_int_equal(ev.ev[i].error, VG_ERR_UNSUPPORTED);
    assert_non_null(strstr(ev.ev[i].message, "encrypted PDF"));
    vg_engine_unref(e);
    free(b.p);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    buf b = {0};
    make_encrypted(&b, 1);
    vg_engine *e = vgt_engine("t.hsb", sigline);
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long n = 1; n < 80; n++) {
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

int main(void)
{
    vgt_payload(payload, sizeof payload, 12345, "Test.PDF.Payload", sigline, sizeof sigline);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flate_stream),    cmocka_unit_test(test_embedded_file_named),
        cmocka_unit_test(test_filters),         cmocka_unit_test(test_object_stream),
        cmocka_unit_test(test_indirect_length), cmocka_unit_test(test_xref_broken_or_missing),
        cmocka_unit_test(test_pdf_in_stream),   cmocka_unit_test(test_wrong_length),
        cmocka_unit_test(test_truncated_flate), cmocka_unit_test(test_javascript),
        cmocka_unit_test(test_encrypted),       cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
