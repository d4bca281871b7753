/* libFuzzer harness for BinHex 4.0 (lib/fmt/fmt_binhex.c): every input is
 * scanned whole, so a BinHex line in its first 8 KiB is decoded (see
 * scan_harness.h).
 *
 *     build-fuzz/fmt_binhex_fuzzer -max_total_time=120 tests/fuzz/corpus/fmt_binhex
 */
#include "scan_harness.h"
