/* `vigil quarantine`: list, show, restore, purge and verify vault entries. */
#ifndef VIGIL_CLI_CMD_QUARANTINE_H
#define VIGIL_CLI_CMD_QUARANTINE_H

#include <stdio.h>

/* argv[0] is "quarantine". Returns 0 on success, 2 on any error. */
int cmd_quarantine(int argc, char **argv);

void cmd_quarantine_usage(FILE *f);

#endif
