#!/usr/bin/env bash
# vigil scan: exit codes, the clamscan line format, stdin, options.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

make_eicar "$T/eicar.com"
echo "just some text" >"$T/clean.txt"

run --version
assert_rc 0 "--version exits 0"
assert_out_has "vigil 0." "--version names the program and version"

run help
assert_rc 0 "help exits 0"
assert_out_has "scan" "help lists the scan command"

run scan --help
assert_rc 0 "scan --help exits 0"
for flag in --database --no-builtin --cache-dir --no-cache --recursive --follow-symlinks \
    --cross-fs --exclude --include --exclude-dir --include-dir --threads --max-filesize \
    --max-scansize --max-files --max-recursion --max-depth --max-ratio --max-scantime \
    --alert-exceeds-max --allmatch --infected --suppress-ok-results --quiet --verbose --json \
    --no-summary --no-progress --action --vault --vault-key; do
    assert_out_has -- "$flag" "scan --help explains $flag"
done

run help scan
assert_rc 0 "help scan exits 0"
assert_out_has "--max-filesize" "help scan shows the scan options"

run
assert_rc 2 "no command exits 2"
assert_err_has "Usage" "no command prints the usage on stderr"

run frobnicate
assert_rc 2 "an unknown command exits 2"
assert_err_has "frobnicate" "the unknown command is named"

# --- exit codes and lines -------------------------------------------------
run scan --no-summary "$T/clean.txt"
assert_rc 0 "a clean file exits 0"
assert_out_line "$T/clean.txt: OK" "a clean file prints PATH: OK"

run scan --no-summary "$T/eicar.com"
assert_rc 1 "EICAR exits 1"
assert_out_line "$T/eicar.com: Eicar-Test-Signature FOUND" "EICAR prints PATH: SIG FOUND"

run scan --no-summary "$T/missing"
assert_rc 2 "a missing path exits 2"
assert_err_has "$T/missing: ERROR" "a missing path is named on stderr"
assert_out_empty "a missing path prints no result line"

run scan --no-summary "$T/clean.txt" "$T/missing"
assert_rc 2 "clean + missing exits 2"

# clamscan 1.4 returns 1 when something was found, even if other files failed.
run scan --no-summary "$T/missing" "$T/eicar.com"
assert_rc 1 "found + error exits 1, like clamscan"
assert_out_has "FOUND" "the detection is still printed"
assert_err_has "ERROR" "the error is still printed"

# --- stdin ----------------------------------------------------------------
run_in "$T/eicar.com" scan --no-summary -
assert_rc 1 "EICAR on stdin exits 1"
assert_out_line "stdin: Eicar-Test-Signature FOUND" "stdin is named 'stdin'"

run_in "$T/clean.txt" scan --no-summary -
assert_rc 0 "clean stdin exits 0"
assert_out_line "stdin: OK" "clean stdin prints stdin: OK"

# --- output options -------------------------------------------------------
run scan "$T/clean.txt" "$T/eicar.com"
assert_out_has "----------- SCAN SUMMARY -----------" "the summary is printed by default"
assert_out_line "Known viruses: 1" "summary: known viruses (the built-in signature)"
assert_out_line "Scanned files: 2" "summary: scanned files"
assert_out_line "Infected files: 1" "summary: infected files"
assert_out_has "Engine version: " "summary: engine version"
assert_out_has "Data scanned: " "summary: data scanned"

run scan --no-summary -i "$T/clean.txt" "$T/eicar.com"
assert_out_lacks ": OK" "-i hides clean files"
assert_out_has "FOUND" "-i shows infected files"

run scan --no-summary -o "$T/clean.txt" "$T/eicar.com"
assert_out_lacks ": OK" "-o hides clean files"
assert_out_has "FOUND" "-o shows infected files"

run scan --quiet "$T/clean.txt" "$T/eicar.com"
assert_rc 1 "--quiet keeps the exit code"
assert_out_empty "--quiet prints nothing on stdout"

run scan --quiet "$T/missing"
assert_rc 2 "--quiet: a missing path still exits 2"
assert_err_has "ERROR" "--quiet still prints errors"

run scan --no-summary -r "$T/clean.txt"
assert_rc 0 "-r is accepted (clamscan compatibility)"

# --- bad options ----------------------------------------------------------
run scan --no-such-flag "$T/clean.txt"
assert_rc 2 "an unknown option exits 2"
assert_err_has "--no-such-flag" "the unknown option is named"
assert_out_empty "an unknown option scans nothing"

run scan --max-filesize 12Q "$T/clean.txt"
assert_rc 2 "a bad size exits 2"
assert_err_has "--max-filesize" "a bad size names the flag"

run scan --max-files -1 "$T/clean.txt"
assert_rc 2 "a negative count exits 2"

run scan --max-recursion 0 "$T/clean.txt"
assert_rc 2 "a limit refused by vg_limits_validate exits 2"
assert_err_has "--max-recursion" "the refused limit names its flag"

run scan --threads 0 "$T/clean.txt"
assert_rc 2 "--threads 0 exits 2"

run scan --exclude '(' "$T/clean.txt"
assert_rc 2 "a bad regex exits 2"

run scan -d
assert_rc 2 "-d without a value exits 2"

run scan --no-summary --max-filesize 25M --max-scansize 1G --max-files 100 --max-depth 5 \
    --max-ratio 50 --max-scantime 0 "$T/clean.txt"
assert_rc 0 "good limit values are accepted"

mkdir "$T/cwd"
cp "$T/eicar.com" "$T/cwd/here.com"
pushd "$T/cwd" >/dev/null || exit 2
run scan --no-summary
popd >/dev/null || exit 2
assert_rc 1 "no PATH scans the current directory, like clamscan"
assert_out_line "./here.com: Eicar-Test-Signature FOUND" "as ./NAME"

run scan --verbose=3 "$T/clean.txt"
assert_rc 2 "a value given to a flag that takes none exits 2"
assert_err_has "'--verbose' takes no value" "and says so"

# --- odd names ------------------------------------------------------------
nl_name="$T/two"$'\n'"lines: OK"
cp "$T/eicar.com" "$nl_name"
run scan --no-summary "$nl_name"
assert_rc 1 "a file name with a newline is scanned"
assert_count 1 'FOUND$' "its result is one line"
assert_out_has '\x0a' "the newline is escaped"

cp "$T/eicar.com" "$T/-dash.com"
pushd "$T" >/dev/null || exit 2
run scan --no-summary -- -dash.com
popd >/dev/null || exit 2
assert_rc 1 "a path after -- is scanned, even if it begins with a dash"
assert_out_line "-dash.com: Eicar-Test-Signature FOUND" "and printed as given"

finish
