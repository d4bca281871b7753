/* libFuzzer harness for the PDF reader (lib/fmt/fmt_pdf.c and pdf_*.c):
 * every input is scanned whole (see scan_harness.h), so object scanning,
 * the lexer, object streams, every filter, decryption and the emitted
 * streams all run on it. Seeds: tests/fuzz/gen_pdf_corpus.py.
 *
 *     build-fuzz/fmt_pdf_fuzzer -max_total_time=180 -max_len=65536 tests/fuzz/corpus/fmt_pdf
 */
#include "scan_harness.h"
