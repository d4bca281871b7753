/* libFuzzer harness for Symbian SIS files (lib/fmt/fmt_sis.c, sis_emit.c, sis_x.c): every
 * input is scanned whole (see scan_harness.h).
 *
 *     build-fuzz/fmt_sis_fuzzer -max_total_time=180 -max_len=65536 tests/fuzz/corpus/fmt_sis
 */
#include "scan_harness.h"
