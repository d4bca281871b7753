/* vigil-server: the analysis backend (docs/server.md). This file only
 * dispatches to the subcommand; `vigil-server --help` explains them. */
#include <stdio.h>
#include <vigil/version.h>

#include "args.h"
#include "commands.h"
#include "http.h"

int main(int argc, char **argv)
{
    vs_args a;
    char err[256];
    if (vs_args_parse(argc, argv, &a, err, sizeof err) != 0) {
        fprintf(stderr, "vigil-server: %s\nTry 'vigil-server --help'.\n", err);
        return 2;
    }
    switch (a.cmd) {
    case VS_CMD_HELP:
        vs_args_help(stdout);
        return 0;
    case VS_CMD_VERSION:
        printf("vigil-server %s\n", VG_VERSION_STRING);
        return 0;
    case VS_CMD_SERVE:
        return vs_serve(&a);
    case VS_CMD_TOKEN_ADD:
    case VS_CMD_TOKEN_LIST:
    case VS_CMD_TOKEN_REVOKE:
        return vs_cmd_token(&a);
    case VS_CMD_PURGE:
        return vs_cmd_purge(&a);
    case VS_CMD_AUDIT:
        return vs_cmd_audit(&a);
    case VS_CMD_PUBLISH:
        return vs_cmd_publish(&a);
    case VS_CMD_LOG:
    case VS_CMD_LOG_EXPORT:
    case VS_CMD_LOG_PUBKEY:
        return vs_cmd_log(&a);
    }
    return 2;
}
