#!/usr/bin/env bash
# vigil sigtool end to end: keygen writes a 0600 secret and a public key;
# lint names every refused upload trigger with file:line and exits 1;
# build refuses an unparsable file with file:line, records triggers, and
# with --strict refuses to write; sign/verify accept the right key and
# refuse a wrong key, an unsigned bundle, a flipped byte (naming the file
# whose digest broke) and a truncated file; info and diff show versions,
# counts, triggers and the per-file changes.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2
printf '# body signatures\nWin.Trojan.A:1:*:4d5a90000300000004000000ffff\nDoc.Grab:0:*:544f50205345435245542f2f\nDoc.Ole:2:*:41414141\n' >daily.ndb
printf '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Hash\n' >daily.hdb

run sigtool keygen --out vendor
assert_rc 0 "keygen succeeds"
assert_eq "$(stat -c %a vendor.sec)" "600" "the secret key is mode 0600"
assert_eq "$(tr -d '\n' <vendor.pub | wc -c)" "64" "the public key is 64 hex digits"
assert_eq "$(tr -d '\n' <vendor.sec | wc -c)" "128" "the secret key is 128 hex digits"
run sigtool keygen --out vendor
assert_rc 2 "keygen does not overwrite a key"
run sigtool keygen --out other
assert_rc 0 "a second key pair"

run sigtool lint daily.ndb daily.hdb
assert_rc 1 "lint exits 1 when a signature is refused as a trigger"
assert_out_has "daily.ndb:3: Doc.Grab: refused as upload trigger: its text contains the classification marking \"TOP SECRET\" [marking-text]" "lint names the marking rule with file:line"
assert_out_has "daily.ndb:4: Doc.Ole: refused as upload trigger: target type 2" "lint names the document target with file:line"
assert_out_lacks "Win.Trojan.A" "the PE rule is not refused"
assert_out_has "lint: 4 signatures in 2 files: 1 may trigger uploads, 2 refused as triggers, 1 hash signatures detect-only" "lint summary"
printf 'Win.Trojan.A:1:*:4d5a90000300000004000000ffff\n' >clean.ndb
run sigtool lint clean.ndb
assert_rc 0 "lint exits 0 when nothing is refused"

printf 'Good:1:*:4d5a9000\n\nBad:1:*:4d5a9g00\n' >broken.ndb
run sigtool build --version 1 -o broken.vgb broken.ndb
assert_rc 2 "build refuses an unparsable signature file"
assert_err_has "broken.ndb:3:" "the error names file:line"
[ ! -e broken.vgb ] && pass "nothing written for a broken file" || fail "broken.vgb was written"

run sigtool build --strict --version 1 -o strict.vgb daily.ndb
assert_rc 1 "--strict makes a refusal fatal"
[ ! -e strict.vgb ] && pass "nothing written under --strict" || fail "strict.vgb was written"

run sigtool build --version 1 --created 1735787045 -o b1.vgb --key vendor.sec daily.ndb daily.hdb
assert_rc 0 "build with --key"
assert_out_has "daily.ndb:3: Doc.Grab: detect-only:" "build says which signatures are detect-only"
assert_out_has "b1.vgb: version 1, 2 files, 4 signatures, 1 upload triggers, 2 refused as triggers, 1 hash signatures detect-only; signed; sha256 " "build summary"

run sigtool verify --pubkey vendor.pub b1.vgb
assert_rc 0 "verify with the right key"
assert_out_has "b1.vgb: OK: version 1, 2 files, sha256 $(sha256sum b1.vgb | cut -d' ' -f1)" "verify prints the file's SHA-256"
run sigtool verify --pubkey other.pub b1.vgb
assert_rc 1 "verify with a wrong key"
assert_out_has "REFUSED: bad signature" "wrong key: bad signature"

run sigtool info b1.vgb
assert_rc 0 "info"
assert_out_line "version:   1" "info: version"
assert_out_line "created:   2025-01-02T03:04:05Z (1735787045)" "info: created"
assert_out_has "signed:    yes" "info: signed"
assert_out_line "files:     2, 4 signatures, 1 upload triggers" "info: counts"
assert_out_line "  Win.Trojan.A" "info: the trigger list"
assert_out_has "sha256:    $(sha256sum b1.vgb | cut -d' ' -f1)" "info: digest"
run sigtool info --json b1.vgb
assert_eq "$(json_query 'rows[0]["manifest"]["upload_triggers"]')" "['Win.Trojan.A']" "info --json: triggers"
assert_eq "$(json_query 'rows[0]["signed"]')" "True" "info --json: signed"

# One flipped byte in a signature file's contents: the digest names the file.
"$PYTHON" - b1.vgb flipped.vgb <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b"Win.Trojan.A:1")
b[i + 20] ^= 1
open(sys.argv[2], "wb").write(b)
PY
run sigtool verify --pubkey vendor.pub flipped.vgb
assert_rc 1 "a flipped byte in a file is refused"
assert_out_has "REFUSED: digest mismatch for file daily.ndb" "the broken file is named"
# A flipped byte in the signature.
"$PYTHON" -c 'import sys; b=bytearray(open("b1.vgb","rb").read()); b[-5]^=0x40; open("sigflip.vgb","wb").write(b)'
run sigtool verify --pubkey vendor.pub sigflip.vgb
assert_rc 1 "a flipped byte in the signature is refused"
assert_out_has "REFUSED: bad signature" "signature flip: bad signature"
head -c 100 b1.vgb >cut.vgb
run sigtool verify --pubkey vendor.pub cut.vgb
assert_rc 1 "a truncated bundle is refused"
assert_out_has "REFUSED: malformed at offset" "truncation: malformed at offset N"

# Unsigned, then signed in place.
printf 'Win.Trojan.A:1:*:4d5a90000300000004000000fffe\nWin.Trojan.B:1:*:e8000000005d\nDoc.Ole:2:*:41414141\n' >daily.ndb
printf '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Hash\n' >extra.hsb
run sigtool build --version 2 -o b2.vgb daily.ndb daily.hdb extra.hsb
assert_rc 0 "build unsigned"
run sigtool verify --pubkey vendor.pub b2.vgb
assert_rc 1 "an unsigned bundle is refused"
assert_out_has "REFUSED: not signed" "unsigned: says so"
run sigtool sign --key vendor.sec b2.vgb
assert_rc 0 "sign in place"
run sigtool verify --pubkey vendor.pub b2.vgb
assert_rc 0 "verifies after signing"
run sigtool sign --key other.sec b2.vgb -o b2-other.vgb
run sigtool verify --pubkey vendor.pub b2-other.vgb
assert_rc 1 "re-signed by another key: the first key refuses it"

run sigtool diff b1.vgb b2.vgb
assert_rc 1 "diff exits 1 when the bundles differ"
assert_out_line "version 1 -> 2" "diff: versions"
assert_out_line "~ daily.ndb: 1 added, 1 removed, 1 changed" "diff: per-file counts"
assert_out_line "  + Win.Trojan.B" "diff: added signature"
assert_out_line "  - Doc.Grab" "diff: removed signature"
assert_out_line "  ~ Win.Trojan.A" "diff: changed signature"
assert_out_line "+ extra.hsb: new file, 1 signatures" "diff: new file"
assert_out_line "upload triggers: 1 added, 0 removed" "diff: trigger changes"
run sigtool diff b1.vgb b1.vgb
assert_rc 0 "diff of a bundle with itself"
assert_out_has "no differences" "diff: no differences"
run sigtool diff b1.vgb cut.vgb
assert_rc 2 "diff of an unreadable bundle is an error"

mkdir sigs && cp daily.ndb daily.hdb sigs/ && echo "not a signature file" >sigs/README
run sigtool build --version 3 -o dir.vgb --hash-triggers sigs
assert_rc 0 "build from a directory with --hash-triggers"
run sigtool info dir.vgb
assert_out_line "  Eicar-Hash" "--hash-triggers makes the hash a trigger"
assert_out_line "files:     2, 4 signatures, 3 upload triggers" "a directory gives its signature files only"

run sigtool frobnicate
assert_rc 2 "unknown subcommand"
run help sigtool
assert_rc 0 "vigil help sigtool"
assert_out_has "build --version N -o OUT.vgb" "help names build"

finish
