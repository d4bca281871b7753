/* CHM: libmspack has no CHM writer, so the found case is ClamAV's clam.chm
 * (its /clam.exe.txt member, LZX-compressed, is the 544-byte test file)
 * and the hostile cases are copies of it cut short, with a broken
 * directory chunk, with member offsets and lengths moved out of the LZX
 * stream, and with every 13th byte flipped in turn. Every case is skipped
 * when the file is absent. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define CLAM_CHM "/usr/share/clamav-testfiles/clam.chm"
#define CLAM_SIG                                                                                   \
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"

static uint8_t *chm;
static size_t chm_len;

static int load(void **state)
{
    (void)state;
    chm = vgt_read_file(CLAM_CHM, &chm_len);
    return 0;
}

static int unload(void **state)
{
    (void)state;
    vg_free(chm);
    return 0;
}

static uint8_t *copy(void)
{
    uint8_t *p = vg_malloc(chm_len);
    assert_non_null(p);
    memcpy(p, chm, chm_len);
    return p;
}

/* Offset of a member's directory entry: the byte after its name. */
static size_t entry_after(const uint8_t *p, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 1; i + n < chm_len; i++)
        if (p[i - 1] == n && memcmp(p + i, name, n) == 0)
            return i + n;
    fail_msg("no entry %s", name);
    return 0;
}

static void test_found(void **state)
{
    (void)state;
    if (chm == NULL)
        skip();
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    vgt_scan_path(e, CLAM_CHM, VG_SCAN_ALLMATCH, &ev);
    assert_detects(&ev, "ClamAV-Test-File");
    const char *c = ev.ev[vgt_find_detection(&ev, "ClamAV-Test-File")].chain;
    assert_non_null(strstr(c, "//clam.exe.txt"));
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    /* every non-empty member but the LZX internals: 14 of them, plus what
     * other handlers find inside those (the HTML pages' normalized copies) */
    assert_true(ev.result.objects >= 1 + 14);
    assert_true(ev.result.objects <= 1 + 14 * 2);
    vg_engine_unref(e);
}

static void test_not_chm(void **state)
{
    (void)state;
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    static const char text[] = "ITS not a help file";
    vgt_scan_mem(e, text, sizeof text - 1, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_int_equal(ev.result.objects, 1);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 0);
    /* the magic and nothing else: reported, not crashed */
    vgt_scan_mem(e, "ITSF", 4, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    vg_engine_unref(e);
}

static void test_truncated(void **state)
{
    (void)state;
    if (chm == NULL)
        skip();
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    int errors = 0;
    for (size_t cut = 4; cut < chm_len; cut += 61) {
        vgt_scan_mem(e, chm, cut, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        errors += vgt_count_kind(&ev, VG_EVENT_ERROR) > 0;
    }
    /* cut in the header or directory: the directory is unreadable; cut in
     * the data: members run out. Either is reported. */
    assert_int_equal(errors, (int)((chm_len - 4 + 60) / 61));
    vg_engine_unref(e);
}

static void test_bad_directory(void **state)
{
    (void)state;
    if (chm == NULL)
        skip();
    uint8_t *p = copy();
    uint8_t *pmgl = memmem(p, chm_len, "PMGL", 4);
    assert_non_null(pmgl);
    memset(pmgl, 0xff, 4);
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    vgt_scan_mem(e, p, chm_len, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_not_detects(&ev, "ClamAV-Test-File");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    vg_engine_unref(e);
    vg_free(p);
}

/* Entries are encoded integers: "/clam.exe.txt" is section 1, offset 651
 * (0x85 0x0B), length 544 (0x84 0x20). */
/* Replaces the 2-byte encoded integer at p[at] by 3 bytes meaning 1 MiB,
 * taking a byte of the PMGL chunk's free space. */
static void widen(uint8_t *p, size_t at)
{
    uint8_t *pmgl = memmem(p, chm_len, "PMGL", 4);
    assert_non_null(pmgl);
    uint32_t free_space = pmgl[4] | (uint32_t)pmgl[5] << 8;
    size_t used_end = (size_t)(pmgl - p) + 4096 - free_space;
    memmove(p + at + 3, p + at + 2, used_end - (at + 2));
    memcpy(p + at, "\xc0\x80\x00", 3);
    pmgl[4] = (uint8_t)(free_space - 1);
    pmgl[5] = (uint8_t)((free_space - 1) >> 8);
}

static void test_moved_members(void **state)
{
    (void)state;
    if (chm == NULL)
        skip();
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    uint8_t *p = copy();
    size_t at = entry_after(p, "/clam.exe.txt");
    assert_int_equal(p[at], 1);
    assert_memory_equal(p + at + 1, "\x85\x0b\x84\x20", 4);
    /* offset 1 MiB, past the end of the LZX stream */
    widen(p, at + 1);
    vgt_scan_mem(e, p, chm_len, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_not_detects(&ev, "ClamAV-Test-File");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    /* length 1 MiB, running past the stream: the 544 bytes are there, then not */
    memcpy(p, chm, chm_len);
    widen(p, at + 3);
    vgt_scan_mem(e, p, chm_len, VG_SCAN_ALLMATCH, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    /* a stored (section 0) member past the end of the file */
    memcpy(p, chm, chm_len);
    at = entry_after(p, "/#SYSTEM");
    assert_int_equal(p[at], 0);
    p[at + 1] = 0xff; /* offset 134 (0x81 0x06) -> 16262 */
    p[at + 2] = 0x06;
    vgt_scan_mem(e, p, chm_len, 0, &ev);
    assert_int_equal(ev.err, VG_OK);
    assert_detects(&ev, "ClamAV-Test-File");
    assert_int_equal(vgt_count_kind(&ev, VG_EVENT_ERROR), 1);
    vg_engine_unref(e);
    vg_free(p);
}

static void test_flipped_bytes(void **state)
{
    (void)state;
    if (chm == NULL)
        skip();
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vgt_events ev;
    uint8_t *p = copy();
    for (size_t i = 0; i < chm_len; i += 13) {
        p[i] ^= 0xff;
        vgt_scan_mem(e, p, chm_len, 0, &ev);
        assert_int_equal(ev.err, VG_OK);
        p[i] ^= 0xff;
    }
    vg_engine_unref(e);
    vg_free(p);
}

static void test_limits(void **state)
{
    (void)state;
    if (chm == NULL)
        skip();
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 100;
    vg_engine *e = vgt_engine_limits("clam.hsb", CLAM_SIG, &lim);
    vgt_events ev;
    vgt_scan_mem(e, chm, chm_len, 0, &ev);
    assert_not_detects(&ev, "ClamAV-Test-File");
    assert_incomplete(&ev, VG_LIMIT_FILESIZE);
    vg_engine_unref(e);

    lim = vg_limits_default();
    lim.max_files = 3;
    e = vgt_engine_limits("clam.hsb", CLAM_SIG, &lim);
    vgt_scan_mem(e, chm, chm_len, VG_SCAN_ALLMATCH, &ev);
    assert_incomplete(&ev, VG_LIMIT_FILES);
    assert_int_equal(ev.result.objects, 1 + 3);
    vg_engine_unref(e);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    if (chm == NULL)
        skip();
    vg_engine *e = vgt_engine("clam.hsb", CLAM_SIG);
    vg_scanner *s = NULL;
    assert_int_equal(vg_scanner_new(e, &s), VG_OK);
    for (unsigned long k = 1; k < 80; k++) {
        vg_result r;
        vg_mem_fail_after(k);
        vg_error err = vg_scanner_scan_mem(s, chm, chm_len, "m", &r);
        vg_mem_fail_after(0);
        assert_true(err == VG_OK || err == VG_ERR_NOMEM);
    }
    vg_scanner_free(s);
    vg_engine_unref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found),         cmocka_unit_test(test_not_chm),
        cmocka_unit_test(test_truncated),     cmocka_unit_test(test_bad_directory),
        cmocka_unit_test(test_moved_members), cmocka_unit_test(test_flipped_bytes),
        cmocka_unit_test(test_limits),        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
