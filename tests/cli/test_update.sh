#!/usr/bin/env bash
# vigil update / vigil tlog verify end to end (issue 7), with the real
# `vigil sigtool` (keys, bundles) and the real vigil-server (`publish`,
# `log export`, `serve`), over a file:// mirror and over HTTP:
#   - valid updates install (v1, then v3 skipping v2, then v4 over HTTP, v5),
#     and `vigil scan -d DB/current` finds what each version adds;
#   - refused, each with its message, exit 2, the old bundle still active
#     (readlink current, a scan still finds its signatures) and the state
#     file byte for byte unchanged: a bundle with one flipped byte, the wrong
#     vendor key, the wrong log key, a signed bundle that is not in the log,
#     a forked log (a second server with the same log key publishing
#     another bundle at the same size, and one entry later), a log rolled
#     back to an older head, a rollback to an older bundle;
#   - `vigil tlog verify` OK on the real log, BROKEN on the forked one;
#   - a running vigild (the real one, on DB/current) is told to reload, by
#     SIGHUP through DATA/vigild.pid and by zRELOAD on --daemon-socket, and
#     then finds the new signatures; a stale pid file is not signalled.
# Needs VIGIL_SERVER and VIGILD (ctest sets them).
. "$(dirname "$0")/lib.sh"

HELPER="$(dirname "$0")/submit_server.py"
PIDS=()
cleanup_servers() {
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    PIDS=()
}
trap 'cleanup_servers; chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT

if [ -z "${VIGIL_SERVER:-}" ]; then
    fail "VIGIL_SERVER is not set: these end-to-end tests need the real vigil-server binary"
    finish
fi

sha() { sha256sum "$1" | cut -d' ' -f1; }

# die_setup WHAT: a setup step failed; nothing after it would mean anything.
die_setup() {
    fail "setup: $1" "$(cat "$T/.setup" 2>/dev/null | head -c 2000)"
    finish
}

K=$T/keys
S=$T/sigs
C=$T/client
mkdir -p "$K" "$S" "$C/keys"
export VIGIL_DATA=$C
DB=$C/db

# ---- keys and bundles ----
"$VIGIL" sigtool keygen --out "$K/vendor" >"$T/.setup" 2>&1 || die_setup "sigtool keygen"
"$VIGIL" sigtool keygen --out "$K/other" >"$T/.setup" 2>&1 || die_setup "sigtool keygen (other)"
cp "$K/vendor.pub" "$C/keys/vendor.pub"

# marker N: the bytes a version-N signature matches; files one.bin ... six.bin.
"$PYTHON" - "$S" <<'PY'
import sys
d = sys.argv[1]
names = ["one", "two", "three", "four", "five", "six"]
for i, n in enumerate(names, 1):
    open(f"{d}/{n}.bin", "wb").write(b"\x00" * 64 + f"VIGIL-UPDATE-TEST-MARKER-{n.upper()}".encode() + b"\x00" * 64)
    # version i holds the signatures of versions 1..i
    with open(f"{d}/v{i}.ndb", "w") as f:
        for j, m in enumerate(names[:i], 1):
            f.write("Test.Update.V%d:0:*:%s\n" % (j, f"VIGIL-UPDATE-TEST-MARKER-{m.upper()}".encode().hex()))
# The forked server's version 4 and 5: other signatures under the same versions.
for i in (4, 5):
    with open(f"{d}/fork{i}.ndb", "w") as f:
        f.write("Test.Update.Fork%d:0:*:%s\n" % (i, b"VIGIL-UPDATE-TEST-FORK".hex()))
PY

# build N NDB OUT [KEY]: a signed bundle of version N.
build() {
    local dir=$T/build-$1-$$-$RANDOM
    mkdir -p "$dir"
    cp "$2" "$dir/main.ndb"
    "$VIGIL" sigtool build --version "$1" --key "${4:-$K/vendor.sec}" -o "$3" "$dir/main.ndb" \
        >"$T/.setup" 2>&1 || die_setup "sigtool build v$1"
}
for i in 1 2 3 4 5 6; do build "$i" "$S/v$i.ndb" "$S/b$i.vgb"; done
build 4 "$S/fork4.ndb" "$S/fork-b4.vgb"
build 5 "$S/fork5.ndb" "$S/fork-b5.vgb"

SA=$T/srv-a
SB=$T/srv-b
mkdir -p "$SA"
# publish DATA BUNDLE
publish() {
    "$VIGIL_SERVER" publish "$2" --data "$1" --bundle-pubkey "$K/vendor.pub" >"$T/.setup" 2>&1 ||
        die_setup "vigil-server publish $2 into $1"
}
# export DATA DIR: a static mirror of the log as it is now.
export_log() {
    rm -rf "$2"
    "$VIGIL_SERVER" log export "$2" --data "$1" >"$T/.setup" 2>&1 ||
        die_setup "vigil-server log export $2"
}

publish "$SA" "$S/b1.vgb"
"$VIGIL_SERVER" log pubkey --data "$SA" >"$C/keys/log.pub" 2>"$T/.setup" || die_setup "log pubkey"
# Another log key, for the wrong-key case: a third server's.
mkdir -p "$T/srv-x"
"$VIGIL_SERVER" log pubkey --data "$T/srv-x" >"$K/other-log.pub" 2>"$T/.setup" ||
    die_setup "log pubkey (other)"
export_log "$SA" "$T/m1"

# state_sum: the state file's digest, to show a refusal changed nothing.
state_sum() { sha "$C/update-state.json" 2>/dev/null || echo none; }

# assert_still VERSION WHAT: after a refusal, VERSION is what is in use.
assert_still() {
    assert_eq "$(readlink "$DB/current")" "v$1" "$2: current still -> v$1"
    local out=$OUT err=$ERR rc=$RC
    OUT=$T/.still.out ERR=$T/.still.err
    run scan --no-summary --no-builtin -d "$DB/current" "$S/one.bin"
    assert_out_has "one.bin: Test.Update.V1 FOUND" "$2: a scan with DB/current still works"
    OUT=$out ERR=$err RC=$rc
}

# refused WHAT MESSAGE VERSION ARGS...: vigil update ARGS is refused with
# MESSAGE, VERSION stays active, the state file is unchanged.
refused() {
    local what=$1 msg=$2 ver=$3 before
    shift 3
    before=$(state_sum)
    run update "$@"
    assert_rc 2 "$what: refused with exit 2"
    assert_err_has "$msg" "$what: \"$msg\""
    assert_err_has "v$ver stays in use" "$what: the message says v$ver stays in use"
    assert_eq "$(state_sum)" "$before" "$what: update-state.json unchanged"
    assert_still "$ver" "$what"
}

# ---- 1. a first update from a file:// mirror ----
run update --mirror "file://$T/m1"
assert_rc 0 "update from a file:// mirror installs v1"
assert_out_has "bundle v1 verified: signed by the pinned key" "the signature was checked"
assert_out_has "log: tree size 1" "against the log's head"
assert_out_has "first head seen by this client" "with no earlier head to be consistent with"
assert_out_has "installed v1 into $DB/v1" "into DB/v1"
assert_out_has "no daemon to reload" "no vigild is running"
assert_eq "$(readlink "$DB/current")" "v1" "current -> v1"
for f in main.ndb manifest.json bundle.vgb; do
    [ -f "$DB/v1/$f" ] && pass "v1/$f is installed" || fail "v1/$f is installed"
done
assert_eq "$(sha "$DB/v1/bundle.vgb")" "$(sha "$S/b1.vgb")" "bundle.vgb is the published file"
assert_eq "$("$PYTHON" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["installed_version"], j["bundle_sha256"], j["sth"]["tree_size"])' "$C/update-state.json")" \
    "1 $(sha "$S/b1.vgb") 1" "update-state.json: v1, its digest, the head of size 1"
run scan --no-summary --no-builtin -d "$DB/current" "$S/one.bin" "$S/two.bin"
assert_rc 1 "vigil scan -d DB/current loads the installed bundle"
assert_out_has "one.bin: Test.Update.V1 FOUND" "and finds v1's signature"
assert_out_has "two.bin: OK" "but not v2's"

# ---- 2. v3 over v1, the mirror given as a plain path; consistency 1 -> 3 ----
publish "$SA" "$S/b2.vgb"
publish "$SA" "$S/b3.vgb"
export_log "$SA" "$T/m3"
run update --mirror "$T/m3"
assert_rc 0 "update from a plain directory path installs v3"
assert_out_has "consistent with size 1 seen on" "the new head extends the one seen (1 -> 3)"
assert_out_has "current -> v3 (was v1)" "current switched from v1 to v3"
run update --mirror "$T/m3"
assert_rc 0 "a second run is not an error"
assert_out_has "up to date: v3" "it says up to date"

run tlog verify --mirror "$T/m3"
assert_rc 0 "tlog verify on the exported log"
assert_out_has "log OK: 3 entries, root " "log OK with 3 entries"
assert_out_has "the installed v3 is leaf 2" "and finds the installed bundle in it"

# ---- 3. the fork: a copy of server A (same log key) diverges at size 4 ----
cp -a "$SA" "$SB"
publish "$SA" "$S/b4.vgb"
publish "$SB" "$S/fork-b4.vgb"
export_log "$SB" "$T/mb4"

# ---- 4. v4 over HTTP from the running server A ----
PORT=$("$PYTHON" "$HELPER" free-port)
"$VIGIL_SERVER" serve --data "$SA" --listen "127.0.0.1:$PORT" --bundle-pubkey "$K/vendor.pub" \
    2>>"$SA/serve.log" &
PIDS+=($!)
URL=http://127.0.0.1:$PORT
for _ in $(seq 1 200); do
    curl -sf "$URL/v1/health" >/dev/null 2>&1 && break
    sleep 0.05
done
run update --mirror "$URL"
assert_rc 0 "update over HTTP installs v4"
assert_out_has "consistent with size 3 seen on" "consistency proof 3 -> 4 from the server"
assert_out_has "current -> v4 (was v3)" "current -> v4"
run scan --no-summary --no-builtin -d "$DB/current" "$S/four.bin"
assert_out_has "four.bin: Test.Update.V4 FOUND" "v4's signature is in use"
run update --mirror "$URL"
assert_out_has "up to date: v4" "HTTP: up to date"

# ---- 5. refusals ----
publish "$SA" "$S/b5.vgb"
export_log "$SA" "$T/ma5"

# a. one flipped byte in the bundle the mirror serves
cp -a "$T/ma5" "$T/m-flip"
"$PYTHON" - "$T/m-flip/v1/bundles/5" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(bytes(b))
PY
refused "flipped byte" "bundle signature does not verify with the pinned key" 4 --mirror "$T/m-flip"

# b. the last byte (inside the signature) flipped
cp -a "$T/ma5" "$T/m-flip2"
"$PYTHON" - "$T/m-flip2/v1/bundles/5" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-1] ^= 0x80
open(p, "wb").write(bytes(b))
PY
refused "flipped signature byte" "bundle signature does not verify with the pinned key" 4 \
    --mirror "$T/m-flip2"

# c. a client that pins another vendor key
refused "wrong vendor key" "bundle signature does not verify with the pinned key" 4 \
    --mirror "$T/ma5" --pubkey "$K/other.pub"

# d. a client that pins another log key
refused "wrong log key" "does not verify with the pinned log key" 4 --mirror "$T/ma5" \
    --log-pubkey "$K/other-log.pub"

# e. signed by the vendor, never published: v6 next to the real log
cp -a "$T/ma5" "$T/m-nolog"
cp "$S/b6.vgb" "$T/m-nolog/v1/bundles/6"
printf '{"version":6,"sha256":"%s","leaf_index":5,"url":"/v1/bundles/6"}' "$(sha "$S/b6.vgb")" \
    >"$T/m-nolog/v1/bundles/latest"
refused "not in the log (leaf past the tree)" "bundle v6 is not in the transparency log" 4 \
    --mirror "$T/m-nolog"
printf '{"version":6,"sha256":"%s","leaf_index":4,"url":"/v1/bundles/6"}' "$(sha "$S/b6.vgb")" \
    >"$T/m-nolog/v1/bundles/latest"
refused "not in the log (another bundle's leaf)" "bundle v6 is not in the transparency log" 4 \
    --mirror "$T/m-nolog"

# f. the forked log: server B signed another size-4 tree with the same key
refused "forked log, same size" "the log forked: STH size 4 is not consistent with the size 4 seen on" \
    4 --mirror "$T/mb4"
publish "$SB" "$S/fork-b5.vgb"
export_log "$SB" "$T/mb5"
refused "forked log, one entry later" \
    "the log forked: STH size 5 is not consistent with the size 4 seen on" 4 --mirror "$T/mb5"

# g. the log rolled back to an older head
refused "log rolled back" "the log was rolled back: STH size 3 is smaller than the size 4 seen on" \
    4 --mirror "$T/m3"

# h. an older bundle, in the log, with a current head: a rollback
cp -a "$T/ma5" "$T/m-old"
if [ ! -f "$T/m-old/v1/log/proof/inclusion/2-5" ]; then
    curl -sf "$URL/v1/log/proof/inclusion?leaf_index=2&tree_size=5" \
        >"$T/m-old/v1/log/proof/inclusion/2-5"
fi
printf '{"version":3,"sha256":"%s","leaf_index":2,"url":"/v1/bundles/3"}' "$(sha "$S/b3.vgb")" \
    >"$T/m-old/v1/bundles/latest"
refused "rollback" "rollback from v4 to v3 refused" 4 --mirror "$T/m-old"

# i. another vigil update holds the database lock
if command -v flock >/dev/null 2>&1; then
    before=$(state_sum)
    LAST_CMD="flock $DB/.lock vigil update --mirror $T/ma5"
    flock "$DB/.lock" "$VIGIL" update --mirror "$T/ma5" >"$OUT" 2>"$ERR" </dev/null
    RC=$?
    assert_rc 2 "a second update while one runs: exit 2"
    assert_err_has "another vigil update is running" "it says another update is running"
    assert_eq "$(state_sum)" "$before" "and changes nothing"
    assert_still 4 "locked"
fi

# j. a state file that does not parse: never a silent fresh start (that
#    would forget the head and with it the fork check)
cp "$C/update-state.json" "$T/state.saved"
printf '{"installed_version": 4, "sth": ' >"$C/update-state.json"
run update --mirror "$T/mb4"
assert_rc 2 "a corrupt state file stops the update"
assert_err_has "update-state.json is not valid JSON" "and says which file"
assert_still 4 "corrupt state"
cp "$T/state.saved" "$C/update-state.json"

# ---- 6. after all that, the real v5 installs; v3 is pruned, v4 kept ----
# A crash's leftover of an earlier attempt at v5 is cleared first.
mkdir -p "$DB/v5.tmp"
echo 'Junk.Leftover:0:*:00112233' >"$DB/v5.tmp/junk.ndb"
run update --mirror "$T/ma5"
assert_rc 0 "the genuine v5 installs after the refusals"
assert_out_has "consistent with size 4 seen on" "consistent with the head kept through the refusals"
assert_eq "$(cd "$DB" && ls -d v* | sort | tr '\n' ' ')" "v4 v5 " \
    "old versions pruned: the previous one (v4) is kept"
assert_eq "$(ls "$DB/v5" | sort | tr '\n' ' ')" "bundle.vgb main.ndb manifest.json " \
    "v5 holds the bundle's files only (the leftover v5.tmp is gone)"
run scan --no-summary --no-builtin -d "$DB/current" "$S/five.bin"
assert_out_has "five.bin: Test.Update.V5 FOUND" "v5's signature is in use"

run tlog verify --mirror "$URL"
assert_rc 0 "tlog verify over HTTP"
assert_out_has "log OK: 5 entries" "the honest log verifies"
assert_out_has "consistent with the head of size 5" "and extends the head this client accepted"
run tlog verify --mirror "$T/mb5"
assert_rc 1 "tlog verify on the forked log fails"
assert_out_has "log BROKEN: the log forked" "and says the log forked"

# ---- 7. the daemon: a pid file that names no vigild is not signalled ----
sleep 300 &
SLEEPER=$!
PIDS+=($SLEEPER)
echo "$SLEEPER" >"$C/vigild.pid"
publish "$SA" "$S/b6.vgb"
run update --mirror "$URL"
assert_rc 0 "v6 installs"
assert_out_has "which is not a running vigild" "a stale pid file is not trusted"
kill -0 "$SLEEPER" 2>/dev/null && pass "the process it named was not signalled" ||
    fail "the process it named was not signalled"
rm -f "$C/vigild.pid"

# The real vigild, loading DB/current: SIGHUP through its pid file, then
# zRELOAD on its socket; each time a scan through its socket finds what the
# new version added.
VIGILD=${VIGILD:-$(dirname "$VIGIL")/vigild}
if [ ! -x "$VIGILD" ]; then
    fail "vigild: VIGILD is not set and no vigild next to vigil"
    finish
fi
"$PYTHON" - "$S" <<'PY'
import sys
d = sys.argv[1]
for n in ("seven", "eight"):
    open(f"{d}/{n}.bin", "wb").write(b"\0" * 64 + f"VIGIL-UPDATE-TEST-MARKER-{n.upper()}".encode())
with open(f"{d}/v7.ndb", "w") as f:
    f.write(open(f"{d}/v6.ndb").read())
    f.write("Test.Update.V7:0:*:%s\n" % b"VIGIL-UPDATE-TEST-MARKER-SEVEN".hex())
with open(f"{d}/v8.ndb", "w") as f:
    f.write(open(f"{d}/v7.ndb").read())
    f.write("Test.Update.V8:0:*:%s\n" % b"VIGIL-UPDATE-TEST-MARKER-EIGHT".hex())
PY
SOCK=$T/vigild.sock
"$VIGILD" --foreground --socket "$SOCK" -d "$DB/current" --pid-file "$C/vigild.pid" \
    2>"$T/vigild.log" &
PIDS+=($!)
# clamd_scan PATH: vigild's answer to zSCAN PATH (empty while it is not up).
clamd_scan() {
    "$PYTHON" - "$SOCK" "$1" <<'PY'
import socket, sys
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sys.argv[1])
    s.sendall(b"zSCAN " + sys.argv[2].encode() + b"\0")
    data = b""
    while not data.endswith(b"\0"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    print(data.rstrip(b"\0").decode(errors="replace"))
except OSError:
    pass
PY
}
# wait_scan PATH TEXT: until vigild's answer for PATH has TEXT (or ~20 s).
wait_scan() {
    local a=""
    for _ in $(seq 1 400); do
        a=$(clamd_scan "$1")
        case "$a" in *"$2"*) echo "$a"; return 0 ;; esac
        sleep 0.05
    done
    echo "$a"
    return 1
}
if wait_scan "$S/one.bin" "Test.Update.V1 FOUND" >/dev/null; then
    pass "vigild runs on DB/current"
else
    fail "vigild runs on DB/current" "$(tail -5 "$T/vigild.log")"
fi
assert_eq "$(clamd_scan "$S/seven.bin")" "$S/seven.bin: OK" "vigild does not know v7's signature yet"
build 7 "$S/v7.ndb" "$S/b7.vgb"
publish "$SA" "$S/b7.vgb"
run update --mirror "$URL"
assert_rc 0 "v7 installs"
assert_out_has "vigild (pid $(cat "$C/vigild.pid")) told to reload (SIGHUP)" \
    "the vigild in DATA/vigild.pid is told to reload"
wait_scan "$S/seven.bin" "Test.Update.V7 FOUND" >/dev/null &&
    pass "after SIGHUP, vigild finds v7's signature" ||
    fail "after SIGHUP, vigild finds v7's signature" "$(clamd_scan "$S/seven.bin")"

build 8 "$S/v8.ndb" "$S/b8.vgb"
publish "$SA" "$S/b8.vgb"
run update --mirror "$URL" --daemon-socket "$SOCK"
assert_rc 0 "v8 installs"
assert_out_has "vigild reloading ($SOCK)" "vigild answered RELOADING to zRELOAD on its socket"
wait_scan "$S/eight.bin" "Test.Update.V8 FOUND" >/dev/null &&
    pass "after RELOAD, vigild finds v8's signature" ||
    fail "after RELOAD, vigild finds v8's signature" "$(clamd_scan "$S/eight.bin")"
run update --mirror "$URL" --daemon-socket "$SOCK"
assert_out_has "up to date: v8" "up to date: no reload asked"
assert_out_lacks "reloading" "and none sent"

finish
