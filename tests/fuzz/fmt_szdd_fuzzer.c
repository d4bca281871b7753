/* libFuzzer harness for SZDD/KWAJ files (lib/fmt/fmt_szdd.c, libmspack): every
 * input is scanned whole, through every handler (see scan_harness.h).
 *
 *     build-fuzz/fmt_szdd_fuzzer -max_total_time=120 tests/fuzz/corpus/fmt_szdd
 */
#include "scan_harness.h"
