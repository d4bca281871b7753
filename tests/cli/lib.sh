# shellcheck shell=bash
# Helpers for the end-to-end tests of the vigil command line.
#
#     . "$(dirname "$0")/lib.sh"
#     make_eicar "$T/e.com"
#     run scan --no-summary "$T/e.com"
#     assert_rc 1 "EICAR is found"
#     assert_out_has "e.com: Eicar-Test-Signature FOUND" "FOUND line"
#     finish
#
# ctest runs each script with VIGIL (the binary), VG_SOURCE_DIR and
# VG_BUILD_DIR in the environment. Every script gets its own directory $T,
# removed on exit. `run` keeps the command's stdout, stderr and status in
# $OUT, $ERR and $RC; it gives up after $RUN_TIMEOUT seconds, so a hang is a
# failure, not a stuck test run.
set -u

if [ -z "${VIGIL:-}" ]; then
    for guess in "${VG_BUILD_DIR:-}/vigil" "$(dirname "$0")/../../build/vigil"; do
        if [ -x "$guess" ]; then
            VIGIL=$guess
            break
        fi
    done
fi
if [ -z "${VIGIL:-}" ] || [ ! -x "$VIGIL" ]; then
    echo "VIGIL must name the vigil binary" >&2
    exit 2
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-cli.XXXXXX")
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
OUT=$T/.stdout
ERR=$T/.stderr
RC=0
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
PASSED=0
FAILED=0

# Zips and JSON checks use Python. A system python3 starts in ~30 ms; a
# version-manager shim first in PATH can take a second per call.
PYTHON=
for py in /usr/bin/python3 /usr/local/bin/python3 python3; do
    if command -v "$py" >/dev/null 2>&1; then
        PYTHON=$(command -v "$py")
        break
    fi
done
if [ -z "$PYTHON" ]; then
    echo "python3 is needed by these tests" >&2
    exit 2
fi

# No cache, no user databases: each test states what it loads.
export XDG_CACHE_HOME=$T/.cache
unset VIGIL_DB_DIR

pass() {
    PASSED=$((PASSED + 1))
    echo "ok   - $1"
}

fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL - $1"
    if [ $# -gt 1 ]; then
        echo "       $2"
    fi
    echo "       command: ${LAST_CMD:-}"
    echo "       --- stdout (head) ---"
    head -n 20 "$OUT" 2>/dev/null | sed 's/^/       /'
    echo "       --- stderr (head) ---"
    head -n 20 "$ERR" 2>/dev/null | sed 's/^/       /'
}

# run ARGS...: runs vigil ARGS with stdin from /dev/null.
run() {
    LAST_CMD="vigil $*"
    timeout "$RUN_TIMEOUT" "$VIGIL" "$@" </dev/null >"$OUT" 2>"$ERR"
    RC=$?
}

# run_in FILE ARGS...: as run, with stdin from FILE.
run_in() {
    local input=$1
    shift
    LAST_CMD="vigil $* < $input"
    timeout "$RUN_TIMEOUT" "$VIGIL" "$@" <"$input" >"$OUT" 2>"$ERR"
    RC=$?
}

assert_rc() {
    if [ "$RC" -eq "$1" ]; then
        pass "$2"
    else
        fail "$2" "exit status $RC, expected $1"
    fi
}

assert_eq() {
    if [ "$1" = "$2" ]; then
        pass "$3"
    else
        fail "$3" "got '$1', expected '$2'"
    fi
}

# Fixed-string checks on whole lines or substrings of $OUT / $ERR.
assert_out_has() {
    if grep -qF -- "$1" "$OUT"; then pass "$2"; else fail "$2" "stdout lacks: $1"; fi
}
assert_out_lacks() {
    if grep -qF -- "$1" "$OUT"; then fail "$2" "stdout has: $1"; else pass "$2"; fi
}
assert_out_line() {
    if grep -qxF -- "$1" "$OUT"; then pass "$2"; else fail "$2" "stdout lacks the line: $1"; fi
}
assert_err_has() {
    if grep -qF -- "$1" "$ERR"; then pass "$2"; else fail "$2" "stderr lacks: $1"; fi
}
assert_err_lacks() {
    if grep -qF -- "$1" "$ERR"; then fail "$2" "stderr has: $1"; else pass "$2"; fi
}
assert_out_empty() {
    if [ -s "$OUT" ]; then fail "$1" "stdout is not empty"; else pass "$1"; fi
}
# assert_count N REGEX DESC: exactly N lines of stdout match the ERE.
assert_count() {
    local n
    n=$(grep -cE -- "$2" "$OUT")
    if [ "$n" -eq "$1" ]; then pass "$3"; else fail "$3" "$n lines match /$2/, expected $1"; fi
}

# The EICAR test file, assembled so this script is not itself a match.
make_eicar() {
    local a='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
    local b='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
    printf '%s%s' "$a" "$b" >"$1"
}

# make_zip OUT NAME=SOURCE...: a zip holding SOURCE under NAME, deflated.
make_zip() {
    "$PYTHON" - "$@" <<'PY'
import sys, zipfile
out, members = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for m in members:
        name, src = m.split("=", 1)
        z.write(src, name)
PY
}

# Checks that every line of $OUT is one JSON value (python3's parser).
assert_json_lines() {
    if "$PYTHON" -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    json.loads(line)
    n += 1
sys.exit(0 if n else 1)
' "$OUT" 2>"$T/.json_err"; then
        pass "$1"
    else
        fail "$1" "not JSON lines: $(head -c 300 "$T/.json_err")"
    fi
}

# json_query EXPR: evaluates EXPR (python, with `rows` = the parsed lines of
# $OUT) and prints the result.
json_query() {
    "$PYTHON" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
print(eval(sys.argv[2]))
' "$OUT" "$1"
}

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}
