/* `vigil sigtool`: build, sign, verify, inspect, compare and lint
 * signature bundles. */
#ifndef VIGIL_CLI_CMD_SIGTOOL_H
#define VIGIL_CLI_CMD_SIGTOOL_H

#include <stdio.h>

int cmd_sigtool(int argc, char **argv);
void cmd_sigtool_usage(FILE *f);

#endif
