/* `vigil markings`: which files carry classification markings. */
#ifndef VIGIL_CLI_CMD_MARKINGS_H
#define VIGIL_CLI_CMD_MARKINGS_H

#include <stdio.h>

/* argv[0] is "markings". Returns the process exit code: 0 nothing
 * classified, 1 some file classified, 2 an error and nothing classified. */
int cmd_markings(int argc, char **argv);

void cmd_markings_usage(FILE *f);

#endif
