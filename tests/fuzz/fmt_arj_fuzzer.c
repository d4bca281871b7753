/* libFuzzer harness for ARJ archives (lib/fmt/fmt_arj.c, lib/fmt/arj_decode.c): every
 * input is scanned whole (see scan_harness.h).
 *
 *     build-fuzz/fmt_arj_fuzzer -max_total_time=180 -max_len=65536 tests/fuzz/corpus/fmt_arj
 */
#include "scan_harness.h"
