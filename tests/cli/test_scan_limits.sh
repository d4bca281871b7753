#!/usr/bin/env bash
# vigil scan: limits give an INCOMPLETE verdict, never a silent OK.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

make_eicar "$T/eicar.com"
for i in 1 2 3 4 5; do echo "member $i" >"$T/m$i.txt"; done
make_zip "$T/many.zip" "m1.txt=$T/m1.txt" "m2.txt=$T/m2.txt" "m3.txt=$T/m3.txt" \
    "m4.txt=$T/m4.txt" "m5.txt=$T/m5.txt"
make_zip "$T/l1.zip" "eicar.com=$T/eicar.com"
make_zip "$T/l2.zip" "l1.zip=$T/l1.zip"
make_zip "$T/l3.zip" "l2.zip=$T/l2.zip"

run scan --no-summary "$T/many.zip"
assert_rc 0 "a small zip within limits is clean"
assert_out_line "$T/many.zip: OK" "and printed OK"

run scan --no-summary --max-files 2 "$T/many.zip"
assert_rc 0 "a limit alone does not change the exit code"
assert_out_line "$T/many.zip: limit:files INCOMPLETE" "--max-files gives limit:files INCOMPLETE"
run scan --max-files 2 "$T/many.zip"
assert_out_line "Incomplete files: 1" "the summary counts incomplete files"

run scan --no-summary -v --max-files 2 "$T/many.zip"
assert_out_has "$T/many.zip: limit:files" "-v explains the limit"

run scan --no-summary -i --max-files 2 "$T/many.zip"
assert_out_empty "-i prints only FOUND lines"

run scan --json --no-summary --max-files 2 "$T/many.zip"
assert_eq "$(json_query 'rows[0]["verdict"]')" "incomplete" "JSON verdict incomplete"
assert_eq "$(json_query 'rows[0]["limits"][0]["limit"]')" "files" "JSON names the limit"
assert_eq "$(json_query 'rows[0]["limits"][0]["chain"][0]')" "$T/many.zip" "JSON limit chain"

run scan --no-summary --alert-exceeds-max --max-files 2 "$T/many.zip"
assert_rc 1 "--alert-exceeds-max turns a limit into a detection"
assert_out_line "$T/many.zip: Heuristics.Limits.Exceeded.MaxFiles FOUND" \
    "named like clamscan's heuristic"

run scan --no-summary "$T/l3.zip"
assert_rc 1 "EICAR three zips deep is found with default limits"

run scan --no-summary --max-recursion 1 "$T/l3.zip"
assert_out_line "$T/l3.zip: limit:depth INCOMPLETE" "--max-recursion gives limit:depth INCOMPLETE"
assert_rc 0 "a depth limit alone exits 0"

run scan --no-summary --max-depth 1 "$T/l3.zip"
assert_out_line "$T/l3.zip: limit:depth INCOMPLETE" "--max-depth is an alias"

run scan --no-summary --alert-exceeds-max --max-recursion 1 "$T/l3.zip"
assert_out_line "$T/l3.zip: Heuristics.Limits.Exceeded.MaxRecursion FOUND" \
    "--alert-exceeds-max names MaxRecursion"

head -c 300000 /dev/zero >"$T/big.bin"
run scan --no-summary --max-filesize 100K "$T/big.bin"
assert_out_line "$T/big.bin: limit:filesize INCOMPLETE" "--max-filesize with a K suffix"

head -c 200000 /dev/urandom >"$T/r1.bin"
head -c 200000 /dev/urandom >"$T/r2.bin"
make_zip "$T/two.zip" "r1.bin=$T/r1.bin" "r2.bin=$T/r2.bin"
run scan --no-summary --max-scansize 300K "$T/two.zip"
assert_out_line "$T/two.zip: limit:scansize INCOMPLETE" "--max-scansize gives limit:scansize"
run scan --no-summary --alert-exceeds-max --max-scansize 300K "$T/two.zip"
assert_out_line "$T/two.zip: Heuristics.Limits.Exceeded.MaxScanSize FOUND" \
    "--alert-exceeds-max names MaxScanSize"

finish
