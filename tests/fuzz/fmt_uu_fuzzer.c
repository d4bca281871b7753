/* libFuzzer harness for uuencoded members (lib/fmt/fmt_uu.c): every input
 * is scanned whole, so begin lines anywhere in it are decoded (see
 * scan_harness.h).
 *
 *     build-fuzz/fmt_uu_fuzzer -max_total_time=120 tests/fuzz/corpus/fmt_uu
 */
#include "scan_harness.h"
