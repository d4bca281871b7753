/* `vigil submit`: scan, then send flagged objects under the owner's consent. */
#ifndef VIGIL_CLI_CMD_SUBMIT_H
#define VIGIL_CLI_CMD_SUBMIT_H

#include <stdio.h>

int cmd_submit(int argc, char **argv);
void cmd_submit_usage(FILE *f);

#endif
