/* The offline subcommands of vigil-server; each returns the exit code
 * (0 ok, 1 verify failure / something purged, 2 usage or I/O error). */
#ifndef VIGIL_SERVER_COMMANDS_H
#define VIGIL_SERVER_COMMANDS_H

#include "args.h"

int vs_cmd_token(const vs_args *a); /* token add|list|revoke */
int vs_cmd_audit(const vs_args *a); /* audit [--verify] [--file] */
int vs_cmd_purge(const vs_args *a); /* purge --rescan */
/* publish BUNDLE; log [--verify] | export DIR | pubkey (cmd_log.c) */
int vs_cmd_publish(const vs_args *a);
int vs_cmd_log(const vs_args *a);
/* log export DIR on an open store (cmd_log_export.c). */
int vs_cmd_log_export(const vs_args *a, vs_store *st);

#endif
