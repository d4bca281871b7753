/* libFuzzer harness for the implode decoder (lib/fmt/explode.c) alone.
 *
 * Input: one byte of zip general purpose flags (bit 1: 8 KiB dictionary,
 * bit 2: literal tree), three bytes of uncompressed size (little-endian, at
 * most 1 MiB), then the imploded stream. The sink checks that exactly the
 * size asked for comes out when the decoder says VG_OK.
 *
 *     build-fuzz/explode_fuzzer -max_total_time=120 tests/fuzz/corpus/explode
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fmt/explode.h"

typedef struct total {
    uint64_t out;
} total;

static vg_error sink(void *ud, const uint8_t *data, size_t len)
{
    total *t = ud;
    if (len == 0 || len > 8192 || data == NULL)
        abort(); /* chunks come from the 8 KiB window */
    t->out += len;
    return VG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint64_t out_size = (data[1] | (uint64_t)data[2] << 8 | (uint64_t)data[3] << 16) & 0xFFFFF;
    vg_fmap *map = NULL;
    if (vg_fmap_open_mem(data + 4, size - 4, &map) != VG_OK)
        return 0;
    total t = {0};
    vg_error err = vgi_explode(map, 0, size - 4, data[0], out_size, sink, &t);
    if ((err == VG_OK && t.out != out_size) || t.out > out_size ||
        (err != VG_OK && err != VG_ERR_MALFORMED && err != VG_ERR_TRUNCATED))
        abort();
    vg_fmap_close(map);
    return 0;
}
