/* Printing vault entries for `vigil quarantine`: a table, key-value
 * details, or JSON lines. */
#ifndef VIGIL_CLI_QUARANTINE_PRINT_H
#define VIGIL_CLI_QUARANTINE_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <vigil/vault.h>

/* Returns 0, or 2 when an entry could not be read (it is still listed). */
int qprint_list(FILE *f, const vg_vault_entry *list, size_t n, bool json);
void qprint_show(FILE *f, const vg_vault_entry *e, bool json);
/* A file name with control bytes as \xNN, as the scan output prints it. */
void qprint_escaped(FILE *f, const char *s);

#endif
