/* libFuzzer harness for mail messages and mbox files (lib/fmt/fmt_mail.c,
 * fmt_mail_walk.c, mime_*.c, qp.c, yenc.c): every input is scanned whole,
 * so a header block at its start is walked and its parts emitted (see
 * scan_harness.h).
 *
 *     build-fuzz/fmt_mail_fuzzer -max_total_time=120 tests/fuzz/corpus/fmt_mail
 */
#include "scan_harness.h"
