/* libvigil: the umbrella header. */
#ifndef VIGIL_VIGIL_H
#define VIGIL_VIGIL_H
#include <vigil/error.h>
#include <vigil/diag.h>
#include <vigil/limits.h>
#include <vigil/markings.h>
#include <vigil/version.h>
#include <vigil/fmap.h>
#include <vigil/result.h>
#include <vigil/engine.h>
#include <vigil/scanner.h>
#include <vigil/vault.h>
#include <vigil/bundle.h>
#include <vigil/lint.h>
#include <vigil/ledger.h>
#include <vigil/tlog.h>
#endif
