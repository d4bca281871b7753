/* libFuzzer harness for the Deflate64 / deflate decoder (lib/fmt/inflate64.c)
 * alone, without a zip around it: every input reaches the block decoder.
 *
 * Input: one byte of flags (bit 0: Deflate64, else plain deflate), then the
 * raw stream. The sink checks that the decoder never hands out more than
 * one window at a time and refuses more than 16 MiB in all, as a limit would.
 *
 *     build-fuzz/inflate64_fuzzer -max_total_time=120 tests/fuzz/corpus/inflate64
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fmt/inflate64.h"

typedef struct total {
    uint64_t out;
} total;

static vg_error sink(void *ud, const uint8_t *data, size_t len)
{
    total *t = ud;
    if (len > 65536 || (len > 0 && data == NULL))
        abort(); /* the window is the only buffer */
    t->out += len;
    return t->out > (16u << 20) ? VG_ERR_LIMIT : VG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    vg_fmap *map = NULL;
    if (vg_fmap_open_mem(data + 1, size - 1, &map) != VG_OK)
        return 0;
    total t = {0};
    uint64_t used = 0;
    vg_error err = vgi_inflate64(map, 0, size - 1, data[0] & 1, sink, &t, &used);
    if (used > size - 1 ||
        (err != VG_OK && err != VG_ERR_MALFORMED && err != VG_ERR_TRUNCATED && err != VG_ERR_LIMIT))
        abort();
    vg_fmap_close(map);
    return 0;
}
