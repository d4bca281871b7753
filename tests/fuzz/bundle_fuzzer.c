/* libFuzzer harness for the bundle reader: vg_bundle_open_mem on the input.
 *
 * The bundle arrives from a mirror before its signature is checked, so the
 * reader must survive anything. Beyond memory errors (ASan, UBSan), a
 * bundle that opens is checked against the reader's promises: every file
 * lies inside the input and its data pointer is there, every listed trigger
 * is found by vg_bundle_may_upload, the triggers are sorted and distinct,
 * the per-file counts bound the trigger list, and the signature check says
 * VG_ERR_CRYPTO for a key nobody holds (all zero). A broken promise traps. */
#include <string.h>
#include <vigil/bundle.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_bundle *b = NULL;
    char err[256];
    vg_error e = vg_bundle_open_mem(data, size, &b, err, sizeof err);
    check((e == VG_OK) == (b != NULL));
    if (e != VG_OK) {
        check(err[0] != '\0');
        return 0;
    }
    size_t len;
    const uint8_t *base = vg_bundle_bytes(b, &len);
    check(len == size);
    uint64_t trig = 0;
    for (size_t i = 0; i < vg_bundle_file_count(b); i++) {
        vg_bundle_file f;
        check(vg_bundle_file_get(b, i, &f) == VG_OK);
        check(f.data >= base && f.size <= len && (size_t)(f.data - base) <= len - f.size);
        check(strchr(f.name, '/') == NULL && strstr(f.name, "..") == NULL);
        check(f.upload_triggers <= f.signatures);
        trig += f.upload_triggers;
    }
    size_t nt = vg_bundle_trigger_count(b);
    check(nt <= trig);
    for (size_t i = 0; i < nt; i++) {
        check(vg_bundle_may_upload(b, vg_bundle_trigger(b, i)) == 1);
        if (i > 0)
            check(strcmp(vg_bundle_trigger(b, i - 1), vg_bundle_trigger(b, i)) < 0);
    }
    static const uint8_t zero[32];
    check(vg_bundle_verify_sig(b, zero) == VG_ERR_CRYPTO);
    check(vg_bundle_manifest_json(b) != NULL);
    vg_bundle_free(b);
    return 0;
}
