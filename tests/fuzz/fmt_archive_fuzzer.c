/* libFuzzer harness for the archive handler (lib/fmt/fmt_archive.c).
 *
 * Each input is scanned as a top-level object in memory, so it goes through
 * probe(), libarchive and every emitted member, recursively, exactly as a
 * scanned file would. The engine (builtin EICAR signature) and the scanner
 * are built once. Limits are tighter than the defaults so that a crafted
 * bomb costs milliseconds, not seconds, and the fuzzer keeps its pace:
 * the code paths that stop a bomb are the same at 8 MiB as at 100 MiB.
 *
 *     CC=clang cmake -S . -B build-fuzz -DVIGIL_FUZZ=ON -DVIGIL_TESTS=OFF
 *     cmake --build build-fuzz --target fmt_archive_fuzzer
 *     build-fuzz/fmt_archive_fuzzer -max_total_time=120 tests/fuzz/corpus/fmt_archive
 */
#include "scan_harness.h"
