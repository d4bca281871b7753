/* The configuration file of vigild, clamd.conf-like: one "Key value" per
 * line, '#' starts a comment, keys are case-sensitive, list keys
 * (OnAccessIncludePath, Database, ...) may repeat, for the others the last
 * one wins. Every key is documented in docs/vigild.md.
 *
 *     vd_config cfg;
 *     vd_config_defaults(&cfg);
 *     if (vd_config_load_file(&cfg, "/etc/vigil/vigild.conf", err, sizeof err) != 0)
 *         -> err = "/etc/vigil/vigild.conf:12: unknown option 'Foo'"
 *     ...
 *     vd_config_cleanup(&cfg);
 *
 * An unknown key, a missing or unusable value is an error naming file:line:
 * a daemon that silently ignored "OnAccesIncludePath /home" would leave the
 * owner believing /home is protected. */
#ifndef VIGILD_CONFIG_H
#define VIGILD_CONFIG_H

#include <stddef.h>

#include "daemon.h"

/* Fills every field with its default; strings are allocated (cleanup frees). */
void vd_config_defaults(vd_config *cfg);
void vd_config_cleanup(vd_config *cfg);

/* Parses text (name is used in messages) into cfg, on top of what it holds.
 * Returns 0, or -1 with "name:line: reason" in err. */
int vd_config_parse(vd_config *cfg, const char *name, const char *text, char *err, size_t errlen);
/* Reads and parses a file; -1 with the reason in err when it cannot be read. */
int vd_config_load_file(vd_config *cfg, const char *path, char *err, size_t errlen);

/* Replaces a string field (NULL clears it); list fields take one more item. */
int vd_config_set_str(char **field, const char *value);
int vd_config_add_item(char ***list, size_t *n, const char *value);

/* Consistency checks after file and command line are merged: at least one
 * socket, sane numbers. -1 with the reason in err. */
int vd_config_check(const vd_config *cfg, char *err, size_t errlen);

/* Parses "127.0.0.1:3310", "[::1]:3310" or "3310" into addr/port. */
int vd_config_parse_hostport(const char *s, char **addr, unsigned *port);

#endif
