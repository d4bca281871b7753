#!/usr/bin/env bash
# vigil scan: threads, --allmatch, whole lines, the progress line.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

make_eicar "$T/eicar.com"
mkdir -p "$T/many"
for d in 0 1 2 3 4 5 6 7; do
    mkdir -p "$T/many/d$d"
    for i in $(seq 1 40); do
        if [ $((i % 7)) -eq 0 ]; then
            cp "$T/eicar.com" "$T/many/d$d/f$i.com"
        else
            printf 'plain file %s %s\n' "$d" "$i" >"$T/many/d$d/f$i.txt"
        fi
    done
done
make_zip "$T/many/d0/pack.zip" "in/eicar.com=$T/eicar.com" "x.txt=$T/many/d1/f1.txt"

run scan --no-summary -j 1 "$T/many"
assert_rc 1 "-j 1 scan exits 1"
sort "$OUT" >"$T/one.txt"
run scan --no-summary --threads 4 "$T/many"
assert_rc 1 "--threads 4 scan exits 1"
sort "$OUT" >"$T/four.txt"
if cmp -s "$T/one.txt" "$T/four.txt"; then
    pass "1 and 4 threads give the same results"
else
    fail "1 and 4 threads give the same results" "$(diff "$T/one.txt" "$T/four.txt" | head -5)"
fi
assert_eq "$(wc -l <"$T/four.txt")" "321" "one line per file"
assert_count 321 '^[^ ]*: (OK|[^ ]+ FOUND)$' "no line is interleaved with another"
assert_count 41 ' FOUND$' "every EICAR copy is found"

run scan --no-summary -j 1 "$T/many"
head -n 3 "$OUT" >"$T/a.txt"
run scan --no-summary -j 1 "$T/many"
head -n 3 "$OUT" >"$T/b.txt"
if cmp -s "$T/a.txt" "$T/b.txt"; then pass "-j 1 prints in a stable order"; else fail "-j 1 prints in a stable order"; fi

# --- --allmatch -----------------------------------------------------------
printf 'ALPHA-MARKER...BETA-MARKER\n' >"$T/two.txt"
hexa=$(printf 'ALPHA-MARKER' | od -An -tx1 | tr -d ' \n')
hexb=$(printf 'BETA-MARKER' | od -An -tx1 | tr -d ' \n')
printf 'Test.Alpha:0:*:%s\nTest.Beta:0:*:%s\n' "$hexa" "$hexb" >"$T/two.ndb"

run scan --no-summary -d "$T/two.ndb" "$T/two.txt"
assert_rc 1 "two signatures: found"
assert_count 1 ' FOUND$' "without --allmatch, one FOUND line per file"

run scan --no-summary --allmatch -d "$T/two.ndb" "$T/two.txt"
assert_out_line "$T/two.txt: Test.Alpha FOUND" "--allmatch reports the first signature"
assert_out_line "$T/two.txt: Test.Beta FOUND" "--allmatch reports the second signature"
run scan --no-summary -z -d "$T/two.ndb" "$T/two.txt"
assert_count 2 ' FOUND$' "-z is --allmatch"

run scan --no-summary -v "$T/many/d0/pack.zip"
assert_out_line "$T/many/d0/pack.zip: Eicar-Test-Signature FOUND" "an inner detection keeps the plain line"
assert_out_line "$T/many/d0/pack.zip: Eicar-Test-Signature found in in/eicar.com" \
    "-v adds where it was found"

# --- progress line --------------------------------------------------------
run scan "$T/many"
if grep -q $'\r' "$ERR"; then
    fail "no progress line when stderr is not a terminal"
else
    pass "no progress line when stderr is not a terminal"
fi
if grep -q $'\r' "$OUT"; then fail "no carriage return on stdout"; else pass "no carriage return on stdout"; fi

if command -v script >/dev/null 2>&1; then
    # A slow stdin keeps the scan running for a few progress ticks.
    LAST_CMD="script: (sleep 1.2; cat eicar) | vigil scan -"
    printf '#!/bin/sh\n(sleep 1.2; cat "%s") | "%s" scan --no-summary -\n' \
        "$T/eicar.com" "$VIGIL" >"$T/slow.sh"
    timeout 30 script -qec "sh $T/slow.sh" /dev/null >"$OUT" 2>"$ERR" </dev/null
    if grep -qa 'files, ' "$OUT"; then
        pass "a terminal gets a progress line"
    else
        fail "a terminal gets a progress line"
    fi
    if grep -qa $'\033\[K' "$OUT"; then pass "the progress line is wiped"; else fail "the progress line is wiped"; fi
    assert_out_has "stdin: Eicar-Test-Signature FOUND" "the result still shows on the terminal"

    printf '#!/bin/sh\n(sleep 1.2; cat "%s") | "%s" scan --no-summary --no-progress -\n' \
        "$T/eicar.com" "$VIGIL" >"$T/slow.sh"
    timeout 30 script -qec "sh $T/slow.sh" /dev/null >"$OUT" 2>"$ERR" </dev/null
    assert_out_lacks "files, " "--no-progress: no progress line on a terminal"
fi

finish
