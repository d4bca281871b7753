/* libFuzzer harness for OLE2 compound files (lib/fmt/fmt_ole2.c and its
 * ole2_*.c readers): every input is scanned whole, so its streams, Package
 * objects, VBA modules and PowerPoint objects are extracted and scanned
 * again (see scan_harness.h). The seeds (gen_ole2_corpus.py) are small v3
 * and v4 files with mini and regular streams, a VBA project and a ppt
 * record stream.
 *
 *     build-fuzz/fmt_ole2_fuzzer -max_total_time=120 tests/fuzz/corpus/fmt_ole2
 */
#include "scan_harness.h"
