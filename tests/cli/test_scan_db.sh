#!/usr/bin/env bash
# vigil scan: signature databases, the built-in signature, the matcher cache.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

make_eicar "$T/eicar.com"
printf 'MARKER-ONE and MARKER-TWO\n' >"$T/markers.txt"
echo "nothing to see" >"$T/clean.txt"
sha=$(sha256sum "$T/markers.txt" | cut -d' ' -f1)
size=$(stat -c %s "$T/markers.txt")

mkdir "$T/db"
printf '%s:%s:Test.Markers.Hash\n' "$sha" "$size" >"$T/db/markers.hsb"
hex1=$(printf 'MARKER-ONE' | od -An -tx1 | tr -d ' \n')
printf 'Test.Marker.One:0:*:%s\n' "$hex1" >"$T/db/body.ndb"

# --- a good database ------------------------------------------------------
run scan --no-summary -d "$T/db/markers.hsb" "$T/markers.txt" "$T/clean.txt"
assert_rc 1 ".hsb signature is found"
assert_out_line "$T/markers.txt: Test.Markers.Hash FOUND" "the .hsb name is printed"
assert_out_line "$T/clean.txt: OK" "other files stay clean"

run scan --no-summary -d "$T/db" "$T/markers.txt"
assert_rc 1 "-d DIR loads the files in it"

run scan -d "$T/db/markers.hsb" -d "$T/db/body.ndb" "$T/clean.txt"
assert_out_line "Known viruses: 3" "repeated -d adds up (2 files + built-in)"

run scan --no-summary -d "$T/db/markers.hsb" "$T/eicar.com"
assert_rc 1 "the built-in EICAR signature is loaded along with -d"

run scan --no-summary --no-builtin -d "$T/db/markers.hsb" "$T/eicar.com"
assert_rc 0 "--no-builtin drops the EICAR signature"

run scan --no-summary --no-builtin "$T/clean.txt"
assert_rc 2 "no signatures at all exits 2"
assert_err_has "no signatures" "and says why"

# --- $VIGIL_DB_DIR -----------------------------------------------------------
LAST_CMD="VIGIL_DB_DIR=$T/db vigil scan --no-summary $T/markers.txt"
VIGIL_DB_DIR="$T/db" timeout "$RUN_TIMEOUT" "$VIGIL" scan --no-summary "$T/markers.txt" \
    </dev/null >"$OUT" 2>"$ERR"
RC=$?
assert_rc 1 "\$VIGIL_DB_DIR is loaded when there is no -d"

LAST_CMD="VIGIL_DB_DIR=$T/db vigil scan -d eicar-only"
printf '%s:68:Only.This\n' "$(sha256sum "$T/eicar.com" | cut -d' ' -f1)" >"$T/only.hsb"
VIGIL_DB_DIR="$T/db" timeout "$RUN_TIMEOUT" "$VIGIL" scan --no-summary -d "$T/only.hsb" \
    "$T/markers.txt" </dev/null >"$OUT" 2>"$ERR"
RC=$?
assert_rc 0 "-d replaces \$VIGIL_DB_DIR"

# --- a bad database: exit 2 before scanning anything ----------------------
printf '%s:%s:Good.One\nnot-a-hash:12:Bad.Line\n' "$sha" "$size" >"$T/bad.hsb"
run scan --no-summary -d "$T/bad.hsb" "$T/eicar.com" "$T/clean.txt"
assert_rc 2 "a malformed line exits 2"
assert_err_has "$T/bad.hsb:2" "the message names file:line"
assert_out_empty "nothing is scanned after a bad database"

run scan --no-summary -d "$T/nope.hsb" "$T/clean.txt"
assert_rc 2 "a missing database exits 2"
assert_err_has "nope.hsb" "the missing database is named"
assert_out_empty "nothing is scanned without the database"

# --- the matcher cache ----------------------------------------------------
run scan --no-summary -d "$T/db/body.ndb" "$T/clean.txt"
assert_rc 0 "a scan with the default cache works"
if [ -d "$XDG_CACHE_HOME/vigil" ]; then
    pass "the default cache dir is \$XDG_CACHE_HOME/vigil"
    mode=$(stat -c %a "$XDG_CACHE_HOME/vigil")
    assert_eq "$mode" "700" "the cache dir is private (0700)"
else
    fail "the default cache dir is \$XDG_CACHE_HOME/vigil"
fi

run scan --no-summary --cache-dir "$T/mycache" -d "$T/db/body.ndb" "$T/markers.txt"
assert_rc 1 "--cache-dir works"
if [ -d "$T/mycache" ]; then pass "--cache-dir is created"; else fail "--cache-dir is created"; fi
run scan --no-summary --cache-dir "$T/mycache" -d "$T/db/body.ndb" "$T/markers.txt"
assert_rc 1 "a second run through the cache finds the same"
assert_out_line "$T/markers.txt: Test.Marker.One FOUND" "with the same name"

rm -rf "$T/c2"
run scan --no-summary --no-cache --cache-dir "$T/c2" "$T/clean.txt"
assert_rc 0 "--no-cache works"
if [ -e "$T/c2" ]; then fail "--no-cache creates no directory"; else pass "--no-cache creates no directory"; fi

echo "a file, not a directory" >"$T/notadir"
run scan --no-summary --cache-dir "$T/notadir/x" "$T/eicar.com"
assert_rc 1 "an unusable cache dir is not fatal"
assert_err_has "without a matcher cache" "an unusable --cache-dir is reported"

LAST_CMD="XDG_CACHE_HOME=$T/notadir vigil scan"
XDG_CACHE_HOME="$T/notadir" timeout "$RUN_TIMEOUT" "$VIGIL" scan --no-summary "$T/eicar.com" \
    </dev/null >"$OUT" 2>"$ERR"
RC=$?
assert_rc 1 "an unusable default cache is not fatal"
assert_err_lacks "cache" "an unusable default cache is silent without -v"

finish
