/* `vigil audit`: list and verify the submission ledger. */
#ifndef VIGIL_CLI_CMD_AUDIT_H
#define VIGIL_CLI_CMD_AUDIT_H

#include <stdio.h>

int cmd_audit(int argc, char **argv);
void cmd_audit_usage(FILE *f);

#endif
