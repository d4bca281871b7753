/* The submission ledger: entries chain and verify; an edited field, two
 * swapped lines, a deleted line, a cut-off tail and a replaced head are each
 * caught at the right entry and line; a line cut mid-write by a crash is
 * reported, passes while the head says it was never committed, and is
 * removed by the next append; two processes appending at once keep one
 * chain. */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vigil/ledger.h>

typedef struct fx {
    char dir[512];
    char path[600];
    char head[620];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    mkdir(VG_TEST_TMP, 0700);
    snprintf(f->dir, sizeof f->dir, "%s/ledger.XXXXXX", VG_TEST_TMP);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/ledger", f->dir);
    snprintf(f->head, sizeof f->head, "%s/ledger.head", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    unlink(f->path);
    unlink(f->head);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void sha_of(unsigned i, char out[65])
{
    for (int k = 0; k < 64; k++)
        out[k] = "0123456789abcdef"[(i * 7 + (unsigned)k) % 16];
    out[64] = '\0';
}

static void append_n(const char *path, unsigned from, unsigned n)
{
    vg_ledger *l = NULL;
    assert_int_equal(vg_ledger_open(path, &l), VG_OK);
    for (unsigned i = from; i < from + n; i++) {
        char sha[65], p[64];
        sha_of(i, sha);
        snprintf(p, sizeof p, "/home/u/a%u.zip > setup.exe", i);
        vg_ledger_record r = {.kind = i % 3 == 0   ? "upload"
                                      : i % 3 == 1 ? "hashes"
                                                   : "blocked",
                              .sha256 = sha,
                              .size = 1000 + i,
                              .type = "pe",
                              .path = p,
                              .signature = "Test.Sig",
                              .consent = "safe",
                              .server = "http://127.0.0.1:8640",
                              .reason = i % 3 == 2 ? "classified (us-banner)" : ""};
        vg_ledger_entry e;
        assert_int_equal(vg_ledger_append(l, &r, &e), VG_OK);
        assert_true(e.seq >= 1);
    }
    vg_ledger_close(l);
}

static vg_ledger_report verify(const char *path)
{
    vg_ledger_report r;
    assert_int_equal(vg_ledger_verify(path, NULL, NULL, &r), VG_OK);
    return r;
}

/* The file's lines, for editing. */
typedef struct lines {
    char *buf;
    char *line[64];
    size_t n;
} lines;

static void read_lines(const char *path, lines *ls)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    ls->buf = calloc(1, 1 << 20);
    size_t n = fread(ls->buf, 1, (1 << 20) - 1, f);
    fclose(f);
    ls->n = 0;
    for (char *p = ls->buf; p < ls->buf + n && ls->n < 64;) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        *nl = '\0';
        ls->line[ls->n++] = p;
        p = nl + 1;
    }
}

static void write_lines(const char *path, char **line, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", line[i]);
    fclose(f);
}

static void test_append_and_verify(void **state)
{
    fx *f = *state;
    vg_ledger_report r = verify(f->path);
    assert_true(r.ok); /* no ledger yet: empty and fine */
    assert_int_equal(r.entries, 0);
    append_n(f->path, 0, 5);
    r = verify(f->path);
    assert_true(r.ok);
    assert_int_equal(r.entries, 5);
    assert_string_equal(r.note, "");
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* The chain starts at zeros and each prev is the entry before. */
    lines ls;
    read_lines(f->path, &ls);
    assert_int_equal(ls.n, 5);
    assert_non_null(strstr(ls.line[0], "\"prev\":\"0000000000000000"));
    assert_non_null(strstr(ls.line[0], "\"seq\":1,"));
    free(ls.buf);
    /* A reopened ledger continues the same chain. */
    append_n(f->path, 5, 2);
    r = verify(f->path);
    assert_true(r.ok);
    assert_int_equal(r.entries, 7);
}

static void test_edit_field(void **state)
{
    fx *f = *state;
    append_n(f->path, 0, 5);
    lines ls;
    read_lines(f->path, &ls);
    char *p = strstr(ls.line[2], "\"size\":1002");
    assert_non_null(p);
    p[9] = '9'; /* 1002 -> 1092 */
    write_lines(f->path, ls.line, ls.n);
    free(ls.buf);
    vg_ledger_report r = verify(f->path);
    assert_false(r.ok);
    assert_int_equal(r.bad_seq, 3);
    assert_int_equal(r.bad_line, 3);
    assert_non_null(strstr(r.what, "edited"));
    assert_int_equal(r.entries, 2);
}

static void test_edit_path_with_spaces(void **state)
{
    fx *f = *state;
    append_n(f->path, 0, 3);
    lines ls;
    read_lines(f->path, &ls);
    /* Same content, one space added: not the canonical line. */
    char edited[4096];
    char *comma = strchr(ls.line[1], ',');
    snprintf(edited, sizeof edited, "%.*s, %s", (int)(comma - ls.line[1]), ls.line[1], comma + 1);
    ls.line[1] = edited;
    write_lines(f->path, ls.line, ls.n);
    free(ls.buf);
    vg_ledger_report r = verify(f->path);
    assert_false(r.ok);
    assert_int_equal(r.bad_seq, 2);
    assert_int_equal(r.bad_line, 2);
}

static void test_reorder(void **state)
{
    fx *f = *state;
    append_n(f->path, 0, 5);
    lines ls;
    read_lines(f->path, &ls);
    char *t = ls.line[2];
    ls.line[2] = ls.line[3];
    ls.line[3] = t;
    write_lines(f->path, ls.line, ls.n);
    free(ls.buf);
    vg_ledger_report r = verify(f->path);
    assert_false(r.ok);
    assert_int_equal(r.bad_seq, 3);
    assert_int_equal(r.bad_line, 3);
    assert_non_null(strstr(r.what, "holds entry 4"));
}

static void test_delete_middle(void **state)
{
    fx *f = *state;
    append_n(f->path, 0, 5);
    lines ls;
    read_lines(f->path, &ls);
    char *keep[4] = {ls.line[0], ls.line[1], ls.line[3], ls.line[4]};
    write_lines(f->path, keep, 4);
    free(ls.buf);
    vg_ledger_report r = verify(f->path);
    assert_false(r.ok);
    assert_int_equal(r.bad_seq, 3);
    assert_int_equal(r.bad_line, 3);
    assert_non_null(strstr(r.what, "removed"));
}

static void test_truncate_tail(void **state)
{
    fx *f = *state;
    append_n(f->path, 0, 5);
    lines ls;
    read_lines(f->path, &ls);
    write_lines(f->path, ls.line, 3);
    free(ls.buf);
    vg_ledger_report r = verify(f->path);
    assert_false(r.ok);
    assert_int_equal(r.bad_seq, 4);
    assert_non_null(strstr(r.what, "truncated"));
    assert_int_equal(r.entries, 3);
    /* A truncated ledger is not appended to: nothing may be sent. */
    vg_ledger *l = NULL;
    assert_int_equal(vg_ledger_open(f->path, &l), VG_OK);
    char sha[65];
    sha_of(9, sha);
    vg_ledger_record rec = {.kind = "upload", .sha256 = sha, .size = 1};
    assert_int_equal(vg_ledger_append(l, &rec, NULL), VG_ERR_MALFORMED);
    vg_ledger_close(l);
    /* Every line gone, the head left: still caught. */
    write_lines(f->path, NULL, 0);
    r = verify(f->path);
    assert_false(r.ok);
    assert_int_equal(r.bad_seq, 1);
}

static void test_rewritten_entry_breaks_next(void **state)
{
    fx *f = *state;
    append_n(f->path, 0, 4);
    /* Replace entry 2 with a valid entry 2 of another chain: its own hash
     * holds, the next entry's prev does not. */
    char other[700];
    snprintf(other, sizeof other, "%s/other", f->dir);
    append_n(other, 10, 2);
    lines a, b;
    read_lines(f->path, &a);
    read_lines(other, &b);
    a.line[1] = b.line[1];
    write_lines(f->path, a.line, a.n);
    vg_ledger_report r = verify(f->path);
    assert_false(r.ok);
    assert_int_equal(r.bad_seq, 2);
    assert_int_equal(r.bad_line, 2);
    assert_non_null(strstr(r.what, "prev"));
    free(a.buf);
    free(b.buf);
    unlink(other);
    char oh[720];
    snprintf(oh, sizeof oh, "%s.head", other);
    unlink(oh);
}

static void test_partial_last_line(void **state)
{
    fx *f = *state;
    append_n(f->path, 0, 3);
    /* A crash mid-append: half a line after the last committed entry. */
    FILE *fp = fopen(f->path, "ab");
    assert_non_null(fp);
    fputs("{\"consent\":\"safe\",\"hash\":\"12", fp);
    fclose(fp);
    vg_ledger_report r = verify(f->path);
    assert_true(r.ok);
    assert_true(r.partial_tail);
    assert_int_equal(r.entries, 3);
    assert_non_null(strstr(r.note, "line 4"));
    assert_non_null(strstr(r.note, "never committed"));
    /* The next append cuts it away and the chain goes on. */
    append_n(f->path, 3, 1);
    r = verify(f->path);
    assert_true(r.ok);
    assert_false(r.partial_tail);
    assert_int_equal(r.entries, 4);

    /* The committed last entry cut mid-way: truncation, not a crash. */
    lines ls;
    read_lines(f->path, &ls);
    fp = fopen(f->path, "wb");
    for (size_t i = 0; i < 3; i++)
        fprintf(fp, "%s\n", ls.line[i]);
    fprintf(fp, "%.40s", ls.line[3]);
    fclose(fp);
    free(ls.buf);
    r = verify(f->path);
    assert_false(r.ok);
    assert_true(r.partial_tail);
    assert_int_equal(r.bad_seq, 4);
    assert_int_equal(r.bad_line, 4);
}

static void test_head_replaced(void **state)
{
    fx *f = *state;
    append_n(f->path, 0, 3);
    FILE *fp = fopen(f->head, "wb");
    fprintf(fp, "3 %064d\n", 0);
    fclose(fp);
    vg_ledger_report r = verify(f->path);
    assert_false(r.ok);
    assert_int_equal(r.bad_seq, 3);
    unlink(f->head);
    r = verify(f->path);
    assert_false(r.ok); /* three entries and no head: cannot rule out a cut */
}

static void test_two_processes(void **state)
{
    fx *f = *state;
    enum { PER = 40 };
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            vg_ledger *l = NULL;
            if (vg_ledger_open(f->path, &l) != VG_OK)
                _exit(1);
            for (unsigned i = 0; i < PER; i++) {
                char sha[65];
                sha_of(100 * (unsigned)k + i, sha);
                vg_ledger_record r = {.kind = "upload", .sha256 = sha, .size = i};
                if (vg_ledger_append(l, &r, NULL) != VG_OK)
                    _exit(2);
            }
            vg_ledger_close(l);
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status = 0;
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    vg_ledger_report r = verify(f->path);
    assert_true(r.ok);
    assert_int_equal(r.entries, 2 * PER);
}

static int count_cb(const vg_ledger_entry *e, void *ud)
{
    unsigned *n = ud;
    if (e->seq == 2) {
        assert_string_equal(e->path, "bad\\xff name > m\xc3\xa9mber");
    }
    char sha[65];
    sha_of(1, sha);
    assert_string_equal(e->sha256, sha); /* exactly 64 digits: kept whole */
    assert_string_equal(e->kind, "hashes");
    (*n)++;
    return 0;
}

static void test_strings_and_listing(void **state)
{
    fx *f = *state;
    vg_ledger *l = NULL;
    assert_int_equal(vg_ledger_open(f->path, &l), VG_OK);
    char sha[65];
    sha_of(1, sha);
    vg_ledger_record r = {.kind = "hashes", .sha256 = sha, .size = 3, .path = "plain"};
    assert_int_equal(vg_ledger_append(l, &r, NULL), VG_OK);
    r.path = "bad\xff name > m\xc3\xa9mber"; /* invalid UTF-8 from an archive */
    assert_int_equal(vg_ledger_append(l, &r, NULL), VG_OK);
    r.kind = "sent-elsewhere"; /* not a kind */
    assert_int_equal(vg_ledger_append(l, &r, NULL), VG_ERR_INVALID_ARG);
    vg_ledger_close(l);
    unsigned n = 0;
    vg_ledger_report rep;
    assert_int_equal(vg_ledger_verify(f->path, count_cb, &n, &rep), VG_OK);
    assert_true(rep.ok);
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_and_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_path_with_spaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reorder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_middle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncate_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewritten_entry_breaks_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_last_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings_and_listing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
