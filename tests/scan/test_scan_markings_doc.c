/* The marking detector on legacy binary Office files, end to end: a Word
 * 97-2003 .doc (OLE2, built by tests/fmt/ole2_build.h) whose WordDocument
 * stream holds a marked memo as UTF-16LE paragraphs among binary structure
 * is reported with the chain naming the stream; the same file with an
 * unmarked memo that talks about a marking is not. (The file as a whole is
 * judged too and is also flagged here, as its stream's text lies in whole
 * sectors.) Apart from test_scan_markings.c because ole2_build.h and
 * archive_build.h do not compile together (-Wshadow). */

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wunused-function"
#include "../fmt/ole2_build.h"

static int marking_on(const vgt_events *ev, const char *chain)
{
    for (size_t i = 0; i < ev->n; i++)
        if (ev->ev[i].kind == VG_EVENT_MARKING && strcmp(ev->ev[i].chain, chain) == 0)
            return 1;
    return 0;
}

/* A WordDocument-like stream: a FIB-like header of binary structure, the
 * paragraphs as UTF-16LE each ended by 0x0D 0x00, more structure after. */
static uint8_t *word_stream(const char *const *paras, size_t n, size_t *out_len)
{
    size_t cap = 8192, at = 0;
    uint8_t *p = calloc(1, cap);
    assert_non_null(p);
    p[0] = 0xEC;
    p[1] = 0xA5;
    p[2] = 0xC1;
    for (size_t i = 4; i < 1536; i++) /* FIB-like: small numbers and NULs */
        p[i] = i % 3 == 0 ? (uint8_t)(i * 7) : 0;
    at = 1536;
    for (size_t k = 0; k < n; k++) {
        for (const char *c = paras[k]; *c; c++) {
            assert_true(at + 4 < cap);
            p[at++] = (uint8_t)*c;
            p[at++] = 0;
        }
        p[at++] = 0x0D;
        p[at++] = 0;
    }
    assert_true(at + 1024 <= cap);
    for (size_t i = 0; i < 1024; i++) /* more structure (tables, fields) */
        p[at++] = i % 4 == 1 ? (uint8_t)(i * 13 + 1) : 0;
    *out_len = at;
    return p;
}

static void test_doc_word_stream(void **state)
{
    (void)state;
    static const char *const marked_memo[] = {
        "SECRET//NOFORN",
        "MEMORANDUM FOR THE RECORD",
        "(S//NF) The delegation's travel plans changed on short notice.",
        "(U) The itinerary is attached.",
        "SECRET//NOFORN",
    };
    static const char *const plain_memo[] = {
        "MEMORANDUM FOR THE RECORD",
        "Subject: Files reported as classified",
        "The newspaper said the boxes held documents marked SECRET//NOFORN.",
        "The itinerary is attached.",
    };
    vg_engine *e = vgt_engine(NULL, NULL);
    for (int marked_doc = 1; marked_doc >= 0; marked_doc--) {
        size_t wlen = 0, len = 0;
        uint8_t *word =
            marked_doc ? word_stream(marked_memo, 5, &wlen) : word_stream(plain_memo, 4, &wlen);
        uint8_t table[600];
        for (size_t i = 0; i < sizeof table; i++)
            table[i] = i % 2 ? 0 : (uint8_t)i;
        ob_file f;
        ob_init(&f, 9);
        f.reverse = 1; /* the stream's sectors out of order in the file */
        ob_add(&f, 0, OB_STREAM, "WordDocument", word, wlen);
        ob_add(&f, 0, OB_STREAM, "1Table", table, sizeof table);
        uint8_t *doc = ob_build(&f, &len);
        assert_non_null(doc);
        vgt_events ev;
        vgt_scan_mem(e, doc, len, VG_SCAN_MARKINGS, &ev);
        vgt_dump_events(&ev);
        assert_int_equal(ev.err, VG_OK);
        if (marked_doc) {
            assert_true(marking_on(&ev, "mem//WordDocument"));
            assert_true(ev.result.markings >= 1);
        } else {
            assert_int_equal(vgt_count_kind(&ev, VG_EVENT_MARKING), 0);
            assert_int_equal(ev.result.markings, 0);
        }
        assert_clean(&ev);
        free(doc);
        free(word);
    }
    vg_engine_unref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_word_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
