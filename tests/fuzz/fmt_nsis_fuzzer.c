/* libFuzzer harness for NSIS installers (lib/fmt/fmt_nsis.c, nsis_*.c):
 * every input is scanned whole, so a PE stub with a firstheader at a
 * 512-byte boundary reaches the block walkers, the deflate/LZMA decoders
 * and the script parser (see scan_harness.h). Seeds: make them with
 * tests/fuzz/gen_nsis_corpus.py.
 *
 *     build-fuzz/fmt_nsis_fuzzer -max_total_time=180 -max_len=65536 tests/fuzz/corpus/fmt_nsis
 */
#include "scan_harness.h"
