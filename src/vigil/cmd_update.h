/* `vigil update`: signed, logged signature bundles from a mirror. */
#ifndef VIGIL_CLI_CMD_UPDATE_H
#define VIGIL_CLI_CMD_UPDATE_H

#include <stdio.h>

int cmd_update(int argc, char **argv);
void cmd_update_usage(FILE *f);

#endif
