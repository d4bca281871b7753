/* The body shared by the container fuzzers: each input is scanned as a
 * top-level object in memory, so it goes through every handler whose
 * probe() accepts it and every member they emit, recursively, exactly as a
 * scanned file would. The engine (builtin EICAR signature) and the scanner
 * are built once. Limits are tighter than the defaults so that a crafted
 * bomb costs milliseconds, not seconds, and the fuzzer keeps its pace: the
 * code that stops a bomb is the same at 8 MiB as at 100 MiB.
 *
 * Include it from exactly one .c file per harness. */
#ifndef VG_FUZZ_SCAN_HARNESS_H
#define VG_FUZZ_SCAN_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <vigil/vigil.h>

static vg_scanner *scanner;

static int on_event(const vg_event *event, void *userdata)
{
    (void)event;
    (void)userdata;
    return 0;
}

static vg_scanner *scanner_once(void)
{
    if (scanner != NULL)
        return scanner;
    vg_limits lim = vg_limits_default();
    lim.max_file_size = 8u << 20;
    lim.max_scan_size = 32u << 20;
    lim.max_files = 1000;
    lim.max_time_ms = 5000;
    lim.stream_threshold = 1u << 20;
    vg_engine *engine = NULL;
    if (vg_engine_new(&lim, &engine) != VG_OK || vg_engine_load_builtin(engine) != VG_OK ||
        vg_engine_compile(engine, NULL, NULL) != VG_OK || vg_scanner_new(engine, &scanner) != VG_OK)
        abort();
    vg_engine_unref(engine); /* the scanner holds its own reference */
    vg_scanner_set_callback(scanner, on_event, NULL);
    vg_scanner_set_flags(scanner, VG_SCAN_ALLMATCH); /* keep going: more code per input */
    return scanner;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_result result;
    (void)vg_scanner_scan_mem(scanner_once(), data, size, "fuzz", &result);
    return 0;
}

#endif
