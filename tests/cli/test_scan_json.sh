#!/usr/bin/env bash
# vigil scan --json: one JSON object per line per file, then a summary.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

make_eicar "$T/eicar.com"
echo "clean" >"$T/clean.txt"
mkdir "$T/in"
cp "$T/eicar.com" "$T/in/b.exe"
make_zip "$T/inner.zip" "docs/b.exe=$T/in/b.exe" "readme.txt=$T/clean.txt"
make_zip "$T/outer.zip" "inner.zip=$T/inner.zip"

run scan --json "$T/clean.txt" "$T/eicar.com" "$T/inner.zip" "$T/outer.zip" "$T/missing"
assert_rc 1 "--json keeps the exit code"
assert_json_lines "every line is JSON"
assert_eq "$(json_query 'len(rows)')" "6" "one line per file plus the summary"
assert_eq "$(json_query 'sorted(r["verdict"] for r in rows if "path" in r)')" \
    "['clean', 'error', 'infected', 'infected', 'infected']" "verdicts"

q() { json_query "[r for r in rows if r.get('path') == '$1'][0]$2"; }
assert_eq "$(q "$T/clean.txt" '["detections"]')" "[]" "clean: no detections"
assert_eq "$(q "$T/clean.txt" '["size"]')" "6" "clean: size"
assert_eq "$(q "$T/eicar.com" '["detections"][0]["signature"]')" "Eicar-Test-Signature" \
    "infected: signature"
assert_eq "$(q "$T/eicar.com" '["detections"][0]["kind"]')" "body" "infected: kind"
assert_eq "$(q "$T/eicar.com" '["detections"][0]["chain"]')" "['$T/eicar.com']" \
    "infected: chain of a top-level detection"
assert_eq "$(q "$T/inner.zip" '["detections"][0]["chain"]')" "['$T/inner.zip', 'docs/b.exe']" \
    "the chain names the member inside the zip"
assert_eq "$(q "$T/outer.zip" '["detections"][0]["chain"]')" \
    "['$T/outer.zip', 'inner.zip', 'docs/b.exe']" "the chain goes through nested zips"
assert_eq "$(q "$T/missing" '["errors"][0]["error"]')" "not-found" "error: code"
assert_eq "$(q "$T/missing" '["size"]')" "None" "error: size is null"
assert_eq "$(json_query 'rows[-1]["summary"]["scanned_files"]')" "4" "summary: scanned files"
assert_eq "$(json_query 'rows[-1]["summary"]["infected_files"]')" "3" "summary: infected files"
assert_eq "$(json_query 'rows[-1]["summary"]["errors"]')" "1" "summary: errors"
assert_err_lacks "ERROR" "--json reports file errors in JSON only"

if command -v jq >/dev/null 2>&1; then
    if jq -e . "$OUT" >/dev/null 2>&1; then pass "jq accepts the output"; else fail "jq accepts the output"; fi
fi

run scan --json --no-summary "$T/clean.txt"
assert_eq "$(json_query 'len(rows)')" "1" "--no-summary drops the summary line"

run scan --json --no-summary -i "$T/clean.txt" "$T/eicar.com" "$T/missing"
assert_eq "$(json_query 'sorted(r["verdict"] for r in rows)')" "['error', 'infected']" \
    "-i keeps infected and error records"
run scan --json --no-summary -o "$T/clean.txt" "$T/eicar.com"
assert_eq "$(json_query '[r["verdict"] for r in rows]')" "['infected']" "-o drops clean records"
run scan --json --quiet "$T/clean.txt" "$T/eicar.com" "$T/missing"
assert_eq "$(json_query '[r["verdict"] for r in rows]')" "['error']" \
    "--quiet keeps only error records, no summary"

run_in "$T/eicar.com" scan --json --no-summary -
assert_eq "$(json_query 'rows[0]["path"]')" "stdin" "stdin is named stdin"
assert_eq "$(json_query 'rows[0]["verdict"]')" "infected" "stdin verdict"

# A name that is not UTF-8 still gives valid JSON, and its exact bytes.
bad="$T/bad"$'\xff'".com"
cp "$T/eicar.com" "$bad"
run scan --json --no-summary "$bad"
assert_json_lines "a non-UTF-8 name gives valid JSON"
expect_hex=$(printf '%s' "$bad" | od -An -tx1 | tr -d ' \n')
assert_eq "$(json_query 'rows[0]["path_hex"]')" "$expect_hex" "path_hex holds the exact bytes"

# Two signatures in one file, --allmatch: both are listed.
printf 'ALPHA-MARKER...BETA-MARKER\n' >"$T/two.txt"
hexa=$(printf 'ALPHA-MARKER' | od -An -tx1 | tr -d ' \n')
hexb=$(printf 'BETA-MARKER' | od -An -tx1 | tr -d ' \n')
printf 'Test.Alpha:0:*:%s\nTest.Beta:0:*:%s\n' "$hexa" "$hexb" >"$T/two.ndb"
run scan --json --no-summary --allmatch -d "$T/two.ndb" "$T/two.txt"
assert_eq "$(json_query 'sorted(d["signature"] for d in rows[0]["detections"])')" \
    "['Test.Alpha', 'Test.Beta']" "--allmatch: both detections in JSON"
assert_eq "$(json_query '[d["offset"] for d in rows[0]["detections"] if d["signature"] == "Test.Alpha"]')" \
    "[0]" "body detection offset"

# Office Open XML and ODF documents are zips: the chain names the part.
echo '<Types/>' >"$T/ct.xml"
echo 'application/vnd.oasis.opendocument.text' >"$T/mimetype"
make_zip "$T/report.docx" "[Content_Types].xml=$T/ct.xml" "word/embeddings/oleObject1.bin=$T/in/b.exe"
make_zip "$T/report.odt" "mimetype=$T/mimetype" "Pictures/evil.exe=$T/in/b.exe"
run scan --json --no-summary "$T/report.docx" "$T/report.odt"
assert_rc 1 "OOXML and ODF documents with an embedded EICAR are found"
assert_eq "$(q "$T/report.docx" '["detections"][0]["chain"]')" \
    "['$T/report.docx', 'word/embeddings/oleObject1.bin']" "the chain names the OOXML part"
assert_eq "$(q "$T/report.odt" '["detections"][0]["chain"]')" \
    "['$T/report.odt', 'Pictures/evil.exe']" "the chain names the ODF part"

finish
