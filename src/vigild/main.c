/* vigild: the resident daemon. It loads one engine, shares it with a pool
 * of workers answering the clamd protocol on a Unix socket (and optionally
 * TCP), and hosts the on-access modules.
 *
 *     vigild --foreground --config /etc/vigil/vigild.conf
 *     vigild --foreground --socket /run/vigil/vigild.sock -d /var/lib/vigil/db
 *
 * Order of start, and why: configuration (any error stops us with
 * file:line), then the socket lock and listeners (a second daemon stops
 * here, before it loads anything), then signatures (errors still reach the
 * terminal), then the fork into the background, then threads (a fork
 * after threads would lose them). SIGHUP reloads, SIGTERM/SIGINT stop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vigil/version.h>

#include "config.h"
#include "control.h"
#include "daemon_int.h"
#include "log.h"

#define DEFAULT_CONFIG "/etc/vigil/vigild.conf"

static vd_daemon *the_daemon;

static void on_signal(int sig)
{
    if (the_daemon != NULL)
        vdi_daemon_signal(the_daemon, sig == SIGHUP ? 'H' : 'T');
}

static void usage(FILE *f)
{
    fputs("Usage: vigild [OPTIONS]\n"
          "\n"
          "The vigil daemon: the clamd protocol on a socket, on-access protection.\n"
          "\n"
          "  -c, --config FILE    configuration file (default " DEFAULT_CONFIG " if present)\n"
          "  -F, --foreground     stay in the foreground, log to stderr\n"
          "  -s, --socket PATH    Unix socket (overrides LocalSocket)\n"
          "  -t, --tcp [ADDR:]PORT  also listen on TCP (overrides TCPSocket/TCPAddr)\n"
          "  -d, --database PATH  signature file or directory; repeatable (replaces\n"
          "                       DatabaseDirectory/Database from the file)\n"
          "  -p, --pid-file FILE  write the daemon's pid there\n"
          "  -V, --version        print the version and exit\n"
          "  -h, --help           show this help\n"
          "\n"
          "Signals: SIGHUP reloads the signatures, SIGTERM and SIGINT stop.\n"
          "See docs/vigild.md for the configuration file and the protocol.\n",
          f);
}

static int daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0)
        _exit(0);
    if (setsid() < 0)
        return -1;
    pid = fork(); /* not a session leader: can never regain a terminal */
    if (pid < 0)
        return -1;
    if (pid > 0)
        _exit(0);
    if (chdir("/") != 0)
        return -1;
    int nul = open("/dev/null", O_RDWR);
    if (nul < 0)
        return -1;
    dup2(nul, 0);
    dup2(nul, 1);
    dup2(nul, 2);
    if (nul > 2)
        close(nul);
    return 0;
}

static int write_pid(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%ld\n", (long)getpid());
    return fclose(f);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"foreground", no_argument, NULL, 'F'},
        {"socket", required_argument, NULL, 's'},
        {"tcp", required_argument, NULL, 't'},
        {"database", required_argument, NULL, 'd'},
        {"pid-file", required_argument, NULL, 'p'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL, *sock = NULL, *tcp = NULL, *pidf = NULL;
    bool foreground = false;
    char **dbs = calloc((size_t)argc + 1, sizeof *dbs);
    size_t ndb = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:Fs:t:d:p:Vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'F':
            foreground = true;
            break;
        case 's':
            sock = optarg;
            break;
        case 't':
            tcp = optarg;
            break;
        case 'd':
            dbs[ndb++] = optarg;
            break;
        case 'p':
            pidf = optarg;
            break;
        case 'V':
            printf("vigild %s\n", VG_VERSION_STRING);
            free(dbs);
            return 0;
        case 'h':
            usage(stdout);
            free(dbs);
            return 0;
        default:
            usage(stderr);
            free(dbs);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vigild: unexpected argument '%s'\n", argv[optind]);
        free(dbs);
        return 2;
    }

    vd_config cfg;
    vd_config_defaults(&cfg);
    char err[2048];
    int rc = 1;
    vd_daemon *d = NULL;
    if (config_path == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
        config_path = DEFAULT_CONFIG;
    if (config_path != NULL && vd_config_load_file(&cfg, config_path, err, sizeof err) != 0) {
        fprintf(stderr, "vigild: %s\n", err);
        goto out;
    }
    /* The command line wins over the file. */
    if (foreground)
        cfg.foreground = true;
    if (sock != NULL && vd_config_set_str(&cfg.local_socket, sock) != 0)
        goto out;
    if (tcp != NULL && vd_config_parse_hostport(tcp, &cfg.tcp_addr, &cfg.tcp_port) != 0) {
        fprintf(stderr, "vigild: --tcp takes [ADDR:]PORT, not '%s'\n", tcp);
        goto out;
    }
    if (ndb > 0) {
        for (size_t i = 0; i < cfg.n_databases; i++)
            free(cfg.databases[i]);
        cfg.n_databases = 0;
        for (size_t i = 0; i < ndb; i++)
            if (vd_config_add_item(&cfg.databases, &cfg.n_databases, dbs[i]) != 0)
                goto out;
    }
    if (pidf != NULL && vd_config_set_str(&cfg.pid_file, pidf) != 0)
        goto out;
    /* VaultDirectory defaults to <StateDirectory>/vault (docs/vigild.md);
     * resolved here, once, so the quarantine and the exclusion list see
     * the same path. */
    if (cfg.vault_dir == NULL && cfg.state_dir != NULL) {
        char vault[4096];
        snprintf(vault, sizeof vault, "%s/vault", cfg.state_dir);
        if (vd_config_set_str(&cfg.vault_dir, vault) != 0)
            goto out;
    }
    if (vd_config_check(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "vigild: %s\n", err);
        goto out;
    }
    if (vdi_log_open(cfg.log_format, cfg.log_verbose, cfg.log_file) != 0) {
        fprintf(stderr, "vigild: cannot open LogFile %s: %s\n", cfg.log_file, strerror(errno));
        goto out;
    }

    if ((d = vdi_daemon_new(&cfg)) == NULL) {
        fprintf(stderr, "vigild: out of memory\n");
        goto out;
    }
    if (vdi_daemon_listen(d, err, sizeof err) != 0) {
        vd_log(d, VD_LOG_ERROR, "start.failed", "reason=\"%s\"", err);
        if (cfg.log_file != NULL)
            fprintf(stderr, "vigild: %s\n", err);
        goto out;
    }
    if (vdi_daemon_load_engine(d, err, sizeof err) != 0) {
        vd_log(d, VD_LOG_ERROR, "start.failed", "reason=\"%s\"", err);
        if (cfg.log_file != NULL)
            fprintf(stderr, "vigild: %s\n", err);
        goto out;
    }
    if (!cfg.foreground) {
        if (daemonize() != 0) {
            vd_log(d, VD_LOG_ERROR, "start.failed", "reason=\"cannot daemonize: %s\"",
                   strerror(errno));
            goto out;
        }
        vdi_log_use_syslog();
    }
    if (cfg.pid_file != NULL && write_pid(cfg.pid_file) != 0)
        vd_log(d, VD_LOG_WARN, "pidfile.failed", "path=%s error=\"%s\"", cfg.pid_file,
               strerror(errno));

    the_daemon = d;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Modules start here (they may register VIGIL-* commands only now,
     * before serving): on-access protection and its control commands.
     * Each gets a matching stop call after vdi_daemon_serve returns. */
    vd_control *onaccess = NULL;
    if (vd_control_start(d, &onaccess) != 0)
        vd_log(d, VD_LOG_ERROR, "onaccess.failed", "error=\"out of memory\"");

    rc = vdi_daemon_serve(d) == 0 ? 0 : 1;

    /* Modules stop here, in reverse order: every pending opener is
     * answered before the engine goes away. */
    vd_control_stop(onaccess);

    if (cfg.pid_file != NULL)
        unlink(cfg.pid_file);
out:
    the_daemon = NULL;
    vdi_daemon_free(d);
    vdi_log_close();
    vd_config_cleanup(&cfg);
    free(dbs);
    return rc;
}
