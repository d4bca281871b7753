/* libFuzzer harness for HTML (lib/fmt/fmt_html.c, html_*.c): every input is
 * scanned whole, so the tokenizer, character references, data: URIs,
 * script literals and the normalized copy are all reached (see
 * scan_harness.h).
 *
 *     build-fuzz/fmt_html_fuzzer -max_total_time=120 tests/fuzz/corpus/fmt_html
 */
#include "scan_harness.h"
