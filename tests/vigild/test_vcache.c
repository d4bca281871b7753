/* The on-access clean-verdict cache (src/vigild/vcache.c): a verdict holds
 * for exactly the file state and engine generation it was made for, the
 * cache stays within its capacity evicting the least recently used, and it
 * survives concurrent use.
 *
 * vcache.c is compiled into this test directly: it depends on libc and
 * pthreads only, and the test build links libvigil, not the daemon. */
#include "testutil.h"

#include "../../src/vigild/vcache.c"

#include <fcntl.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

static vd_vkey key_n(uint64_t ino)
{
    vd_vkey k = {.dev = 42, .ino = ino, .size = 100 + ino, .mtime_ns = 1000, .ctime_ns = 2000};
    return k;
}

static void test_hit_after_insert_only_for_same_state(void **state)
{
    (void)state;
    vd_vcache *c = vd_vcache_new(128, 4);
    assert_non_null(c);
    vd_vkey k = key_n(7);
    assert_false(vd_vcache_lookup(c, &k, 1));
    vd_vcache_insert(c, &k, 1);
    assert_true(vd_vcache_lookup(c, &k, 1));

    vd_vkey m = k;
    m.mtime_ns++;
    assert_false(vd_vcache_lookup(c, &m, 1)); /* content rewritten */
    vd_vcache_insert(c, &k, 1);
    m = k;
    m.ctime_ns++;
    assert_false(vd_vcache_lookup(c, &m, 1)); /* mtime restored, ctime moved */
    vd_vcache_insert(c, &k, 1);
    m = k;
    m.size++;
    assert_false(vd_vcache_lookup(c, &m, 1));
    vd_vcache_insert(c, &k, 1);
    m = k;
    m.dev++;
    assert_false(vd_vcache_lookup(c, &m, 1)); /* same inode number, other device */
    assert_true(vd_vcache_lookup(c, &k, 1));
    vd_vcache_free(c);
}

static void test_reload_invalidates(void **state)
{
    (void)state;
    vd_vcache *c = vd_vcache_new(128, 1);
    vd_vkey k = key_n(1);
    vd_vcache_insert(c, &k, 1);
    assert_false(vd_vcache_lookup(c, &k, 2)); /* a new engine may detect it */
    assert_false(vd_vcache_lookup(c, &k, 1)); /* and the stale entry is gone */
    vd_vcache_insert(c, &k, 2);
    assert_true(vd_vcache_lookup(c, &k, 2));
    vd_vcache_free(c);
}

static void test_drop_and_clear(void **state)
{
    (void)state;
    vd_vcache *c = vd_vcache_new(64, 2);
    for (uint64_t i = 0; i < 10; i++) {
        vd_vkey k = key_n(i);
        vd_vcache_insert(c, &k, 1);
    }
    vd_vcache_drop(c, 42, 3);
    vd_vkey k3 = key_n(3), k4 = key_n(4);
    assert_false(vd_vcache_lookup(c, &k3, 1));
    assert_true(vd_vcache_lookup(c, &k4, 1));
    vd_vcache_stats st;
    vd_vcache_stats_get(c, &st);
    assert_int_equal(st.entries, 9);
    assert_int_equal(st.drops, 1);
    vd_vcache_clear(c);
    assert_false(vd_vcache_lookup(c, &k4, 1));
    vd_vcache_stats_get(c, &st);
    assert_int_equal(st.entries, 0);
    vd_vcache_free(c);
}

static void test_bounded_lru(void **state)
{
    (void)state;
    /* One stripe: the LRU order is global and exactly checkable. */
    vd_vcache *c = vd_vcache_new(100, 1);
    for (uint64_t i = 0; i < 100; i++) {
        vd_vkey k = key_n(i);
        vd_vcache_insert(c, &k, 1);
    }
    vd_vkey k0 = key_n(0);
    assert_true(vd_vcache_lookup(c, &k0, 1)); /* 0 is now the most recent */
    for (uint64_t i = 100; i < 150; i++) {
        vd_vkey k = key_n(i);
        vd_vcache_insert(c, &k, 1);
    }
    vd_vcache_stats st;
    vd_vcache_stats_get(c, &st);
    assert_int_equal(st.entries, 100);
    assert_int_equal(st.evictions, 50);
    assert_true(vd_vcache_lookup(c, &k0, 1));
    for (uint64_t i = 1; i <= 50; i++) { /* the 50 oldest went */
        vd_vkey k = key_n(i);
        assert_false(vd_vcache_lookup(c, &k, 1));
    }
    for (uint64_t i = 51; i < 150; i++) {
        vd_vkey k = key_n(i);
        assert_true(vd_vcache_lookup(c, &k, 1));
    }

    /* Striped: never more than the capacity, whatever the key spread. */
    vd_vcache *s = vd_vcache_new(1000, 16);
    for (uint64_t i = 0; i < 50000; i++) {
        vd_vkey k = key_n(i * 7919);
        vd_vcache_insert(s, &k, 1);
    }
    vd_vcache_stats_get(s, &st);
    assert_true(st.entries <= 1000);
    assert_true(st.entries >= 900); /* and the stripes are all used */
    vd_vcache_free(s);
    vd_vcache_free(c);
}

/* A real file: writing to it, even restoring its mtime, misses. */
static void test_real_file_states(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/vcache_file.txt", VG_TEST_TMP);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("clean\n", f);
    fclose(f);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    vd_vkey k;
    vd_vkey_from_stat(&st, &k);
    vd_vcache *c = vd_vcache_new(16, 1);
    vd_vcache_insert(c, &k, 1);

    struct stat again;
    assert_int_equal(stat(path, &again), 0);
    vd_vkey_from_stat(&again, &k);
    assert_true(vd_vcache_lookup(c, &k, 1));

    f = fopen(path, "w"); /* same size, other content */
    assert_non_null(f);
    fputs("dirty\n", f);
    fclose(f);
    struct timeval tv[2] = {{st.st_atim.tv_sec, st.st_atim.tv_nsec / 1000},
                            {st.st_mtim.tv_sec, st.st_mtim.tv_nsec / 1000}};
    assert_int_equal(utimes(path, tv), 0); /* as `touch -r` would */
    assert_int_equal(stat(path, &again), 0);
    vd_vkey_from_stat(&again, &k);
    assert_int_equal(again.st_size, st.st_size);
    assert_false(vd_vcache_lookup(c, &k, 1));
    vd_vcache_free(c);
    unlink(path);
}

typedef struct thr_arg {
    vd_vcache *c;
    unsigned seed;
    unsigned hits, lookups;
} thr_arg;

static void *hammer(void *p)
{
    thr_arg *a = p;
    unsigned x = a->seed;
    for (int i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        vd_vkey k = key_n((x >> 8) % 5000);
        switch ((x >> 4) % 4) {
        case 0:
        case 1:
            a->hits += vd_vcache_lookup(a->c, &k, 1);
            a->lookups++;
            break;
        case 2:
            vd_vcache_insert(a->c, &k, 1);
            break;
        default:
            vd_vcache_drop(a->c, k.dev, k.ino);
        }
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    unsigned stripes[] = {1, 16};
    for (size_t s = 0; s < 2; s++) {
        vd_vcache *c = vd_vcache_new(1024, stripes[s]);
        pthread_t t[4];
        thr_arg a[4];
        for (int i = 0; i < 4; i++) {
            a[i] = (thr_arg){.c = c, .seed = (unsigned)i * 7 + 1};
            assert_int_equal(pthread_create(&t[i], NULL, hammer, &a[i]), 0);
        }
        unsigned hits = 0, lookups = 0;
        for (int i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            hits += a[i].hits;
            lookups += a[i].lookups;
        }
        vd_vcache_stats st;
        vd_vcache_stats_get(c, &st);
        assert_true(st.entries <= 1024);
        assert_int_equal(st.hits, hits);
        assert_int_equal(st.hits + st.misses, lookups);
        assert_true(hits > 0);
        vd_vcache_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_after_insert_only_for_same_state),
        cmocka_unit_test(test_reload_invalidates),
        cmocka_unit_test(test_drop_and_clear),
        cmocka_unit_test(test_bounded_lru),
        cmocka_unit_test(test_real_file_states),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
