/* `vigil scan`: the clamscan of vigil. */
#ifndef VIGIL_CLI_CMD_SCAN_H
#define VIGIL_CLI_CMD_SCAN_H

#include <stdio.h>

/* argv[0] is "scan". Returns the process exit code: 0 nothing found,
 * 1 something found, 2 an error and nothing found. */
int cmd_scan(int argc, char **argv);

void cmd_scan_usage(FILE *f);

#endif
