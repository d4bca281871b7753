/* libFuzzer harness for legacy zip members (lib/fmt/fmt_zip_legacy.c).
 *
 * Each input is scanned as a top-level object in memory, so it goes through
 * every handler whose probe() accepts it: libarchive and then ours walk the
 * same zip, and what we inflate (Deflate64, implode) is scanned in turn. The
 * engine (builtin EICAR signature) and the scanner are built once; limits
 * are tight so that a bomb costs milliseconds, through the same code that
 * stops one at the default limits.
 *
 *     CC=clang cmake -S . -B build-fuzz -DVIGIL_FUZZ=ON -DVIGIL_TESTS=OFF
 *     cmake --build build-fuzz --target zip_legacy_fuzzer
 *     build-fuzz/zip_legacy_fuzzer -max_total_time=120 tests/fuzz/corpus/zip_legacy
 */
#include "scan_harness.h"
