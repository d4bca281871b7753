/* The server's store, accountability side: the audit chain (and that
 * editing or removing a row breaks it), tokens, the recovery at open, and
 * concurrent appends from several threads and several connections keeping
 * one chain. Every case runs on SQLite and, with VIGIL_TEST_PG set, on
 * PostgreSQL. */
#include "store_fixture.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>

static void append(sfx *f, const char *kind, const char *actor, uint64_t want_seq)
{
    json_t *e = json_pack("{s:s, s:s, s:[i,i]}", "kind", kind, "actor", actor, "evidence", 4, 99);
    uint64_t seq = 0;
    assert_int_equal(vs_store_audit_append(f->st, e, &seq), VG_OK);
    assert_int_equal(seq, want_seq);
    json_decref(e);
}

static void test_audit_chain(void **state)
{
    sfx *f = *state;
    for (uint64_t i = 1; i <= 5; i++)
        append(f, "tombstone", "intake", i);
    json_t *a = sfx_audit(f);
    assert_int_equal(json_array_size(a), 5);
    json_t *e1 = json_array_get(a, 0), *e2 = json_array_get(a, 1);
    assert_int_equal(json_integer_value(json_object_get(e1, "seq")), 1);
    assert_string_equal(json_string_value(json_object_get(e1, "prev")), VS_AUDIT_GENESIS);
    assert_string_equal(json_string_value(json_object_get(e2, "prev")),
                        json_string_value(json_object_get(e1, "hash")));
    assert_int_equal(json_integer_value(json_array_get(json_object_get(e2, "evidence"), 1)), 99);
    assert_true(json_integer_value(json_object_get(e1, "time")) > 0);
    json_decref(a);
    assert_true(sfx_chain_ok(f));
    /* after / limit */
    assert_int_equal(vs_store_audit_list(f->st, 3, 0, &a), VG_OK);
    assert_int_equal(json_array_size(a), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0), "seq")), 4);
    json_decref(a);
    assert_int_equal(vs_store_audit_list(f->st, 1, 2, &a), VG_OK);
    assert_int_equal(json_array_size(a), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 1), "seq")), 3);
    json_decref(a);
    /* A caller cannot choose seq, time, prev or hash. */
    json_t *forged = json_pack("{s:s, s:i, s:i, s:s, s:s}", "kind", "read", "seq", 1, "time", 1,
                               "prev", VS_AUDIT_GENESIS, "hash", "00");
    uint64_t seq = 0;
    assert_int_equal(vs_store_audit_append(f->st, forged, &seq), VG_OK);
    assert_int_equal(seq, 6);
    json_decref(forged);
    assert_true(sfx_chain_ok(f));
    json_t *nokind = json_pack("{s:s}", "actor", "x");
    assert_int_equal(vs_store_audit_append(f->st, nokind, NULL), VG_ERR_INVALID_ARG);
    json_decref(nokind);
}

static void test_audit_edit_breaks(void **state)
{
    sfx *f = *state;
    for (uint64_t i = 1; i <= 4; i++)
        append(f, "read", "eve", i);
    assert_true(sfx_chain_ok(f));
    assert_int_equal(vsi_store_test_exec(f->st, "UPDATE audit SET body = replace(body, "
                                                "'\"actor\":\"eve\"', '\"actor\":\"bob\"') "
                                                "WHERE seq = 2"),
                     VG_OK);
    json_t *a = sfx_audit(f);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "actor")), "bob");
    char err[256] = "";
    assert_int_equal(vs_audit_verify(a, err, sizeof err), -1);
    assert_non_null(strstr(err, "seq 2"));
    json_decref(a);
}

static void test_audit_delete_breaks(void **state)
{
    sfx *f = *state;
    for (uint64_t i = 1; i <= 4; i++)
        append(f, "read", "eve", i);
    assert_int_equal(vsi_store_test_exec(f->st, "DELETE FROM audit WHERE seq = 3"), VG_OK);
    assert_false(sfx_chain_ok(f));
}

static void test_audit_drop_head(void **state)
{
    sfx *f = *state;
    for (uint64_t i = 1; i <= 3; i++)
        append(f, "read", "eve", i);
    assert_int_equal(vsi_store_test_exec(f->st, "DELETE FROM audit WHERE seq = 1"), VG_OK);
    assert_false(sfx_chain_ok(f));
}

static void test_tokens(void **state)
{
    sfx *f = *state;
    char t1[65], t2[65], t3[65];
    assert_int_equal(vs_store_token_add(f->st, "alice", VS_ROLE_ANALYST, t1), VG_OK);
    assert_int_equal(vs_store_token_add(f->st, "bob", VS_ROLE_ADMIN, t2), VG_OK);
    assert_int_equal(strlen(t1), 64);
    assert_int_equal(strspn(t1, "0123456789abcdef"), 64);
    assert_string_not_equal(t1, t2);
    assert_int_equal(vs_store_token_add(f->st, "alice", VS_ROLE_SUBMITTER, t3), VG_ERR_EXISTS);
    assert_int_equal(vs_store_token_add(f->st, "x", VS_ROLE_NONE, t3), VG_ERR_INVALID_ARG);

    vs_role r = VS_ROLE_NONE;
    char name[64];
    assert_int_equal(vs_store_token_check(f->st, t1, &r, name), VG_OK);
    assert_int_equal(r, VS_ROLE_ANALYST);
    assert_string_equal(name, "alice");
    assert_int_equal(vs_store_token_check(f->st, t2, &r, name), VG_OK);
    assert_int_equal(r, VS_ROLE_ADMIN);
    assert_string_equal(name, "bob");
    char wrong[65];
    memcpy(wrong, t1, 65);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    assert_int_equal(vs_store_token_check(f->st, wrong, &r, name), VG_ERR_NOT_FOUND);
    assert_int_equal(r, VS_ROLE_NONE);
    assert_int_equal(vs_store_token_check(f->st, "", &r, name), VG_ERR_NOT_FOUND);

    json_t *l = NULL;
    assert_int_equal(vs_store_token_list(f->st, &l), VG_OK);
    assert_int_equal(json_array_size(l), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "name")), "alice");
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "role")),
                        "analyst");
    assert_true(json_integer_value(json_object_get(json_array_get(l, 0), "created")) > 0);
    assert_null(json_object_get(json_array_get(l, 0), "token_sha256"));
    json_decref(l);

    assert_int_equal(vs_store_token_revoke(f->st, "alice"), VG_OK);
    assert_int_equal(vs_store_token_check(f->st, t1, &r, name), VG_ERR_NOT_FOUND);
    assert_int_equal(vs_store_token_revoke(f->st, "alice"), VG_ERR_NOT_FOUND);
    assert_int_equal(vs_store_token_revoke(f->st, "nobody"), VG_ERR_NOT_FOUND);
    assert_int_equal(vs_store_token_check(f->st, t2, &r, name), VG_OK);
    assert_int_equal(vs_store_token_list(f->st, &l), VG_OK);
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    /* A revoked name stays taken (its history is in the audit log). */
    assert_int_equal(vs_store_token_add(f->st, "alice", VS_ROLE_ANALYST, t3), VG_ERR_EXISTS);

    /* Token changes are in the audit chain; the secret is nowhere. */
    json_t *a = sfx_audit(f);
    assert_int_equal(json_array_size(a), 3);
    json_t *rv = json_array_get(a, 2);
    assert_string_equal(json_string_value(json_object_get(rv, "kind")), "token");
    assert_string_equal(json_string_value(json_object_get(json_object_get(rv, "detail"), "action")),
                        "revoke");
    char *dump = json_dumps(a, 0);
    assert_null(strstr(dump, t1));
    free(dump);
    json_decref(a);
    if (f->pg == NULL) {
        char path[1024];
        snprintf(path, sizeof path, "%s/vigil.db", f->dir);
        vs_store_close(f->st); /* checkpoints the WAL into the file */
        f->st = NULL;
        size_t len = 0;
        uint8_t *db = vgt_read_file(path, &len);
        assert_non_null(db);
        assert_null(memmem(db, len, t2, 64));
        assert_non_null(memmem(db, len, "bob", 3)); /* the search would see it */
        vg_free(db);
        sfx_open(f);
    }
}

static void test_recover(void **state)
{
    sfx *f = *state;
    vs_sample m;
    uint8_t *p = sfx_sample(70000, 600, &m, "E", "h", 1);
    sfx_put(f, &m, p, 70000, 0);
    unsigned tmp = 9, orph = 9;
    vs_store_recovered(f->st, &tmp, &orph);
    assert_int_equal(tmp + orph, 0);
    vs_store_close(f->st);
    f->st = NULL;

    /* What a crash leaves: a half-written tmp file, a blob whose row never
     * committed. Also a tmp file a live writer still holds. */
    char junk[1024], held[1024], orphan[4096], kept[4096];
    snprintf(junk, sizeof junk, "%s/tmp/0123abcd", f->dir);
    snprintf(held, sizeof held, "%s/tmp/live-writer", f->dir);
    int fd = open(junk, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0 && write(fd, "half", 4) == 4);
    close(fd);
    int hfd = open(held, O_WRONLY | O_CREAT, 0600);
    assert_true(hfd >= 0);
    assert_int_equal(flock(hfd, LOCK_EX), 0);
    vs_sample o;
    uint8_t *po = sfx_sample(100, 601, &o, "E", "h", 1);
    uint8_t key[32];
    vs_blob_tmp t;
    assert_int_equal(vs_blob_seal(f->dir, o.sha256, po, 100, key, &t), VG_OK);
    assert_int_equal(vs_blob_install(f->dir, o.sha256, &t), VG_OK);
    assert_int_equal(vs_blob_path(f->dir, o.sha256, orphan, sizeof orphan), 0);
    assert_int_equal(vs_blob_path(f->dir, m.sha256, kept, sizeof kept), 0);
    assert_int_equal(access(orphan, F_OK), 0);

    sfx_open(f);
    vs_store_recovered(f->st, &tmp, &orph);
    assert_int_equal(tmp, 1);
    assert_int_equal(orph, 1);
    assert_int_equal(access(junk, F_OK), -1);
    assert_int_equal(access(orphan, F_OK), -1);
    assert_int_equal(access(held, F_OK), 0);
    assert_int_equal(access(kept, F_OK), 0);
    close(hfd);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(vs_store_read_content(f->st, m.sha256, "ann", &out, &len), VG_OK);
    assert_int_equal(len, 70000);
    assert_memory_equal(out, p, 70000);
    vs_store_content_free(out);
    free(p);
    free(po);
}

/* ---- concurrency ---- */

#define THREADS 4
#define PER     50

typedef struct worker {
    vs_store *st;
    int id;
    vg_error err;
} worker;

static void *append_many(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < PER && w->err == VG_OK; i++) {
        json_t *e = json_pack("{s:s, s:s, s:i}", "kind", "read", "actor", "t", "size", w->id);
        w->err = vs_store_audit_append(w->st, e, NULL);
        json_decref(e);
    }
    return NULL;
}

static void run_workers(vs_store **stores, int nstores)
{
    pthread_t th[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){stores[i % nstores], i, VG_OK};
        assert_int_equal(pthread_create(&th[i], NULL, append_many, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].err, VG_OK);
    }
}

static void check_chain_of(sfx *f, size_t n)
{
    json_t *a = sfx_audit(f);
    assert_int_equal(json_array_size(a), n);
    int per[THREADS] = {0};
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(a, i);
        assert_int_equal(json_integer_value(json_object_get(e, "seq")), (json_int_t)i + 1);
        per[json_integer_value(json_object_get(e, "size"))]++;
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(per[i], PER);
    json_decref(a);
    assert_true(sfx_chain_ok(f));
}

static void test_concurrent_threads(void **state)
{
    sfx *f = *state;
    run_workers(&f->st, 1);
    check_chain_of(f, THREADS * PER);
}

/* Two stores on the same database: two connections, as two server
 * processes would have. */
static void test_concurrent_connections(void **state)
{
    sfx *f = *state;
    vs_store *second = NULL;
    char err[256];
    assert_int_equal(vs_store_open(f->dir, f->pg, &second, err, sizeof err), VG_OK);
    vs_store *stores[2] = {f->st, second};
    run_workers(stores, 2);
    vs_store_close(second);
    check_chain_of(f, THREADS * PER);
}

#define TESTS(X)                                                                                   \
    X(test_audit_chain), X(test_audit_edit_breaks), X(test_audit_delete_breaks),                   \
        X(test_audit_drop_head), X(test_tokens), X(test_recover), X(test_concurrent_threads),      \
        X(test_concurrent_connections)

int main(void)
{
    const struct CMUnitTest sq[] = {TESTS(SFX_SQLITE)};
    const struct CMUnitTest pg[] = {TESTS(SFX_PG)};
    return sfx_run("store_audit", sq, pg, sizeof sq / sizeof sq[0]);
}
