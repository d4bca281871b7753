#!/usr/bin/env bash
# vigild speaks the clamd protocol: Debian's clamdscan gets the same lines
# and exit codes from vigild as from the real clamd (started here the same
# way, on the same files and signatures); raw-socket checks of every
# command form, sessions, limits, bad clients, load, reload and the lock
# are in vigild_proto.py.
. "$(dirname "$0")/lib.sh"

VIGILD=${VIGILD:-${VG_BUILD_DIR:-}/vigild}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${VG_SOURCE_DIR:-$HERE/../..}
if [ ! -x "$VIGILD" ]; then
    echo "VIGILD must name the vigild binary" >&2
    exit 2
fi
for tool in clamd clamdscan; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
        fail "$tool is installed (scripts/deps.sh --test installs clamav-daemon and clamdscan)"
        finish
    fi
done
CLAMD=$(command -v clamd || echo /usr/sbin/clamd)

# The signatures: EICAR as a .ndb body signature (written here) and the
# ClamAV test file's .hsb line from sigs/test; nothing else, in both daemons.
mkdir -p "$T/db" "$T/files/cleandir" "$T/more"
make_eicar "$T/files/eicar.com"
printf 'Eicar-Test-Signature:0:0:%s\n' "$(od -An -v -tx1 "$T/files/eicar.com" | tr -d ' \n')" \
    >"$T/db/test.ndb"
cp "$SRC/sigs/test/clamav-testfile.hsb" "$T/db/"
echo "hello, nothing to see" >"$T/files/clean.txt"
echo a >"$T/files/cleandir/a"
echo b >"$T/files/cleandir/b"
make_eicar "$T/more/second.com"
if [ -f /usr/share/clamav-testfiles/clam.exe ]; then
    cp /usr/share/clamav-testfiles/clam.exe "$T/more/clam.exe"
fi

cat >"$T/clamd.conf" <<CONF
LocalSocket $T/clamd.sock
Foreground yes
DatabaseDirectory $T/db
PidFile $T/clamd.pid
StreamMaxLength 1M
CONF
cat >"$T/vigild.conf" <<CONF
# the same settings as clamd.conf, in vigild's file
LocalSocket $T/vigild.sock
DatabaseDirectory $T/db
NoBuiltinSignature yes
StreamMaxLength 1M
IdleTimeout 5
ReadTimeout 10
CONF

ping_sock() {
    "$PYTHON" - "$1" <<'PY'
import socket, sys
try:
    s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])
    s.sendall(b"zPING\0"); sys.exit(0 if s.recv(16) == b"PONG\0" else 1)
except OSError:
    sys.exit(1)
PY
}
wait_sock() { # wait_sock SOCK PID: up to 120 s, while PID lives
    for _ in $(seq 1 600); do
        ping_sock "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

"$CLAMD" --config-file="$T/clamd.conf" >"$T/clamd.log" 2>&1 &
CLAMD_PID=$!
"$VIGILD" --foreground --config "$T/vigild.conf" >"$T/vigild.log" 2>&1 &
VIGILD_PID=$!
cleanup_daemons() {
    kill "$CLAMD_PID" "$VIGILD_PID" 2>/dev/null
    wait 2>/dev/null
}
trap 'cleanup_daemons; chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT

if ! wait_sock "$T/clamd.sock" "$CLAMD_PID"; then
    fail "the real clamd starts" "$(tail -n 5 "$T/clamd.log")"
    finish
fi
pass "the real clamd starts"
if ! wait_sock "$T/vigild.sock" "$VIGILD_PID"; then
    fail "vigild starts" "$(tail -n 5 "$T/vigild.log")"
    finish
fi
pass "vigild starts"

# clamdscan against each daemon, every mode; lines compared without the
# timing lines, sorted (MULTISCAN answers in any order), and without
# clamd's ".UNOFFICIAL" suffix (vigild names signatures as the database
# spells them, like `vigil scan`).
echo "LocalSocket $T/clamd.sock" >"$T/cs-clamd.conf"
echo "LocalSocket $T/vigild.sock" >"$T/cs-vigild.conf"
clamdscan_run() { # clamdscan_run WHO OUTFILE ARGS...
    local who=$1 out=$2
    shift 2
    timeout 60 clamdscan --config-file="$T/cs-$who.conf" "$@" 2>&1 </dev/null |
        grep -vE '^(Time|Start Date|End Date):' | sed 's/\.UNOFFICIAL / /' | sort >"$out"
    return "${PIPESTATUS[0]}"
}
F=$T/files
sets=("$F/eicar.com" "$F/clean.txt" "$F/cleandir" "$F/eicar.com $F/clean.txt $F/cleandir"
    "$F/clean.txt $F/cleandir" "$T/more" "$F/nonexistent $F/clean.txt" "$F")
for mode in "" --stream --fdpass --multiscan "--multiscan --fdpass" --allmatch; do
    for set in "${sets[@]}"; do
        # shellcheck disable=SC2086
        clamdscan_run clamd "$T/c.out" $mode $set
        crc=$?
        # shellcheck disable=SC2086
        clamdscan_run vigild "$T/v.out" $mode $set
        vrc=$?
        what="clamdscan ${mode:-(plain)} on ${set//$T\//}"
        if [ "$crc" -eq "$vrc" ]; then
            pass "$what: exit code $vrc as with clamd"
        else
            fail "$what: exit code $vrc as with clamd" "clamd exited $crc"
        fi
        if diff -u "$T/c.out" "$T/v.out" >"$T/diff"; then
            pass "$what: same lines as clamd"
        else
            fail "$what: same lines as clamd" "$(head -n 20 "$T/diff")"
        fi
    done
done
clamdscan_run vigild "$T/v.out" "$F/eicar.com"
assert_eq "$?" 1 "clamdscan exits 1 on EICAR through vigild"
clamdscan_run vigild "$T/v.out" "$F/clean.txt"
assert_eq "$?" 0 "clamdscan exits 0 on a clean file through vigild"

report_py() {
    while IFS= read -r line; do
        case $line in
        "ok   - "*) pass "${line#ok   - }" ;;
        "FAIL - "*) fail "${line#FAIL - }" ;;
        *) echo "$line" ;;
        esac
    done
}
"$PYTHON" "$HERE/vigild_proto.py" compare "$T/vigild.sock" "$T/clamd.sock" "$F" >"$T/py.out" 2>&1
report_py <"$T/py.out"
"$PYTHON" "$HERE/vigild_proto.py" robust "$T/vigild.sock" "$F" "$T/vigild.log" >"$T/py.out" 2>&1
report_py <"$T/py.out"
kill "$CLAMD_PID" 2>/dev/null

# The lock: a second daemon on the same socket is refused and the first
# keeps serving.
timeout 60 "$VIGILD" --foreground --config "$T/vigild.conf" >"$T/second.log" 2>&1
rc=$?
assert_eq "$rc" 1 "a second vigild on the same socket exits 1"
if grep -q "another vigild is running" "$T/second.log"; then
    pass "the second vigild says another one holds the socket"
else
    fail "the second vigild says another one holds the socket" "$(cat "$T/second.log")"
fi
if ping_sock "$T/vigild.sock"; then pass "the first vigild still answers"; else
    fail "the first vigild still answers"; fi

"$PYTHON" "$HERE/vigild_proto.py" reload "$T/vigild.sock" "$F" "$T/db" "$T/vigild.log" \
    "$VIGILD_PID" >"$T/py.out" 2>&1
report_py <"$T/py.out"

# SHUTDOWN stops it and removes the socket; a daemon killed with SIGKILL
# leaves a stale socket that the next one (holding the lock) replaces.
"$PYTHON" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"zSHUTDOWN\0"); s.recv(1)' "$T/vigild.sock"
for _ in $(seq 1 100); do kill -0 "$VIGILD_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$VIGILD_PID" 2>/dev/null; then fail "SHUTDOWN stops vigild"; else pass "SHUTDOWN stops vigild"; fi
if [ -e "$T/vigild.sock" ]; then fail "SHUTDOWN removes the socket"; else pass "SHUTDOWN removes the socket"; fi

"$VIGILD" --foreground --config "$T/vigild.conf" >"$T/v2.log" 2>&1 &
VIGILD_PID=$!
wait_sock "$T/vigild.sock" "$VIGILD_PID"
kill -9 "$VIGILD_PID"
wait "$VIGILD_PID" 2>/dev/null || true
if [ -S "$T/vigild.sock" ]; then pass "SIGKILL leaves a stale socket"; else fail "SIGKILL leaves a stale socket"; fi
"$VIGILD" --foreground --config "$T/vigild.conf" >"$T/v3.log" 2>&1 &
VIGILD_PID=$!
if wait_sock "$T/vigild.sock" "$VIGILD_PID"; then
    pass "the next vigild replaces the stale socket"
else
    fail "the next vigild replaces the stale socket" "$(cat "$T/v3.log")"
fi
kill -TERM "$VIGILD_PID"
wait "$VIGILD_PID"
assert_eq "$?" 0 "SIGTERM stops vigild with status 0"

# Configuration errors name file:line.
printf 'LocalSocket %s/x.sock\nOnAccesIncludePath /home\n' "$T" >"$T/bad.conf"
timeout 20 "$VIGILD" --foreground --config "$T/bad.conf" >"$T/bad.log" 2>&1
rc=$?
assert_eq "$rc" 1 "an unknown configuration key stops vigild"
if grep -qF "$T/bad.conf:2: unknown option 'OnAccesIncludePath'" "$T/bad.log"; then
    pass "the error names file:line and the key"
else
    fail "the error names file:line and the key" "$(cat "$T/bad.log")"
fi
finish
