/* vigild's configuration file: values land in their fields, and every kind
 * of mistake is refused with file:line, because a daemon that skipped a
 * misspelt protection setting would leave the owner unprotected unawares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static void assert_rejects(const char *text, const char *expect_err)
{
    vd_config cfg;
    vd_config_defaults(&cfg);
    char err[512] = "";
    assert_int_equal(vd_config_parse(&cfg, "v.conf", text, err, sizeof err), -1);
    if (strstr(err, expect_err) == NULL)
        fail_msg("error '%s' lacks '%s'", err, expect_err);
    vd_config_cleanup(&cfg);
}

static void test_values(void **state)
{
    (void)state;
    vd_config cfg;
    vd_config_defaults(&cfg);
    char err[512];
    const char *text = "# comment\n"
                       "LocalSocket /run/vigil/vigild.ctl\n"
                       "\n"
                       "TCPSocket 3310   # trailing comment\n"
                       "StreamMaxLength 25M\n"
                       "MaxThreads 4\n"
                       "DatabaseDirectory /var/lib/vigil/db\n"
                       "Database /etc/vigil/local.ndb\n"
                       "OnAccessIncludePath /home\n"
                       "OnAccessIncludePath /srv\n"
                       "OnAccessExcludePath /home/big\n"
                       "OnAccessPrevention no\n"
                       "QuarantineOnDetect yes\n"
                       "ScanTimeout 2500\n"
                       "OnTimeout deny\n"
                       "StateDirectory /var/lib/vigil/state\n"
                       "LogFormat json\n";
    assert_int_equal(vd_config_parse(&cfg, "v.conf", text, err, sizeof err), 0);
    assert_string_equal(cfg.local_socket, "/run/vigil/vigild.ctl");
    assert_int_equal(cfg.tcp_port, 3310);
    assert_string_equal(cfg.tcp_addr, "127.0.0.1"); /* loopback unless asked */
    assert_int_equal(cfg.stream_max_length, 25u << 20);
    assert_int_equal(cfg.max_threads, 4);
    assert_int_equal(cfg.n_databases, 2);
    assert_string_equal(cfg.databases[1], "/etc/vigil/local.ndb");
    assert_int_equal(cfg.n_onaccess_include, 2);
    assert_string_equal(cfg.onaccess_include[1], "/srv");
    assert_int_equal(cfg.n_onaccess_exclude, 1);
    assert_false(cfg.onaccess_prevention);
    assert_true(cfg.quarantine_on_detect);
    assert_int_equal(cfg.scan_timeout_ms, 2500);
    assert_int_equal(cfg.on_timeout, VD_TIMEOUT_DENY);
    assert_string_equal(cfg.state_dir, "/var/lib/vigil/state");
    assert_int_equal(cfg.log_format, VD_LOG_JSON);
    assert_int_equal(vd_config_check(&cfg, err, sizeof err), 0);
    vd_config_cleanup(&cfg);
}

static void test_defaults(void **state)
{
    (void)state;
    vd_config cfg;
    vd_config_defaults(&cfg);
    assert_int_equal(cfg.stream_max_length, 100u << 20); /* clamd's */
    assert_int_equal(cfg.on_timeout, VD_TIMEOUT_ALLOW);
    assert_true(cfg.onaccess_prevention);
    assert_int_equal(cfg.tcp_port, 0); /* no TCP unless configured */
    char err[256];
    assert_int_equal(vd_config_check(&cfg, err, sizeof err), -1); /* no socket at all */
    assert_non_null(strstr(err, "no socket"));
    vd_config_cleanup(&cfg);
}

static void test_errors(void **state)
{
    (void)state;
    assert_rejects("LocalSocket /x\nOnAccesIncludePath /home\n",
                   "v.conf:2: unknown option 'OnAccesIncludePath'");
    assert_rejects("\n\n\nMaxThreads\n", "v.conf:4: MaxThreads needs a value");
    assert_rejects("MaxThreads 0\n", "v.conf:1: MaxThreads takes a number from 1 to 256");
    assert_rejects("MaxThreads 12abc\n", "v.conf:1:");
    assert_rejects("MaxThreads 4M\n", "v.conf:1:");
    assert_rejects("StreamMaxLength 100T\n", "v.conf:1: StreamMaxLength takes a size");
    assert_rejects("StreamMaxLength 99999999999999999999\n", "v.conf:1:");
    assert_rejects("OnAccessPrevention maybe\n", "v.conf:1: OnAccessPrevention takes yes or no");
    assert_rejects("OnTimeout ignore\n", "v.conf:1: OnTimeout takes allow or deny");
    assert_rejects("LogFormat xml\n", "v.conf:1: LogFormat takes text or json");
    assert_rejects("LocalSocket relative.sock\n", "v.conf:1: LocalSocket needs an absolute path");
    assert_rejects("OnAccessIncludePath home\n", "needs an absolute path");
    assert_rejects("TCPSocket 70000\n", "v.conf:1: TCPSocket takes a number");
    assert_rejects("localsocket /x\n", "unknown option 'localsocket'"); /* keys are exact */
}

static void test_hostport(void **state)
{
    (void)state;
    char *addr = NULL;
    unsigned port = 0;
    assert_int_equal(vd_config_parse_hostport("127.0.0.1:3310", &addr, &port), 0);
    assert_string_equal(addr, "127.0.0.1");
    assert_int_equal(port, 3310);
    assert_int_equal(vd_config_parse_hostport("[::1]:3311", &addr, &port), 0);
    assert_string_equal(addr, "::1");
    assert_int_equal(port, 3311);
    assert_int_equal(vd_config_parse_hostport("3312", &addr, &port), 0);
    assert_string_equal(addr, "::1"); /* a bare port keeps the address */
    assert_int_equal(port, 3312);
    assert_int_equal(vd_config_parse_hostport("host:0", &addr, &port), -1);
    assert_int_equal(vd_config_parse_hostport("host:", &addr, &port), -1);
    assert_int_equal(vd_config_parse_hostport(":80", &addr, &port), -1);
    free(addr);
}

static void test_file(void **state)
{
    (void)state;
    vd_config cfg;
    vd_config_defaults(&cfg);
    char err[512];
    assert_int_equal(vd_config_load_file(&cfg, "/nonexistent/vigild.conf", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/vigild.conf: cannot open"));
    char path[512];
    snprintf(path, sizeof path, "%s/vigild-nul.conf", VG_TEST_TMP);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite("LocalSocket /x\0\n", 1, 16, f);
    fclose(f);
    assert_int_equal(vd_config_load_file(&cfg, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "NUL"));
    remove(path);
    vd_config_cleanup(&cfg);
}

/* The example shipped in packaging/ must load as it is. */
static void test_packaged(void **state)
{
    (void)state;
    vd_config cfg;
    vd_config_defaults(&cfg);
    char err[512];
    int rc = vd_config_load_file(&cfg, VG_SOURCE_DIR "/packaging/vigild.conf", err, sizeof err);
    if (rc != 0)
        fail_msg("packaging/vigild.conf: %s", err);
    assert_int_equal(vd_config_check(&cfg, err, sizeof err), 0);
    assert_string_equal(cfg.local_socket, "/run/vigil/vigild.sock");
    assert_int_equal(cfg.n_onaccess_include, 1);
    assert_true(cfg.onaccess_prevention);
    vd_config_cleanup(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values), cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors), cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_file),   cmocka_unit_test(test_packaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
