/* libFuzzer harness for the marking detector (lib/privacy/markings*.c):
 * every input goes through the view its bytes select (text, UTF-16, markup,
 * RTF, PDF content stream), and the verdict's invariants are checked: at
 * most VG_MARK_MAX_EVIDENCE entries, every evidence inside the input, texts
 * and reason NUL-terminated, classified exactly when the score reaches 10.
 *
 *     build-fuzz/markings_fuzzer -max_total_time=120 tests/fuzz/corpus/markings
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vigil/markings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_mark_verdict v;
    const uint64_t base = 1000;
    if (vg_markings_check(data, size, base, &v) != VG_OK)
        return 0; /* only VG_ERR_NOMEM is possible, and the fuzzer does not fail allocations */
    if (v.n > VG_MARK_MAX_EVIDENCE || v.view == NULL)
        __builtin_trap();
    if (memchr(v.reason, '\0', sizeof v.reason) == NULL)
        __builtin_trap();
    if ((v.classified != 0) != (v.score >= 10) || (v.classified && v.rule == NULL))
        __builtin_trap();
    for (unsigned k = 0; k < v.n; k++) {
        const vg_mark_evidence *e = &v.ev[k];
        if (e->kind == NULL || e->offset < base || e->offset - base >= size ||
            e->offset - base + e->length > size)
            __builtin_trap();
        if (memchr(e->text, '\0', sizeof e->text) == NULL)
            __builtin_trap();
    }
    return 0;
}
