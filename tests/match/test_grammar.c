/* The ClamAV hex grammar end to end: an .ndb line is loaded into an engine
 * (parser, atom choice, Hyperscan database) and buffers are scanned through
 * the public API (prefilter hit, exact verification). For every construct
 * one buffer must be detected and one must not; most pairs differ by a
 * single byte or a single position, at the construct's edge. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

typedef struct gcase {
    const char *offset; /* the .ndb offset field */
    const char *hex;
    const char *yes, *no; /* buffers, as C strings */
} gcase;

/* "malware" is 6d 61 6c 77 61 72 65. */
static const gcase cases[] = {
    /* ?? : any one byte */
    {"*", "6d616c77??617265", "xx malwXare yy", "xx malware yy"},
    /* a? : high nibble fixed */
    {"*", "6d616c776?7265", "--malware--", "--malwqre--"},
    /* ?a : low nibble fixed */
    {"*", "6d616c77?17265", "--malwqre--", "--malwbre--"},
    /* * : any number of bytes, in order */
    {"*", "6d616c77*7761726521", "malw.............ware!", "ware! then malw"},
    {"*", "6d616c77*7761726521", "malwware!", "malware!"},
    /* {n} : exactly n */
    {"*", "6d616c77{3}6172", "malwXYZar", "malwXYar"},
    {"*", "6d616c77{3}6172", "malwXYZar", "malwWXYZar"},
    /* {n-} : at least n */
    {"*", "6d616c77{3-}6172", "malwXYZWVUar", "malwXYar"},
    /* {-n} : at most n */
    {"*", "6d616c77{-2}6172", "malwXYar", "malwXYZar"},
    {"*", "6d616c77{-2}6172", "malwar", "malwXYZar"},
    /* {n-m} : at the exact minimum and maximum, and just outside */
    {"*", "6d616c77{2-3}6172", "malwXYar", "malwXar"},
    {"*", "6d616c77{2-3}6172", "malwXYZar", "malwWXYZar"},
    /* (aa|bb) */
    {"*", "6d616c77(6161|6262)7265", "malwaare", "malwabre"},
    {"*", "6d616c77(6161|6262)7265", "malwbbre", "malwbare"},
    /* alternatives of differing lengths */
    {"*", "6d616c77(61|626262)7265", "malwbbbre", "malwbbre"},
    /* !(aa|bb) */
    {"*", "6d616c77!(61|62)7265", "malwcre", "malware"},
    {"*", "6d616c77!(61|62)7265", "malwcre", "malwbre"},
    /* [n-m] anchored range */
    {"*", "21[1-2]6d616c77617265", "!Xmalware", "!XYZmalware"},
    {"*", "21[1-2]6d616c77617265", "!XYmalware", "!malware"},
    /* (B) word boundary, including the object's edges */
    {"*", "(B)6d616c77617265(B)", "a malware b", "a xmalware b"},
    {"*", "(B)6d616c77617265(B)", "malware", "a malwarex"},
    /* (L) line boundary: LF before, LF or CRLF after, or the edges */
    {"*", "(L)6d616c77617265(L)", "a\nmalware\r\nb", "a malware\nb"},
    {"*", "(L)6d616c77617265(L)", "malware", "a\nmalware b"},
    /* offset n: the match starts exactly there */
    {"4", "6d616c77617265", "1234malware", "12345malware"},
    {"4", "6d616c77617265", "1234malware", "123malware"},
    /* offset n,m: starts in [n, n+m] */
    {"4,3", "6d616c77617265", "1234567malware", "12345678malware"},
    {"4,3", "6d616c77617265", "1234malware", "123malware"},
    /* EOF-n: starts n bytes before the end */
    {"EOF-7", "6d616c77617265", "xxmalware", "xxmalware!"},
    /* EOF-n,m: starts in [size-n, size-n+m] */
    {"EOF-9,2", "6d616c77617265", "xxmalware!!", "xxmalware!!!!"},
    {"EOF-9,2", "6d616c77617265", "xxxxmalware", "malware!!!!"},
    /* a gap whose far side is only at the object's end */
    {"*", "6d616c77*2121", "malw..........!!", "malw..........!"},
};

static void check(const gcase *c, int n)
{
    char line[512];
    snprintf(line, sizeof line, "Test.Grammar.%d:0:%s:%s\n", n, c->offset, c->hex);
    char name[64];
    snprintf(name, sizeof name, "Test.Grammar.%d", n);
    vg_engine *e = vgt_engine("t.ndb", line);
    vgt_events ev;
    vgt_scan_mem(e, c->yes, strlen(c->yes), 0, &ev);
    if (vgt_find_detection(&ev, name) < 0)
        print_error("%s: not found in \"%s\"\n", line, c->yes);
    assert_detects(&ev, name);
    vgt_scan_mem(e, c->no, strlen(c->no), 0, &ev);
    if (vgt_find_detection(&ev, name) >= 0)
        print_error("%s: found in \"%s\"\n", line, c->no);
    assert_clean(&ev);
    vg_engine_unref(e);
}

static void test_constructs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check(&cases[i], (int)i);
}

/* The reported offset is where the match starts, also when the atom Hyperscan
 * found lies after a '*'. */
static void test_offset_reported(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("t.ndb", "Test.Start:0:*:2323*e83b9c715b81ed3c\n");
    const char data[] = "......##....\xe8\x3b\x9c\x71\x5b\x81\xed\x3c..";
    vgt_events ev;
    vgt_scan_mem(e, data, sizeof data - 1, 0, &ev);
    int i = vgt_find_detection(&ev, "Test.Start");
    assert_true(i >= 0);
    assert_int_equal(ev.ev[i].offset, 6);
    vg_engine_unref(e);
}

/* Many signatures in one database, each found only in its own buffer. */
static void test_together(void **state)
{
    (void)state;
    char db[8192] = "";
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        char line[512];
        snprintf(line, sizeof line, "Test.Grammar.%zu:0:%s:%s\n", i, cases[i].offset, cases[i].hex);
        strcat(db, line);
    }
    vg_engine *e = vgt_engine("t.ndb", db);
    for (size_t i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "Test.Grammar.%zu", i);
        vgt_events ev;
        vgt_scan_mem(e, cases[i].yes, strlen(cases[i].yes), VG_SCAN_ALLMATCH, &ev);
        assert_detects(&ev, name);
        vgt_scan_mem(e, cases[i].no, strlen(cases[i].no), VG_SCAN_ALLMATCH, &ev);
        assert_not_detects(&ev, name);
    }
    vg_engine_unref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constructs),
        cmocka_unit_test(test_offset_reported),
        cmocka_unit_test(test_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
