/* `vigil daemon enable|disable|status`: switch vigild's on-access
 * protection off and on, and see what it is doing. */
#ifndef VIGIL_CLI_CMD_DAEMON_H
#define VIGIL_CLI_CMD_DAEMON_H

#include <stdio.h>

int cmd_daemon(int argc, char **argv);
void cmd_daemon_usage(FILE *f);

#endif
