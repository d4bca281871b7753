/* libFuzzer harness for TNEF/winmail.dat (lib/fmt/fmt_tnef.c): every
 * input is scanned whole, through every handler (see scan_harness.h).
 *
 *     build-fuzz/fmt_tnef_fuzzer -max_total_time=120 tests/fuzz/corpus/fmt_tnef
 */
#include "scan_harness.h"
