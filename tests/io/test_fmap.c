/* fmap: range checks that hostile offsets cannot get past, and the fd
 * backend's sliding window giving the same bytes as memory. */
#include "testutil.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"

static void test_mem_ranges(void **state)
{
    (void)state;
    uint8_t buf[100];
    for (int i = 0; i < 100; i++)
        buf[i] = (uint8_t)i;
    vg_fmap *m;
    assert_int_equal(vg_fmap_open_mem(buf, sizeof buf, &m), VG_OK);
    assert_int_equal(vg_fmap_size(m), 100);
    assert_non_null(vg_fmap_need(m, 0, 100));
    assert_non_null(vg_fmap_need(m, 100, 0));
    assert_null(vg_fmap_need(m, 1, 100));
    assert_null(vg_fmap_need(m, 101, 0));
    /* off + len wraps around: must be refused, not wrapped. */
    assert_null(vg_fmap_need(m, UINT64_MAX - 5, 10));
    assert_null(vg_fmap_need(m, 50, SIZE_MAX));
    assert_int_equal(vg_fmap_need(m, 42, 1)[0], 42);
    uint8_t out[10];
    assert_int_equal(vg_fmap_read(m, 95, out, 10), 5);
    assert_int_equal(out[4], 99);
    assert_int_equal(vg_fmap_read(m, 100, out, 10), 0);
    vg_fmap_close(m);
}

static void test_sub_view(void **state)
{
    (void)state;
    const char *text = "0123456789abcdef";
    vg_fmap *m, *s, *ss;
    assert_int_equal(vg_fmap_open_mem(text, 16, &m), VG_OK);
    assert_int_equal(vg_fmap_sub(m, 4, 8, &s), VG_OK);
    assert_int_equal(vg_fmap_size(s), 8);
    assert_memory_equal(vg_fmap_need(s, 0, 8), "456789ab", 8);
    assert_null(vg_fmap_need(s, 4, 5));
    assert_int_not_equal(vg_fmap_sub(s, 4, 5, &ss), VG_OK);
    assert_int_equal(vg_fmap_sub(s, 2, 3, &ss), VG_OK);
    assert_memory_equal(vg_fmap_data(ss), "678", 3);
    vg_fmap_close(ss);
    vg_fmap_close(s);
    vg_fmap_close(m);
}

static void test_fd_window_matches_memory(void **state)
{
    (void)state;
    size_t len = (3u << 20) + 12345; /* three windows and a bit */
    uint8_t *buf = vg_malloc(len);
    assert_non_null(buf);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    const char *path = vgt_write_tmp("fmap.bin", buf, len);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    vg_fmap *m;
    assert_int_equal(vg_fmap_open_fd(fd, 0, &m), VG_OK);
    assert_int_equal(vg_fmap_size(m), len);
    assert_null(vg_fmap_data(m)); /* larger than its window */
    static const uint64_t offs[] = {0, 1, (1u << 20) - 3, 2u << 20, (3u << 20) + 12000, 777};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        const uint8_t *p = vg_fmap_need(m, offs[i], 300);
        assert_non_null(p);
        assert_memory_equal(p, buf + offs[i], 300);
    }
    assert_null(vg_fmap_need(m, 0, VG_FMAP_NEED_MAX + 1));
    uint8_t *copy = vg_malloc(len);
    assert_int_equal(vg_fmap_read(m, 0, copy, len), len);
    assert_memory_equal(copy, buf, len);
    vg_fmap_close(m);

    /* The file shrinks under the map: a short read, not a crash. */
    assert_int_equal(vg_fmap_open_fd(fd, 0, &m), VG_OK);
    assert_int_equal(truncate(path, 1000), 0);
    assert_null(vg_fmap_need(m, 2u << 20, 100));
    vg_fmap_close(m);
    close(fd);
    unlink(path);
    vg_free(copy);
    vg_free(buf);
}

static void test_fd_small_file_is_resident(void **state)
{
    (void)state;
    const char *path = vgt_write_tmp("small.txt", "hello world", 11);
    int fd = open(path, O_RDONLY);
    vg_fmap *m;
    assert_int_equal(vg_fmap_open_fd(fd, 0, &m), VG_OK);
    const uint8_t *d = vg_fmap_data(m);
    assert_non_null(d);
    assert_memory_equal(d, "hello world", 11);
    /* A later need is served from the same resident block. */
    assert_ptr_equal(vg_fmap_need(m, 6, 5), d + 6);
    vg_fmap_close(m);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mem_ranges),
        cmocka_unit_test(test_sub_view),
        cmocka_unit_test(test_fd_window_matches_memory),
        cmocka_unit_test(test_fd_small_file_is_resident),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
