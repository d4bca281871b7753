/* Internals of the signature lint (lint.c walks files, lint_rules.c judges). */
#ifndef VGI_UPDATE_LINT_INT_H
#define VGI_UPDATE_LINT_INT_H

#include <vigil/lint.h>

#include "../sig/sig.h"

/* Judges one parsed body signature with ClamAV target type `target`: sets
 * it->trigger, and for a refusal it->refused, it->rule and it->why.
 * VG_ERR_NOMEM is the only failure. */
vg_error vgi_lint_body(const vgi_body_sig *sig, unsigned target, vg_lint_item *it);

#endif
