/* vigil: the command-line front end. This file only dispatches:
 *
 *     vigil scan [OPTIONS] PATH...     cmd_scan.c
 *     vigil quarantine COMMAND ...     cmd_quarantine.c
 *     vigil markings [OPTIONS] PATH... cmd_markings.c
 *     vigil submit [OPTIONS] PATH...   cmd_submit.c
 *     vigil audit [--verify]           cmd_audit.c
 *     vigil sigtool COMMAND ...        cmd_sigtool*.c
 *     vigil daemon enable|disable|status  cmd_daemon.c
 *     vigil update [OPTIONS]           cmd_update.c
 *     vigil tlog verify [OPTIONS]      cmd_tlog.c
 *     vigil help [COMMAND]
 *     vigil --version
 *
 * Each command lives in cmd_<name>.c with its own option parser, so a new
 * command is one row in the table below and one file. */
#include <stdio.h>
#include <string.h>
#include <vigil/version.h>

#include "cmd_audit.h"
#include "cmd_daemon.h"
#include "cmd_markings.h"
#include "cmd_quarantine.h"
#include "cmd_scan.h"
#include "cmd_sigtool.h"
#include "cmd_submit.h"
#include "cmd_tlog.h"
#include "cmd_update.h"

typedef struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *f);
} command;

static const command commands[] = {
    {"scan", "scan files, directory trees or standard input for malware", cmd_scan, cmd_scan_usage},
    {"quarantine", "list, show, restore or purge files in the quarantine vault", cmd_quarantine,
     cmd_quarantine_usage},
    {"markings", "find classification markings in files, archives and documents", cmd_markings,
     cmd_markings_usage},
    {"submit", "send flagged objects to a vigil-server, as far as the owner consents", cmd_submit,
     cmd_submit_usage},
    {"audit", "list and verify the ledger of what was submitted", cmd_audit, cmd_audit_usage},
    {"sigtool", "build, sign, verify, inspect, compare and lint signature bundles", cmd_sigtool,
     cmd_sigtool_usage},
    {"daemon", "switch vigild's on-access protection on or off, or show its status", cmd_daemon,
     cmd_daemon_usage},
    {"update", "install the newest signed, logged signature bundle from a mirror", cmd_update,
     cmd_update_usage},
    {"tlog", "verify the signature transparency log: vigil tlog verify", cmd_tlog, cmd_tlog_usage},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fputs("Usage: vigil COMMAND [OPTIONS] [ARGS]\n\nCommands:\n", f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("  help       show this help, or a command's: vigil help scan\n"
          "\n"
          "Options:\n"
          "  -V, --version  print the version and exit\n"
          "  -h, --help     show this help\n",
          f);
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    const command *c = find(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "vigil: no such command '%s' (see vigil help)\n", argv[1]);
        return 2;
    }
    c->usage(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        printf("vigil %s (libvigil %s)\n", VG_VERSION_STRING, vg_version());
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return help(argc - 1, argv + 1);
    const command *c = find(cmd);
    if (c == NULL) {
        fprintf(stderr, "vigil: unknown command '%s' (see vigil help)\n", cmd);
        return 2;
    }
    return c->run(argc - 1, argv + 1);
}
