/* The marking detector inside the scan loop (lib/scan/scan_markings.c):
 * VG_SCAN_MARKINGS judges the top level and every container member, reports
 * each hit as a VG_EVENT_MARKING with the member's chain, judges objects
 * larger than VG_MARK_MAX_INPUT by a head and a tail window, sees only what
 * max-filesize lets it, never changes the verdict, keeps walking after a
 * detection, and works over an engine with no signatures at all.
 *
 * The marked texts are what any detector honouring markings.h must flag:
 * banner lines with "//" at the top and bottom, portion marks at paragraph
 * starts. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "../fmt/archive_build.h"

static const char marked[] = "TOP SECRET//SI//NOFORN\n"
                             "\n"
                             "(TS//SI//NF) The collection plan for the next quarter follows.\n"
                             "\n"
                             "(TS//SI//NF) Sources are listed in annex B.\n"
                             "\n"
                             "TOP SECRET//SI//NOFORN\n";

static const char source[] = "#include <stdio.h>\n"
                             "\n"
                             "/* Prints a greeting. */\n"
                             "int main(void)\n"
                             "{\n"
                             "    puts(\"hello, world\");\n"
                             "    return 0;\n"
                             "}\n";

static const char eicar[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

static vg_engine *empty_engine(const vg_limits *lim)
{
    vg_engine *e = NULL;
    vg_diag d;
    assert_int_equal(vg_engine_new(lim, &e), VG_OK);
    assert_int_equal(vg_engine_compile(e, NULL, &d), VG_OK);
    assert_int_equal(vg_engine_signature_count(e), 0);
    return e;
}

/* Index of the n-th marking event, or -1. */
static int find_marking(const vgt_events *ev, int nth)
{
    for (size_t i = 0; i < ev->n; i++)
        if (ev->ev[i].kind == VG_EVENT_MARKING && nth-- == 0)
            return (int)i;
    return -1;
}

static int marking_on(const vgt_events *ev, const char *chain)
{
    for (size_t i = 0; i < ev->n; i++)
        if (ev->ev[i].kind == VG_EVENT_MARKING && strcmp(ev->ev[i].chain, chain) == 0)
            return 1;
    return 0;
}

/* What the callback gets besides the common fields: the verdict itself. */
typedef struct verdict_seen {
    int n;
    int classified;
    char rule[64];
    char signature[64];
    char reason[256];
    char message[256];
    uint64_t ev0_offset, offset;
} verdict_seen;

static int on_marking(const vg_event *e, void *ud)
{
    verdict_seen *v = ud;
    if (e->kind != VG_EVENT_MARKING)
        return 0;
    v->n++;
    assert_non_null(e->marking);
    v->classified = e->marking->classified;
    snprintf(v->rule, sizeof v->rule, "%s", e->marking->rule ? e->marking->rule : "");
    snprintf(v->signature, sizeof v->signature, "%s", e->signature ? e->signature : "");
    snprintf(v->reason, sizeof v->reason, "%s", e->marking->reason);
    snprintf(v->message, sizeof v->message, "%s", e->message);
    v->ev0_offset = e->marking->n ? e->marking->ev[0].offset : UINT64_MAX;
    v->offset = e->offset;
    return 0;
}

static void test_flag_off_no_markings(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine(NULL, NULL);
    vgt_events ev;
    vgt_scan_mem(e, marked, strlen(marked), 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_MARKING), 0);
    assert_int_equal(ev.result.markings, 0);
    assert_clean(&ev);
    vg_engine_unref(e);
}

static void test_top_level_marking(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine(NULL, NULL);
    vgt_events ev;
    vgt_scan_mem(e, marked, strlen(marked), VG_SCAN_MARKINGS, &ev);
    vgt_dump_events(&ev);
    assert_int_equal(ev.err, VG_OK);
    int i = find_marking(&ev, 0);
    assert_true(i >= 0);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_MARKING), 1);
    assert_string_equal(ev.ev[i].chain, "mem");
    assert_int_equal(ev.ev[i].depth, 0);
    assert_true(ev.ev[i].signature[0] != '\0');
    assert_true(ev.ev[i].message[0] != '\0');
    assert_int_equal(ev.result.markings, 1);
    /* A marking is not a detection. */
    assert_clean(&ev);

    /* The event carries the verdict: signature = rule, offset = first
     * evidence, message = reason. */
    vg_scanner *s = NULL;
    verdict_seen v;
    memset(&v, 0, sizeof v);
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    vg_scanner_set_callback(s, on_marking, &v);
    vg_scanner_set_flags(s, VG_SCAN_MARKINGS);
    vg_result r;
    assert_int_equal(vg_scanner_scan_mem(s, marked, strlen(marked), "m.txt", &r), VG_OK);
    vg_scanner_free(s);
    assert_int_equal(v.n, 1);
    assert_int_equal(v.classified, 1);
    assert_string_equal(v.signature, v.rule);
    assert_string_equal(v.message, v.reason);
    assert_int_equal(v.offset, v.ev0_offset);
    assert_true(v.offset < strlen(marked));
    vg_engine_unref(e);
}

static void test_unmarked_text_not_flagged(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine(NULL, NULL);
    vgt_events ev;
    vgt_scan_mem(e, source, strlen(source), VG_SCAN_MARKINGS, &ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_MARKING), 0);
    assert_int_equal(ev.result.markings, 0);
    vg_engine_unref(e);
}

static void test_zip_member_chain(void **state)
{
    (void)state;
    member m[] = {
        {"src/main.c", source, strlen(source), 0},
        {"docs/plan.txt", marked, strlen(marked), 0},
        {"src/util.c", source, strlen(source), 0},
    };
    size_t len = 0;
    uint8_t *zip = build("zip", NULL, m, 3, &len);
    assert_non_null(zip);
    vg_engine *e = vgt_engine(NULL, NULL);
    vgt_events ev;
    vgt_scan_mem(e, zip, len, VG_SCAN_MARKINGS, &ev);
    vgt_dump_events(&ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_MARKING), 1);
    assert_true(marking_on(&ev, "mem//docs/plan.txt"));
    assert_int_equal(ev.ev[find_marking(&ev, 0)].depth, 1);
    assert_int_equal(ev.result.markings, 1);
    assert_clean(&ev);

    /* Two levels down: a zip inside a tar.gz. */
    size_t tlen = 0;
    uint8_t *tgz = build_one("ustar", "gzip", "bundle/inner.zip", zip, len, &tlen);
    assert_non_null(tgz);
    vgt_scan_mem(e, tgz, tlen, VG_SCAN_MARKINGS, &ev);
    vgt_dump_events(&ev);
    assert_true(marking_on(&ev, "mem//bundle/inner.zip//docs/plan.txt"));
    assert_int_equal(ev.result.markings, 1);
    free(tgz);
    free(zip);
    vg_engine_unref(e);
}

static void test_every_marked_member_reported(void **state)
{
    (void)state;
    member m[] = {
        {"a/one.txt", marked, strlen(marked), 0},
        {"b/code.c", source, strlen(source), 0},
        {"c/two.txt", marked, strlen(marked), 0},
    };
    size_t len = 0;
    uint8_t *zip = build("zip", NULL, m, 3, &len);
    assert_non_null(zip);
    vg_engine *e = vgt_engine(NULL, NULL);
    vgt_events ev;
    vgt_scan_mem(e, zip, len, VG_SCAN_MARKINGS, &ev);
    assert_int_equal(ev.result.markings, 2);
    assert_true(marking_on(&ev, "mem//a/one.txt"));
    assert_true(marking_on(&ev, "mem//c/two.txt"));
    free(zip);
    vg_engine_unref(e);
}

/* Filler text with no marking at all, len bytes. */
static char *filler(size_t len)
{
    static const char line[] = "The committee met on Tuesday and reviewed the budget figures.\n";
    char *p = malloc(len);
    assert_non_null(p);
    for (size_t i = 0; i < len; i++)
        p[i] = line[i % (sizeof line - 1)];
    return p;
}

/* A block of marked text placed at `at` in a large unmarked object. */
static char *large_with_marking_at(size_t len, size_t at)
{
    char *p = filler(len);
    size_t n = strlen(marked);
    assert_true(at + n + 2 <= len);
    /* Start and end on line boundaries so the banners are whole lines. */
    p[at] = '\n';
    memcpy(p + at + 1, marked, n);
    return p;
}

static void test_large_object_tail_window(void **state)
{
    (void)state;
    size_t len = (size_t)VG_MARK_MAX_INPUT + (1u << 20);
    size_t at = len - 4096;
    char *p = large_with_marking_at(len, at);
    vg_engine *e = vgt_engine(NULL, NULL);
    vgt_events ev;
    /* In memory: resident, the windows are pointers into it. */
    vgt_scan_mem(e, p, len, VG_SCAN_MARKINGS, &ev);
    vgt_dump_events(&ev);
    int i = find_marking(&ev, 0);
    assert_true(i >= 0);
    assert_int_equal(ev.result.markings, 1);
    /* Offsets are in the object, not in the window. */
    assert_true(ev.ev[i].offset > at && ev.ev[i].offset < len);
    /* From a file: larger than the map's window, so read into the
     * scanner's buffer. */
    const char *path = vgt_write_tmp("tail.txt", p, len);
    vgt_scan_path(e, path, VG_SCAN_MARKINGS, &ev);
    i = find_marking(&ev, 0);
    assert_true(i >= 0);
    assert_true(ev.ev[i].offset > at && ev.ev[i].offset < len);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    unlink(path);
    free(p);
    vg_engine_unref(e);
}

static void test_large_object_head_window(void **state)
{
    (void)state;
    size_t len = (size_t)VG_MARK_MAX_INPUT + (1u << 20);
    char *p = large_with_marking_at(len, 100);
    vg_engine *e = vgt_engine(NULL, NULL);
    vgt_events ev;
    vgt_scan_mem(e, p, len, VG_SCAN_MARKINGS, &ev);
    int i = find_marking(&ev, 0);
    assert_true(i >= 0);
    assert_true(ev.ev[i].offset > 100 && ev.ev[i].offset < 100 + strlen(marked) + 1);
    const char *path = vgt_write_tmp("head.txt", p, len);
    vgt_scan_path(e, path, VG_SCAN_MARKINGS, &ev);
    assert_int_equal(ev.result.markings, 1);
    unlink(path);

    /* An unmarked object of the same size stays unmarked. */
    char *q = filler(len);
    vgt_scan_mem(e, q, len, VG_SCAN_MARKINGS, &ev);
    assert_int_equal(ev.result.markings, 0);
    free(q);
    free(p);
    vg_engine_unref(e);
}

/* Between the stream threshold (2 MiB) and VG_MARK_MAX_INPUT, a file is not
 * resident in its map but is judged whole: a marking in its middle counts. */
static void test_mid_size_file_judged_whole(void **state)
{
    (void)state;
    size_t len = (size_t)6 << 20;
    size_t at = len / 2;
    char *p = large_with_marking_at(len, at);
    vg_engine *e = vgt_engine(NULL, NULL);
    const char *path = vgt_write_tmp("mid.txt", p, len);
    vgt_events ev;
    vgt_scan_path(e, path, VG_SCAN_MARKINGS, &ev);
    vgt_dump_events(&ev);
    int i = find_marking(&ev, 0);
    assert_true(i >= 0);
    assert_true(ev.ev[i].offset > at);
    unlink(path);
    free(p);
    vg_engine_unref(e);
}

static void test_max_filesize_prefix_only(void **state)
{
    (void)state;
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 64 << 10;
    size_t len = (size_t)256 << 10;
    /* Beyond the prefix: not seen, and the result says it was cut. */
    char *p = large_with_marking_at(len, 200 << 10);
    vg_engine *e = empty_engine(&lim);
    vgt_events ev;
    vgt_scan_mem(e, p, len, VG_SCAN_MARKINGS, &ev);
    assert_int_equal(ev.result.markings, 0);
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    free(p);
    /* Inside the prefix: found. */
    p = large_with_marking_at(len, 1000);
    vgt_scan_mem(e, p, len, VG_SCAN_MARKINGS, &ev);
    assert_int_equal(ev.result.markings, 1);
    free(p);
    vg_engine_unref(e);
}

static void test_verdict_unchanged(void **state)
{
    (void)state;
    /* A body signature for "EVILPAYLOAD", anywhere. */
    vg_engine *e = vgt_engine("t.ndb", "Test.Evil:0:*:4556494c5041594c4f4144\n");
    /* Infected and marked: still infected, and the marking is reported. */
    size_t n = strlen(marked);
    char both[1024];
    memcpy(both, marked, n);
    memcpy(both + n, "EVILPAYLOAD\n", 12);
    vgt_events ev;
    vgt_scan_mem(e, both, n + 12, VG_SCAN_MARKINGS, &ev);
    assert_detects(&ev, "Test.Evil");
    assert_int_equal(ev.result.verdict, VG_VERDICT_INFECTED);
    assert_int_equal(ev.result.markings, 1);
    /* The same without the flag: the same verdict, no marking. */
    vgt_scan_mem(e, both, n + 12, 0, &ev);
    assert_int_equal(ev.result.verdict, VG_VERDICT_INFECTED);
    assert_int_equal(ev.result.markings, 0);
    /* Marked and clean: clean. */
    vgt_scan_mem(e, marked, n, VG_SCAN_MARKINGS, &ev);
    assert_int_equal(ev.result.verdict, VG_VERDICT_CLEAN);
    assert_int_equal(ev.result.detections, 0);
    assert_int_equal(ev.result.markings, 1);
    vg_engine_unref(e);
}

/* Without allmatch a detection ends a plain scan; in marking mode the walk
 * goes on so a marked member after it is still reported, and no second
 * detection is. */
static void test_walk_continues_after_detection(void **state)
{
    (void)state;
    member m[] = {
        {"first/eicar.com", eicar, strlen(eicar), 0},
        {"second/plan.txt", marked, strlen(marked), 0},
        {"third/eicar2.com", eicar, strlen(eicar), 0},
    };
    size_t len = 0;
    uint8_t *zip = build("zip", NULL, m, 3, &len);
    assert_non_null(zip);
    vg_engine *e = vgt_engine(NULL, NULL);
    vgt_events ev;
    vgt_scan_mem(e, zip, len, VG_SCAN_MARKINGS, &ev);
    vgt_dump_events(&ev);
    assert_int_equal(ev.result.verdict, VG_VERDICT_INFECTED);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 1);
    assert_true(marking_on(&ev, "mem//second/plan.txt"));
    /* With allmatch both detections come too. */
    vgt_scan_mem(e, zip, len, VG_SCAN_MARKINGS | VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 2);
    assert_true(marking_on(&ev, "mem//second/plan.txt"));
    /* Plain scans are unchanged: the first detection ends it. */
    vgt_scan_mem(e, zip, len, 0, &ev);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_DETECTION), 1);
    assert_int_equal(ev.result.objects, 2);
    free(zip);
    vg_engine_unref(e);
}

static void test_empty_engine_opens_containers(void **state)
{
    (void)state;
    member m[] = {
        {"README", source, strlen(source), 0},
        {"secret/plan.txt", marked, strlen(marked), 0},
    };
    size_t len = 0;
    uint8_t *zip = build("zip", NULL, m, 2, &len);
    assert_non_null(zip);
    size_t glen = 0;
    uint8_t *gz = build_one("ustar", "gzip", "x/a.zip", zip, len, &glen);
    assert_non_null(gz);
    vg_engine *e = empty_engine(NULL);
    vgt_events ev;
    vgt_scan_mem(e, gz, glen, VG_SCAN_MARKINGS, &ev);
    vgt_dump_events(&ev);
    assert_int_equal(ev.err, VG_OK);
    assert_true(marking_on(&ev, "mem//x/a.zip//secret/plan.txt"));
    assert_true(ev.result.objects >= 4);
    assert_clean(&ev);
    free(gz);
    free(zip);
    vg_engine_unref(e);
}

/* HTML is judged as the document itself; the handler's lowercased
 * "html:normalized" copy is not made in marking mode (it would only repeat
 * the document, with its case folded). */
static void test_html_judged_once(void **state)
{
    (void)state;
    static const char html[] = "<html><body>\n"
                               "<p>TOP SECRET//SI//NOFORN</p>\n"
                               "<p>(TS//SI//NF) The collection plan follows.</p>\n"
                               "<p>(TS//SI//NF) Sources are listed in annex B.</p>\n"
                               "<p>TOP SECRET//SI//NOFORN</p>\n"
                               "</body></html>\n";
    vg_engine *e = empty_engine(NULL);
    vgt_events ev;
    vgt_scan_mem(e, html, strlen(html), VG_SCAN_MARKINGS, &ev);
    vgt_dump_events(&ev);
    assert_int_equal(ev.result.markings, 1);
    assert_true(marking_on(&ev, "mem"));
    vg_engine_unref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flag_off_no_markings),
        cmocka_unit_test(test_top_level_marking),
        cmocka_unit_test(test_unmarked_text_not_flagged),
        cmocka_unit_test(test_zip_member_chain),
        cmocka_unit_test(test_every_marked_member_reported),
        cmocka_unit_test(test_large_object_tail_window),
        cmocka_unit_test(test_large_object_head_window),
        cmocka_unit_test(test_mid_size_file_judged_whole),
        cmocka_unit_test(test_max_filesize_prefix_only),
        cmocka_unit_test(test_verdict_unchanged),
        cmocka_unit_test(test_walk_continues_after_detection),
        cmocka_unit_test(test_empty_engine_opens_containers),
        cmocka_unit_test(test_html_judged_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
