/* libFuzzer harness for InstallShield setups (lib/fmt/fmt_ishield.c,
 * ishield_msi.c, ishield_cab.c): every input is scanned whole, so a PE
 * whose overlay holds MSI records or a string-entry list with an ISc(
 * cabinet is unpacked (see scan_harness.h). Seeds: gen_ishield_corpus.py.
 *
 *     build-fuzz/fmt_ishield_fuzzer -max_total_time=180 tests/fuzz/corpus/fmt_ishield
 */
#include "scan_harness.h"
