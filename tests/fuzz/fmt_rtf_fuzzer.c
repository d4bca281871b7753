/* libFuzzer harness for RTF objects (lib/fmt/fmt_rtf.c, rtf_objdata.c):
 * every input is scanned whole, so \objdata hex, OLE1 headers, Packages,
 * \bin runs and group nesting are all reached (see scan_harness.h).
 *
 *     build-fuzz/fmt_rtf_fuzzer -max_total_time=120 tests/fuzz/corpus/fmt_rtf
 */
#include "scan_harness.h"
