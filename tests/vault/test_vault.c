/* The quarantine vault: a round trip keeps content, mode and times; an
 * entry needs its key, hides its plaintext, and is all-or-nothing (a
 * truncated or altered entry never restores partly); swapped files and
 * symlinks are refused; purge by id and by age. */
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <vigil/vault.h>

#include "core/mem.h"

#define PAYLOAD_LEN (200u * 1024 + 77) /* several 64 KiB records and a short one */

typedef struct fixture {
    char root[512];  /* removed afterwards */
    char vault[600]; /* root/vault */
    char files[600]; /* root/files: where originals live */
    int files_fd;
    uint8_t *payload;
} fixture;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    static unsigned seq;
    mkdir(VG_TEST_TMP, 0700);
    snprintf(fx->root, sizeof fx->root, "%s/vault-%d-%u", VG_TEST_TMP, (int)getpid(), seq++);
    assert_int_equal(mkdir(fx->root, 0700), 0);
    snprintf(fx->vault, sizeof fx->vault, "%s/vault", fx->root);
    snprintf(fx->files, sizeof fx->files, "%s/files", fx->root);
    assert_int_equal(mkdir(fx->files, 0755), 0);
    fx->files_fd = open(fx->files, O_RDONLY | O_DIRECTORY);
    assert_true(fx->files_fd >= 0);
    fx->payload = malloc(PAYLOAD_LEN);
    assert_non_null(fx->payload);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < PAYLOAD_LEN; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        fx->payload[i] = (uint8_t)x;
    }
    memcpy(fx->payload + 1000, "PLAINTEXT-MARKER-0123456789", 27);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    close(fx->files_fd);
    nftw(fx->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(fx->payload);
    free(fx);
    return 0;
}

/* Writes files/name with the payload, mode and fixed times; returns its stat. */
static struct stat make_file(fixture *fx, const char *name, mode_t mode)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", fx->files, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, fx->payload, PAYLOAD_LEN), (ssize_t)PAYLOAD_LEN);
    assert_int_equal(fchmod(fd, mode), 0);
    struct timespec t[2] = {{.tv_sec = 1500000000, .tv_nsec = 111111111},
                            {.tv_sec = 1600000000, .tv_nsec = 222222222}};
    assert_int_equal(futimens(fd, t), 0);
    close(fd);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st;
}

static vg_vault *open_vault(fixture *fx, const char *key_path)
{
    vg_vault *v = NULL;
    vg_diag d;
    vg_diag_clear(&d);
    vg_vault_opts o = {.key_path = key_path, .create = 1};
    vg_error err = vg_vault_open(fx->vault, &o, &d, &v);
    if (err != VG_OK)
        print_error("vault open: %s\n", d.message);
    assert_int_equal(err, VG_OK);
    return v;
}

/* Quarantines files/name; returns the id in id. */
static void quarantine(fixture *fx, vg_vault *v, const char *name, const struct stat *st,
                       int64_t date, char id[VG_VAULT_ID_LEN + 1])
{
    vg_file_id seen;
    vg_file_id_from_stat(st, &seen);
    char orig[700];
    snprintf(orig, sizeof orig, "%s/%s", fx->files, name);
    vg_vault_meta m = {.original_path = orig, .detection = "Test.Payload", .date = date};
    vg_diag d;
    vg_diag_clear(&d);
    vg_error err = vg_vault_quarantine(v, fx->files_fd, name, &seen, &m, id, &d);
    if (err != VG_OK)
        print_error("quarantine: %s\n", d.message);
    assert_int_equal(err, VG_OK);
    assert_int_equal(strlen(id), VG_VAULT_ID_LEN);
}

static void entry_path(fixture *fx, const char *id, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.vq", fx->vault, id);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* No file in files/ but the given name (NULL: none): no partial restore, no temp. */
static void assert_only(fixture *fx, const char *name)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s' | tr -d '\\n')\" = '%s'", fx->files,
             name ? name : "");
    assert_int_equal(system(cmd), 0);
}

static void test_round_trip(void **state)
{
    fixture *fx = *state;
    vg_vault *v = open_vault(fx, NULL);
    struct stat before = make_file(fx, "mal.exe", 0751);
    char id[VG_VAULT_ID_LEN + 1], path[700], entry[700];
    quarantine(fx, v, "mal.exe", &before, 0, id);
    snprintf(path, sizeof path, "%s/mal.exe", fx->files);
    entry_path(fx, id, entry, sizeof entry);
    assert_false(exists(path)); /* moved out */
    assert_true(exists(entry));

    vg_vault_entry *list = NULL;
    size_t n = 0;
    assert_int_equal(vg_vault_list(v, &list, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].status, VG_OK);
    assert_string_equal(list[0].id, id);
    assert_string_equal(list[0].original_path, path);
    assert_string_equal(list[0].detection, "Test.Payload");
    assert_int_equal(list[0].size, PAYLOAD_LEN);
    assert_int_equal(list[0].mode & 07777, 0751);
    vg_vault_list_free(list, n);
    assert_int_equal(vg_vault_verify(v, id, NULL), VG_OK);

    char where[700];
    assert_int_equal(vg_vault_restore(v, id, NULL, 0, where, sizeof where, NULL), VG_OK);
    assert_string_equal(where, path);
    struct stat after;
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(after.st_mode, before.st_mode);
    assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
    assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
    assert_int_equal(after.st_atim.tv_sec, before.st_atim.tv_sec);
    assert_int_equal(after.st_atim.tv_nsec, before.st_atim.tv_nsec);
    assert_int_equal(after.st_uid, before.st_uid);
    size_t len = 0;
    uint8_t *back = vgt_read_file(path, &len);
    assert_non_null(back);
    assert_int_equal(len, PAYLOAD_LEN);
    assert_memory_equal(back, fx->payload, PAYLOAD_LEN);
    vg_free(back);
    assert_false(exists(entry)); /* the entry goes once the file is back */
    assert_only(fx, "mal.exe");
    vg_vault_close(v);
}

static void test_restore_refuses_existing(void **state)
{
    fixture *fx = *state;
    vg_vault *v = open_vault(fx, NULL);
    struct stat st = make_file(fx, "a.bin", 0644);
    char id[VG_VAULT_ID_LEN + 1], path[700], entry[700];
    quarantine(fx, v, "a.bin", &st, 0, id);
    snprintf(path, sizeof path, "%s/a.bin", fx->files);
    entry_path(fx, id, entry, sizeof entry);
    FILE *f = fopen(path, "w");
    fputs("newer", f);
    fclose(f);
    vg_diag d;
    vg_diag_clear(&d);
    assert_int_equal(vg_vault_restore(v, id, NULL, 0, NULL, 0, &d), VG_ERR_EXISTS);
    assert_non_null(strstr(d.message, "--force"));
    size_t len = 0;
    uint8_t *kept = vgt_read_file(path, &len);
    assert_int_equal(len, 5); /* untouched */
    vg_free(kept);
    assert_true(exists(entry));
    assert_only(fx, "a.bin");

    /* --to another name restores beside it; the entry is then gone. */
    char other[700];
    snprintf(other, sizeof other, "%s/copy.bin", fx->files);
    assert_int_equal(vg_vault_restore(v, id, other, 0, NULL, 0, NULL), VG_OK);
    uint8_t *back = vgt_read_file(other, &len);
    assert_int_equal(len, PAYLOAD_LEN);
    assert_memory_equal(back, fx->payload, PAYLOAD_LEN);
    vg_free(back);
    assert_false(exists(entry));

    /* With force, an existing file is replaced. */
    struct stat st2 = make_file(fx, "b.bin", 0600);
    quarantine(fx, v, "b.bin", &st2, 0, id);
    snprintf(path, sizeof path, "%s/b.bin", fx->files);
    f = fopen(path, "w");
    fclose(f);
    assert_int_equal(vg_vault_restore(v, id, NULL, VG_VAULT_FORCE, NULL, 0, NULL), VG_OK);
    struct stat now;
    assert_int_equal(stat(path, &now), 0);
    assert_int_equal(now.st_size, PAYLOAD_LEN);
    vg_vault_close(v);
}

static void test_wrong_or_missing_key(void **state)
{
    fixture *fx = *state;
    vg_vault *v = open_vault(fx, NULL);
    struct stat st = make_file(fx, "k.bin", 0644);
    char id[VG_VAULT_ID_LEN + 1];
    quarantine(fx, v, "k.bin", &st, 0, id);
    vg_vault_close(v);

    /* A key made for another (empty) vault. */
    char other_dir[700], other_key[700];
    snprintf(other_dir, sizeof other_dir, "%s/other", fx->root);
    snprintf(other_key, sizeof other_key, "%s/other/vault.key", fx->root);
    vg_vault *o = NULL;
    vg_vault_opts oo = {.create = 1};
    assert_int_equal(vg_vault_open(other_dir, &oo, NULL, &o), VG_OK);
    vg_vault_close(o);

    v = open_vault(fx, other_key);
    vg_vault_entry e;
    vg_diag d;
    vg_diag_clear(&d);
    assert_int_equal(vg_vault_get(v, id, &e, &d), VG_ERR_CRYPTO);
    assert_non_null(strstr(d.message, "another key"));
    assert_int_equal(e.status, VG_ERR_CRYPTO);
    assert_null(e.original_path);
    vg_vault_entry_cleanup(&e);
    assert_int_equal(vg_vault_restore(v, id, NULL, 0, NULL, 0, NULL), VG_ERR_CRYPTO);
    assert_only(fx, NULL);
    vg_vault_close(v);

    /* No key at all: refused, and a new key is not made over old entries. */
    char key[700];
    snprintf(key, sizeof key, "%s/vault.key", fx->vault);
    assert_int_equal(unlink(key), 0);
    vg_vault_opts co = {.create = 1};
    vg_diag_clear(&d);
    v = NULL;
    assert_int_equal(vg_vault_open(fx->vault, &co, &d, &v), VG_ERR_NOT_FOUND);
    assert_null(v);
    assert_non_null(strstr(d.message, "missing"));
    assert_false(exists(key));

    /* A key others can read is refused. */
    chmod(other_key, 0644);
    vg_diag_clear(&d);
    assert_int_equal(vg_vault_open(other_dir, NULL, &d, &v), VG_ERR_INVALID_ARG);
    assert_non_null(strstr(d.message, "chmod 600"));
}

static void test_no_plaintext_in_vault(void **state)
{
    fixture *fx = *state;
    vg_vault *v = open_vault(fx, NULL);
    struct stat st = make_file(fx, "secret-name.doc", 0644);
    char id[VG_VAULT_ID_LEN + 1], entry[700];
    quarantine(fx, v, "secret-name.doc", &st, 0, id);
    entry_path(fx, id, entry, sizeof entry);
    size_t len = 0;
    uint8_t *raw = vgt_read_file(entry, &len);
    assert_non_null(raw);
    assert_true(len > PAYLOAD_LEN);
    assert_null(memmem(raw, len, "PLAINTEXT-MARKER", 16));
    assert_null(memmem(raw, len, fx->payload + 5000, 16)); /* any 16 payload bytes */
    assert_null(memmem(raw, len, "secret-name", 11));      /* nor the metadata */
    assert_null(memmem(raw, len, "Test.Payload", 12));
    vg_free(raw);
    vg_vault_close(v);
}

/* Damages the entry with fn, then checks it restores nothing at all. */
static void check_damage(fixture *fx, void (*damage)(const char *entry, size_t len), vg_error want)
{
    vg_vault *v = open_vault(fx, NULL);
    struct stat st = make_file(fx, "d.bin", 0644);
    char id[VG_VAULT_ID_LEN + 1], entry[700];
    quarantine(fx, v, "d.bin", &st, 0, id);
    entry_path(fx, id, entry, sizeof entry);
    struct stat est;
    assert_int_equal(stat(entry, &est), 0);
    damage(entry, (size_t)est.st_size);
    vg_diag d;
    vg_diag_clear(&d);
    assert_int_equal(vg_vault_restore(v, id, NULL, 0, NULL, 0, &d), want);
    assert_only(fx, NULL); /* no partial d.bin, no temp file */
    assert_true(exists(entry));
    assert_int_equal(vg_vault_verify(v, id, NULL), want);
    vg_vault_close(v);
}

static void cut_middle(const char *entry, size_t len)
{
    assert_int_equal(truncate(entry, (off_t)(len / 2)), 0);
}

static void cut_final_record(const char *entry, size_t len)
{
    /* The empty FINAL record is 4 + 17 bytes: drop exactly it. */
    assert_int_equal(truncate(entry, (off_t)(len - 21)), 0);
}

static void flip_bit(const char *entry, size_t len)
{
    int fd = open(entry, O_RDWR);
    uint8_t b;
    off_t at = (off_t)(len - 30000);
    assert_int_equal(pread(fd, &b, 1, at), 1);
    b ^= 0x10;
    assert_int_equal(pwrite(fd, &b, 1, at), 1);
    close(fd);
}

static void test_truncated_entry(void **state)
{
    check_damage(*state, cut_middle, VG_ERR_TRUNCATED);
}

static void test_truncated_at_record_boundary(void **state)
{
    check_damage(*state, cut_final_record, VG_ERR_TRUNCATED);
}

static void test_bit_flip(void **state)
{
    check_damage(*state, flip_bit, VG_ERR_CRYPTO);
}

static void test_renamed_entry_fails(void **state)
{
    fixture *fx = *state;
    vg_vault *v = open_vault(fx, NULL);
    struct stat st = make_file(fx, "r.bin", 0644);
    char id[VG_VAULT_ID_LEN + 1], entry[700], moved[700];
    quarantine(fx, v, "r.bin", &st, 0, id);
    entry_path(fx, id, entry, sizeof entry);
    const char *other = "0123456789abcdef0123456789abcdef";
    entry_path(fx, other, moved, sizeof moved);
    assert_int_equal(rename(entry, moved), 0);
    assert_int_equal(vg_vault_restore(v, other, NULL, 0, NULL, 0, NULL), VG_ERR_CRYPTO);
    assert_only(fx, NULL);
    vg_vault_close(v);
}

static void test_purge(void **state)
{
    fixture *fx = *state;
    vg_vault *v = open_vault(fx, NULL);
    int64_t now = (int64_t)time(NULL);
    struct stat a = make_file(fx, "old.bin", 0644);
    struct stat b = make_file(fx, "new.bin", 0644);
    struct stat c = make_file(fx, "byid.bin", 0644);
    char old_id[VG_VAULT_ID_LEN + 1], new_id[VG_VAULT_ID_LEN + 1], c_id[VG_VAULT_ID_LEN + 1];
    quarantine(fx, v, "old.bin", &a, now - 10 * 86400, old_id);
    quarantine(fx, v, "new.bin", &b, now - 3600, new_id);
    quarantine(fx, v, "byid.bin", &c, 0, c_id);

    assert_int_equal(vg_vault_purge(v, c_id, NULL), VG_OK);
    assert_int_equal(vg_vault_purge(v, c_id, NULL), VG_ERR_NOT_FOUND);
    assert_int_equal(vg_vault_purge(v, "../../etc/passwd", NULL), VG_ERR_INVALID_ARG);

    size_t removed = 0;
    assert_int_equal(vg_vault_purge_older(v, now - 5 * 86400, 0, &removed, NULL), VG_OK);
    assert_int_equal(removed, 1);
    vg_vault_entry *list = NULL;
    size_t n = 0;
    assert_int_equal(vg_vault_list(v, &list, &n, NULL), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].id, new_id);
    vg_vault_list_free(list, n);

    assert_int_equal(vg_vault_purge_older(v, 0, 1, &removed, NULL), VG_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(vg_vault_list(v, &list, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
    vg_vault_list_free(list, n);
    vg_vault_close(v);
}

static void test_swapped_file_untouched(void **state)
{
    fixture *fx = *state;
    vg_vault *v = open_vault(fx, NULL);
    struct stat scanned = make_file(fx, "s.bin", 0644);
    vg_file_id seen;
    vg_file_id_from_stat(&scanned, &seen);
    char path[700], innocent[700];
    snprintf(path, sizeof path, "%s/s.bin", fx->files);
    snprintf(innocent, sizeof innocent, "%s/innocent", fx->files);
    FILE *f = fopen(innocent, "w");
    fputs("user data", f);
    fclose(f);
    assert_int_equal(rename(innocent, path), 0); /* swapped after the scan */
    vg_vault_meta m = {.original_path = path, .detection = "X"};
    char id[VG_VAULT_ID_LEN + 1];
    vg_diag d;
    vg_diag_clear(&d);
    assert_int_equal(vg_vault_quarantine(v, fx->files_fd, "s.bin", &seen, &m, id, &d),
                     VG_ERR_CHANGED);
    assert_string_equal(id, "");
    assert_true(exists(path));
    assert_int_equal(vg_file_unlink_checked(fx->files_fd, "s.bin", &seen, NULL), VG_ERR_CHANGED);
    assert_true(exists(path));

    /* A symlink in its place is not followed. */
    struct stat target = make_file(fx, "target.bin", 0644);
    vg_file_id_from_stat(&target, &seen);
    assert_int_equal(symlink("target.bin", innocent), 0);
    assert_int_equal(vg_vault_quarantine(v, fx->files_fd, "innocent", &seen, &m, id, &d),
                     VG_ERR_CHANGED);
    assert_int_equal(vg_file_unlink_checked(fx->files_fd, "innocent", &seen, NULL), VG_ERR_CHANGED);
    assert_true(exists(innocent));

    /* A modified file (same inode, new size) is refused too. */
    struct stat grown = make_file(fx, "g.bin", 0644);
    vg_file_id_from_stat(&grown, &seen);
    snprintf(path, sizeof path, "%s/g.bin", fx->files);
    f = fopen(path, "a");
    fputs("more", f);
    fclose(f);
    assert_int_equal(vg_vault_quarantine(v, fx->files_fd, "g.bin", &seen, &m, id, &d),
                     VG_ERR_CHANGED);
    assert_true(exists(path));

    vg_vault_entry *list = NULL;
    size_t n = 0;
    assert_int_equal(vg_vault_list(v, &list, &n, NULL), VG_OK);
    assert_int_equal(n, 0); /* nothing was kept for any of them */
    vg_vault_list_free(list, n);
    vg_vault_close(v);
}

static void test_key_file_is_private(void **state)
{
    fixture *fx = *state;
    vg_vault *v = open_vault(fx, NULL);
    vg_vault_close(v);
    char key[700];
    snprintf(key, sizeof key, "%s/vault.key", fx->vault);
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(stat(fx->vault, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_refuses_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_or_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_plaintext_in_vault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_at_record_boundary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bit_flip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renamed_entry_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swapped_file_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_file_is_private, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
