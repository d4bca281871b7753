/* vigil-server's command line (src/vigil-server/args.c): defaults, sizes
 * with units, flags refused where they mean nothing, required flags. */
#include <string.h>

#include "testutil.h"

#include "args.h"

static int parse(vs_args *a, char *err, const char *const *argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return vs_args_parse(argc, (char **)argv, a, err, 256);
}

static void test_serve_defaults(void **state)
{
    (void)state;
    vs_args a;
    char err[256];
    const char *argv[] = {"vigil-server", "--data", "/tmp/x", NULL};
    assert_int_equal(parse(&a, err, argv), 0);
    assert_int_equal(a.cmd, VS_CMD_SERVE);
    assert_string_equal(a.listen, "127.0.0.1:8640");
    assert_int_equal(a.max_sample, 64u << 20);
    assert_int_equal(a.max_inflight, 8ull * (64u << 20));
    assert_int_equal(a.max_connections, 64);
    assert_int_equal(a.timeout_s, 30);
    assert_null(a.db);
    assert_int_equal(a.log_json, 0);
}

static void test_serve_flags(void **state)
{
    (void)state;
    vs_args a;
    char err[256];
    const char *argv[] = {"vigil-server",
                          "serve",
                          "--data=/d",
                          "--max-sample",
                          "16k",
                          "--threads",
                          "3",
                          "--log-format",
                          "json",
                          "--listen",
                          "[::1]:0",
                          "--db",
                          "host=/tmp/pg dbname=vigil",
                          NULL};
    assert_int_equal(parse(&a, err, argv), 0);
    assert_int_equal(a.max_sample, 16384);
    assert_int_equal(a.max_inflight, 8 * 16384);
    assert_int_equal(a.threads, 3);
    assert_int_equal(a.log_json, 1);
    assert_string_equal(a.db, "host=/tmp/pg dbname=vigil");
    assert_string_equal(a.data_dir, "/d");
}

static void test_refusals(void **state)
{
    (void)state;
    vs_args a;
    char err[256];
    const char *no_data[] = {"vigil-server", NULL};
    assert_int_equal(parse(&a, err, no_data), -1);
    assert_non_null(strstr(err, "--data"));
    const char *half_tls[] = {"vigil-server", "--data", "d", "--tls-cert", "c.pem", NULL};
    assert_int_equal(parse(&a, err, half_tls), -1);
    const char *bad_size[] = {"vigil-server", "--data", "d", "--max-sample", "12X", NULL};
    assert_int_equal(parse(&a, err, bad_size), -1);
    const char *misplaced[] = {"vigil-server", "token", "list", "--data", "d",
                               "--threads",    "2",     NULL};
    assert_int_equal(parse(&a, err, misplaced), -1);
    assert_non_null(strstr(err, "--threads"));
    const char *no_role[] = {"vigil-server", "token", "add", "alice", "--data", "d", NULL};
    assert_int_equal(parse(&a, err, no_role), -1);
    const char *bad_role[] = {"vigil-server", "token",  "add", "alice", "--role",
                              "root",         "--data", "d",   NULL};
    assert_int_equal(parse(&a, err, bad_role), -1);
    const char *purge_plain[] = {"vigil-server", "purge", "--data", "d", NULL};
    assert_int_equal(parse(&a, err, purge_plain), -1);
    const char *file_and_data[] = {"vigil-server", "audit", "--verify", "--file", "-",
                                   "--data",       "d",     NULL};
    assert_int_equal(parse(&a, err, file_and_data), -1);
    const char *unknown[] = {"vigil-server", "--data", "d", "--frobnicate", NULL};
    assert_int_equal(parse(&a, err, unknown), -1);
}

static void test_subcommands(void **state)
{
    (void)state;
    vs_args a;
    char err[256];
    const char *add[] = {"vigil-server", "token",  "add", "alice", "--role",
                         "analyst",      "--data", "d",   NULL};
    assert_int_equal(parse(&a, err, add), 0);
    assert_int_equal(a.cmd, VS_CMD_TOKEN_ADD);
    assert_string_equal(a.name, "alice");
    assert_int_equal(a.role, VS_ROLE_ANALYST);
    const char *verify[] = {"vigil-server", "audit", "--verify", "--file", "saved.json", NULL};
    assert_int_equal(parse(&a, err, verify), 0);
    assert_int_equal(a.cmd, VS_CMD_AUDIT);
    assert_true(a.verify);
    assert_string_equal(a.file, "saved.json");
    const char *purge[] = {"vigil-server", "purge", "--rescan", "--data", "d", NULL};
    assert_int_equal(parse(&a, err, purge), 0);
    assert_int_equal(a.cmd, VS_CMD_PURGE);
    const char *help[] = {"vigil-server", "token", "--help", NULL};
    assert_int_equal(parse(&a, err, help), 0);
    assert_int_equal(a.cmd, VS_CMD_HELP);
}

static void test_sizes(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(vs_args_parse_size("64M", &v), 0);
    assert_int_equal(v, 64u << 20);
    assert_int_equal(vs_args_parse_size("1GiB", &v), 0);
    assert_int_equal(v, 1u << 30);
    assert_int_equal(vs_args_parse_size("100", &v), 0);
    assert_int_equal(v, 100);
    assert_int_equal(vs_args_parse_size("-1", &v), -1);
    assert_int_equal(vs_args_parse_size("99999999999999999999", &v), -1);
    assert_int_equal(vs_args_parse_size("17179869184G", &v), -1); /* overflows 64 bits */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_defaults), cmocka_unit_test(test_serve_flags),
        cmocka_unit_test(test_refusals),       cmocka_unit_test(test_subcommands),
        cmocka_unit_test(test_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
