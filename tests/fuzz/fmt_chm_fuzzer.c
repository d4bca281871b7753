/* libFuzzer harness for CHM help files (lib/fmt/fmt_chm.c, libmspack): every
 * input is scanned whole, through every handler (see scan_harness.h).
 *
 *     build-fuzz/fmt_chm_fuzzer -max_total_time=120 tests/fuzz/corpus/fmt_chm
 */
#include "scan_harness.h"
