/* The server's store when things fail: a disk that fills up (ENOSPC:
 * VG_ERR_NOSPACE, nothing left behind) and a database that refuses the
 * row or the audit entry (nothing stored; a read or deletion that cannot
 * be audited does not happen). Runs on SQLite and, with VIGIL_TEST_PG set,
 * on PostgreSQL. */
#include "store_fixture.h"

#include <dirent.h>
#include <sched.h>
#include <sys/mount.h>

static int count_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    if (d != NULL)
        closedir(d);
    return n;
}

/* Makes every INSERT into table fail inside the database. */
static void break_inserts(sfx *f, const char *table)
{
    char sql[512];
    if (f->pg == NULL) {
        snprintf(sql, sizeof sql,
                 "CREATE TRIGGER boom_%s BEFORE INSERT ON %s BEGIN SELECT RAISE(ABORT, 'boom'); "
                 "END",
                 table, table);
    } else {
        assert_int_equal(vsi_store_test_exec(f->st, "CREATE OR REPLACE FUNCTION boom() RETURNS "
                                                    "trigger LANGUAGE plpgsql AS $$BEGIN RAISE "
                                                    "EXCEPTION 'boom'; END$$"),
                         VG_OK);
        snprintf(sql, sizeof sql,
                 "CREATE TRIGGER boom_%s BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION boom()",
                 table, table);
    }
    assert_int_equal(vsi_store_test_exec(f->st, sql), VG_OK);
}

/* A row or audit entry that cannot be committed leaves nothing behind, and
 * a read whose audit entry cannot be written is refused. */
static void test_failed_commit(void **state)
{
    sfx *f = *state;
    vs_sample m, r;
    uint8_t *p = sfx_sample(70000, 800, &m, "E", "h", 1);
    uint8_t *pr = sfx_sample(500, 801, &r, "E", "h", 1);
    sfx_put(f, &r, pr, 500, 0);
    break_inserts(f, "samples");
    int existed = -1;
    assert_int_not_equal(vs_store_put_sample(f->st, &m, p, 70000, &existed), VG_OK);
    assert_int_equal(existed, 0);
    char path[4096], sub[700];
    assert_int_equal(vs_blob_path(f->dir, m.sha256, path, sizeof path), 0);
    assert_int_equal(access(path, F_OK), -1);
    snprintf(sub, sizeof sub, "%s/tmp", f->dir);
    assert_int_equal(count_files(sub), 0);
    vs_sample g;
    assert_int_equal(vs_store_get_sample(f->st, m.sha256, &g), VG_ERR_NOT_FOUND);
    json_t *a = sfx_audit(f);
    assert_int_equal(json_array_size(a), 1); /* only r's intake */
    json_decref(a);

    break_inserts(f, "audit");
    uint8_t *out = (uint8_t *)1;
    size_t len = 1;
    assert_int_not_equal(vs_store_read_content(f->st, r.sha256, "ann", &out, &len), VG_OK);
    assert_null(out);
    /* A deletion whose entry cannot be written does not happen either. */
    assert_int_not_equal(vs_store_delete_sample(f->st, r.sha256, "delete", "al", NULL), VG_OK);
    assert_int_equal(vs_store_get_sample(f->st, r.sha256, &g), VG_OK);
    assert_int_equal(vs_blob_path(f->dir, r.sha256, path, sizeof path), 0);
    assert_int_equal(access(path, F_OK), 0);
    free(p);
    free(pr);
}

/* A 1 MiB tmpfs at dir in a private mount namespace; -1 when not allowed
 * (needs CAP_SYS_ADMIN: root in CI). */
static int small_tmpfs(const char *dir)
{
    static int unshared;
    if (!unshared) {
        if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
            return -1;
        unshared = 1;
    }
    mkdir(dir, 0700);
    return mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0700");
}

static void test_nospace(void **state)
{
    sfx *f = *state;
    char mnt[600], data[700], sub[800];
    snprintf(mnt, sizeof mnt, "%s-full", f->dir);
    if (small_tmpfs(mnt) != 0) {
        print_message("skipped: cannot mount a small tmpfs here (needs CAP_SYS_ADMIN)\n");
        rmdir(mnt);
        return;
    }
    snprintf(data, sizeof data, "%s/data", mnt);
    vs_store *st = NULL;
    char err[256];
    assert_int_equal(vs_store_open(data, f->pg, &st, err, sizeof err), VG_OK);
    vs_sample big, small;
    uint8_t *pb = sfx_sample(2u << 20, 900, &big, "E", "h", 1);
    uint8_t *ps = sfx_sample(100000, 901, &small, "E", "h", 2);
    int existed = -1;
    assert_int_equal(vs_store_put_sample(st, &big, pb, 2u << 20, &existed), VG_ERR_NOSPACE);
    assert_int_equal(existed, 0);
    snprintf(sub, sizeof sub, "%s/tmp", data);
    assert_int_equal(count_files(sub), 0);
    snprintf(sub, sizeof sub, "%s/blobs", data);
    assert_int_equal(count_files(sub), 0); /* not even a fan-out dir */
    vs_sample g;
    assert_int_equal(vs_store_get_sample(st, big.sha256, &g), VG_ERR_NOT_FOUND);
    json_t *a = NULL;
    assert_int_equal(vs_store_audit_list(st, 0, 0, &a), VG_OK);
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);
    /* The space is back: a smaller sample goes in. */
    assert_int_equal(vs_store_put_sample(st, &small, ps, 100000, &existed), VG_OK);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(vs_store_read_content(st, small.sha256, "ann", &out, &len), VG_OK);
    assert_int_equal(len, 100000);
    vs_store_content_free(out);
    vs_store_close(st);
    umount2(mnt, MNT_DETACH);
    rmdir(mnt);
    free(pb);
    free(ps);
}

#define TESTS(X) X(test_nospace), X(test_failed_commit)

int main(void)
{
    const struct CMUnitTest sq[] = {TESTS(SFX_SQLITE)};
    const struct CMUnitTest pg[] = {TESTS(SFX_PG)};
    return sfx_run("store_fail", sq, pg, sizeof sq / sizeof sq[0]);
}
