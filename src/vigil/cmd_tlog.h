/* `vigil tlog verify`: the transparency log, replayed from the client side. */
#ifndef VIGIL_CLI_CMD_TLOG_H
#define VIGIL_CLI_CMD_TLOG_H

#include <stdio.h>

int cmd_tlog(int argc, char **argv);
void cmd_tlog_usage(FILE *f);

#endif
