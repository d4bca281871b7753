#!/usr/bin/env bash
# vigil submit / vigil scan --submit / vigil audit against a real vigil-server
# on loopback (issue 6, P1-P4 of DESIGN.md):
#   - a zip holding a flagged executable and a marked document: only the
#     executable arrives (the member's bytes, never the zip);
#   - safe never uploads a .docx, even when a signature matches it;
#   - ask: the owner answers yes on a terminal (a pty), and a marked file is
#     still blocked while the unmarked one is sent;
#   - hashes: no content byte reaches the server (no sample, no intake);
#   - ledger before send: a proxy in front of the server checks, on each
#     POST /v1/samples, that the client's ledger already holds the upload;
#   - a tampered ledger fails `vigil audit --verify` at the right entry;
#   - server down: queued; server up and --flush: sent once;
#   - P5: a plain signature file triggers nothing without --unsigned-triggers
#     (the other cases pass it); a bundle installed by `vigil update` (real
#     sigtool, real vigil-server publish/export) uploads for its trigger and
#     never for its detect-only signature.
# Needs VIGIL_SERVER, the real vigil-server binary (ctest sets it).
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

# ---- servers ----

# wait_port FILE: until a helper wrote its port.
wait_port() {
    for _ in $(seq 1 200); do
        [ -s "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

# wait_health URL
wait_health() {
    "$PYTHON" - "$1" <<'PY'
import sys, time, urllib.request
for _ in range(400):
    try:
        with urllib.request.urlopen(sys.argv[1] + "/v1/health", timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        time.sleep(0.05)
sys.exit(1)
PY
}

# start_server NAME [PORT]: starts a fresh server; sets URL, SUB_TOKEN, ANA_TOKEN.
start_server() {
    local dir=$T/srv-$1 port=${2:-}
    mkdir -p "$dir"
    [ -z "$port" ] && port=$("$PYTHON" "$HELPER" free-port)
    SUB_TOKEN=$("$VIGIL_SERVER" token add client --role submitter --data "$dir" 2>>"$dir/log" |
        awk 'NF {t = $NF} END {print t}')
    ANA_TOKEN=$("$VIGIL_SERVER" token add analyst --role analyst --data "$dir" 2>>"$dir/log" |
        awk 'NF {t = $NF} END {print t}')
    "$VIGIL_SERVER" serve --data "$dir" --listen "127.0.0.1:$port" 2>>"$dir/log" &
    PIDS+=($!)
    URL=http://127.0.0.1:$port
    wait_health "$URL"
}

# start_proxy NAME LEDGER: a recording proxy in front of $URL; sets PROXY, RECORD.
start_proxy() {
    local dir=$T/proxy-$1
    mkdir -p "$dir"
    RECORD=$dir/record.jsonl
    : >"$RECORD"
    "$PYTHON" "$HELPER" proxy --upstream "$URL" --ledger "$2" --record "$RECORD" \
        --port-file "$dir/port" 2>"$dir/log" &
    PIDS+=($!)
    wait_port "$dir/port" || return 1
    PROXY=http://127.0.0.1:$(cat "$dir/port")
}

# api PATH TOKEN EXPR: GET $URL/PATH and print EXPR over the JSON answer `j`.
api() {
    "$PYTHON" - "$URL$1" "$2" "$3" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
with urllib.request.urlopen(req, timeout=10) as r:
    j = json.load(r)
print(eval(sys.argv[3]))
PY
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- inputs ----
F=$T/files
mkdir -p "$F"
"$PYTHON" - "$F" <<'PY'
import struct, sys, zipfile, os
d = sys.argv[1]
def pe(marker):
    # A minimal PE header: "MZ", e_lfanew at 0x3c pointing to "PE\0\0".
    b = bytearray(b"MZ" + b"\0" * 0x3a + struct.pack("<I", 0x80) + b"\0" * 0x40)
    b += b"PE\0\0" + b"\x4c\x01" + b"\0" * 200 + marker + bytes(range(256))
    return bytes(b)
open(f"{d}/setup.exe", "wb").write(pe(b"VIGIL-SUBMIT-TEST-PAYLOAD-EXE"))
open(f"{d}/other.exe", "wb").write(pe(b"VIGIL-SUBMIT-TEST-PAYLOAD-EXE" + b"-other"))
marked = ("TOP SECRET//SI//NOFORN\n\n"
          "(TS//SI//NF) The first paragraph of the plan, VIGIL-SUBMIT-TEST-DOC-MARKER.\n\n"
          "(TS//SI//NF) The second paragraph of the plan.\n\n"
          "TOP SECRET//SI//NOFORN\n")
open(f"{d}/plan.txt", "w").write(marked)
with zipfile.ZipFile(f"{d}/a.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.write(f"{d}/setup.exe", "tools/setup.exe")
    z.write(f"{d}/plan.txt", "docs/plan.txt")
# A .docx with no markings at all, matched by a body signature inside it.
with zipfile.ZipFile(f"{d}/report.docx", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
    z.writestr("word/document.xml", '<?xml version="1.0"?><w:document><w:body><w:p><w:r><w:t>Quarterly numbers VIGIL-SUBMIT-TEST-DOCX-MARKER</w:t></w:r></w:p></w:body></w:document>')
open(f"{d}/sigs.ndb", "w").write(
    "Test.Submit.Exe:0:*:%s\nTest.Submit.Doc:0:*:%s\nTest.Submit.Docx:0:*:%s\n" % (
        b"VIGIL-SUBMIT-TEST-PAYLOAD-EXE".hex(), b"VIGIL-SUBMIT-TEST-DOC-MARKER".hex(),
        b"VIGIL-SUBMIT-TEST-DOCX-MARKER".hex()))
PY
# The whole .docx matched by its hash, too.
echo "$(sha "$F/report.docx"):$(stat -c %s "$F/report.docx"):Test.Submit.DocxFile" >"$F/docx.hsb"
EXE_SHA=$(sha "$F/setup.exe")
DOC_SHA=$(sha "$F/plan.txt")
ZIP_SHA=$(sha "$F/a.zip")
# Plain signature files are not a verified bundle: without this flag they
# may only detect (P5, section 9).
SIGS=(--no-builtin -d "$F/sigs.ndb" --unsigned-triggers)

# ---- 1. the zip: only the executable member leaves, after its ledger entry ----
export VIGIL_DATA=$T/data1
start_server one
start_proxy one "$VIGIL_DATA/ledger"
run submit "${SIGS[@]}" --server "$PROXY" --token "$SUB_TOKEN" --consent safe "$F/a.zip"
assert_rc 1 "submit exits 1 when something is flagged"
assert_out_has "a.zip > tools/setup.exe: sent (pe, " "the executable member is sent"
assert_out_has "a.zip > docs/plan.txt: NOT SENT: classified (us-banner" \
    "the marked document is blocked by the local guard, with the rule"
assert_eq "$(api /v1/samples "$ANA_TOKEN" 'len(j["samples"])')" 1 "the server holds one sample"
assert_eq "$(api /v1/samples "$ANA_TOKEN" 'j["samples"][0]["sha256"]')" "$EXE_SHA" \
    "its SHA-256 is the member's, not the zip's"
assert_eq "$("$PYTHON" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if "in_ledger" in l]
print(len(rows), all(r["in_ledger"] for r in rows), [r["body_sha256"] for r in rows])
' "$RECORD")" "1 True ['$EXE_SHA']" "the upload was in the ledger before the server received it"
if grep -q -e "$ZIP_SHA" -e "$DOC_SHA" "$RECORD"; then
    fail "neither the zip nor the marked document is named to the server"
else
    pass "neither the zip nor the marked document is named to the server"
fi
run audit --verify
assert_rc 0 "the ledger verifies"
assert_out_line "ledger OK: 3 entries" "hashes + upload for the exe, blocked for the document"
run audit
assert_out_has "blocked" "audit lists the blocked document"
assert_out_has "a.zip > docs/plan.txt" "with its inner path"
run submit "${SIGS[@]}" --server "$PROXY" --token "$SUB_TOKEN" --consent safe "$F/a.zip"
assert_out_has "a.zip > tools/setup.exe: already sent to this server before" \
    "a second run does not send it again"
assert_eq "$(grep -c '"in_ledger"' "$RECORD")" 1 "still one upload request in all"

# ---- 2. a tampered ledger is caught at the right entry ----
cp "$VIGIL_DATA/ledger" "$T/ledger.saved"
"$PYTHON" - "$VIGIL_DATA/ledger" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().splitlines(True)
lines[1] = lines[1].replace('"consent":"safe"', '"consent":"ask"')
open(p, "w").write("".join(lines))
PY
run audit --verify
assert_rc 1 "an edited ledger fails --verify"
assert_out_has "ledger BROKEN at entry 2 (line 2)" "and names entry 2, the edited one"
"$PYTHON" - "$T/ledger.saved" "$VIGIL_DATA/ledger" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines(True)
lines[0], lines[1] = lines[1], lines[0]
open(sys.argv[2], "w").write("".join(lines))
PY
run audit --verify
assert_rc 1 "a reordered ledger fails --verify"
assert_out_has "ledger BROKEN at entry 1 (line 1)" "at the first swapped line"
head -n 2 "$T/ledger.saved" >"$VIGIL_DATA/ledger"
run audit --verify
assert_rc 1 "a ledger cut at the end fails --verify"
assert_out_has "ledger BROKEN at entry 3" "at the first missing entry"
run submit "${SIGS[@]}" --server "$PROXY" --token "$SUB_TOKEN" --consent safe "$F/other.exe"
assert_out_has "NOT SENT: the ledger" "nothing is sent while the ledger does not verify"
assert_eq "$(grep -c '"in_ledger"' "$RECORD")" 1 "no upload reached the server"
run audit --json
assert_json_lines "audit --json writes JSON lines"
cleanup_servers

# ---- 3. safe never uploads a .docx, even when signatures match it ----
export VIGIL_DATA=$T/data3
start_server docx
run submit --no-builtin -d "$F/sigs.ndb" -d "$F/docx.hsb" --unsigned-triggers --server "$URL" \
    --token "$SUB_TOKEN" --consent safe "$F/report.docx"
assert_rc 1 "the docx is flagged"
assert_out_has "report.docx: Test.Submit.DocxFile FOUND" "by its hash"
assert_out_has "report.docx > word/document.xml: Test.Submit.Docx FOUND" "and inside"
assert_out_has "report.docx: hashes only" "the docx itself is only looked up"
assert_out_has "a ooxml is not uploaded at level safe" "because it is a document"
assert_out_lacks ": sent (" "nothing is uploaded"
assert_eq "$(api /v1/samples "$ANA_TOKEN" 'len(j["samples"])')" 0 "the server holds no sample"
cleanup_servers

# ---- 3b. safe judges scripts by content, not by name ----
export VIGIL_DATA=$T/data3b
start_server names
mkdir -p "$F/names"
printf '%s\n' '$env:PATH | Write-Host' 'Invoke-Expression (New-Object Net.WebClient).DownloadString("x")' \
    '# VIGIL-SUBMIT-TEST-DOC-MARKER' >"$F/names/readme.txt"
printf '%s\n' 'Dear team, the minutes of the meeting are attached.' \
    'VIGIL-SUBMIT-TEST-DOC-MARKER' >"$F/names/invoice.ps1"
run submit "${SIGS[@]}" --server "$URL" --token "$SUB_TOKEN" --consent safe "$F/names"
assert_out_has "names/readme.txt: sent (powershell, " "a PowerShell script named .txt is sent"
assert_out_has "names/invoice.ps1: hashes only" "a letter named .ps1 is not"
assert_eq "$(api /v1/samples "$ANA_TOKEN" 'len(j["samples"])')" 1 "one sample on the server"
cleanup_servers

# ---- 4. ask: the owner says yes, the marked file is still blocked ----
export VIGIL_DATA=$T/data4
start_server ask
mkdir -p "$F/ask"
cp "$F/plan.txt" "$F/setup.exe" "$F/ask/"
LAST_CMD="pty-answer y -- vigil submit --consent ask $F/ask"
timeout "$RUN_TIMEOUT" "$PYTHON" "$HELPER" pty-answer y -- "$VIGIL" submit "${SIGS[@]}" \
    --server "$URL" --token "$SUB_TOKEN" --consent ask "$F/ask" >"$OUT" 2>"$ERR"
RC=$?
assert_rc 1 "submit --consent ask on a terminal"
assert_out_has "ask/plan.txt: NOT SENT: classified (us-banner" "the marked file is blocked"
assert_out_has "ask/setup.exe: sent (pe, " "the owner's yes sends the unmarked executable"
assert_eq "$(grep -c '\[y/N\]' "$ERR")" 1 "the owner was asked once: never for the marked file"
assert_eq "$(api /v1/samples "$ANA_TOKEN" '[s["sha256"] for s in j["samples"]]')" \
    "['$EXE_SHA']" "only the executable is on the server"
run submit "${SIGS[@]}" --server "$URL" --token "$SUB_TOKEN" --consent ask "$F/other.exe"
assert_out_has "other.exe: NOT SENT: not consented (the owner said no)" "no terminal means no"
cleanup_servers

# ---- 5. hashes: no content byte reaches the server ----
export VIGIL_DATA=$T/data5
start_server hashes
start_proxy hashes "$VIGIL_DATA/ledger"
run submit "${SIGS[@]}" --server "$PROXY" --token "$SUB_TOKEN" "$F/a.zip" "$F/setup.exe"
assert_rc 1 "submit at the default level"
assert_out_has "a.zip > tools/setup.exe: hashes only" "the executable: only its hash"
assert_out_has "a.zip > docs/plan.txt: NOT SENT: classified" "the marked document: not even that"
assert_eq "$("$PYTHON" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(sorted(set((r["method"], r["path"]) for r in rows)), max(r["length"] for r in rows))
' "$RECORD")" "[('POST', '/v1/lookup')] 79" "only lookups, each a 79-byte JSON body"
assert_eq "$(api /v1/samples "$ANA_TOKEN" 'len(j["samples"])')" 0 "the server holds no sample"
assert_eq "$(api /v1/audit "$ANA_TOKEN" 'sum(e["kind"] in ("intake", "tombstone") for e in j["entries"])')" \
    0 "its audit log shows no intake"
cleanup_servers

# ---- 6. consent off: no network at all ----
export VIGIL_DATA=$T/data6
start_server off
start_proxy off "$VIGIL_DATA/ledger"
run submit "${SIGS[@]}" --server "$PROXY" --token "$SUB_TOKEN" --consent off "$F/a.zip"
assert_out_has "a.zip > tools/setup.exe: NOT SENT: not consented (consent off)" "off sends nothing"
assert_eq "$(wc -l <"$RECORD")" 0 "not one request was made"
run audit
assert_out_has "consent off" "the decision is in the ledger"
cleanup_servers

# ---- 7. server down: queued; server up + --flush: sent once ----
export VIGIL_DATA=$T/data7
PORT=$("$PYTHON" "$HELPER" free-port)
run submit "${SIGS[@]}" --server "http://127.0.0.1:$PORT" --token x --consent safe "$F/a.zip"
assert_rc 1 "submit with the server down still reports the detection"
assert_out_has "a.zip > tools/setup.exe: queued (upload" "the executable is queued"
q=$(find "$VIGIL_DATA/submit-queue" -name '*.q' | wc -l)
assert_eq "$q" 1 "one queue file"
assert_eq "$(stat -c %a "$(find "$VIGIL_DATA/submit-queue" -name '*.q')")" 600 "mode 0600"
run submit "${SIGS[@]}" --server "http://127.0.0.1:$PORT" --token x --consent safe "$F/a.zip"
assert_out_has "already queued for this server" "a second run does not queue it twice"
start_server late "$PORT"
run submit --server "$URL" --token "$SUB_TOKEN" --consent safe --flush "${SIGS[@]}"
assert_rc 0 "flush with nothing new to scan"
assert_out_has "a.zip > tools/setup.exe: sent (pe, " "the queued executable is sent"
assert_eq "$(find "$VIGIL_DATA/submit-queue" -name '*.q' | wc -l)" 0 "and leaves the queue"
run submit --server "$URL" --token "$SUB_TOKEN" --consent safe --flush "${SIGS[@]}"
assert_out_lacks "sent (" "a second flush sends nothing"
run submit "${SIGS[@]}" --server "$URL" --token "$SUB_TOKEN" --consent safe "$F/a.zip"
assert_out_has "already sent to this server before" "nor does a new scan of the same zip"
assert_eq "$(api /v1/samples "$ANA_TOKEN" '[s["sha256"] for s in j["samples"]]')" \
    "['$EXE_SHA']" "the server holds it once"
run audit --verify
assert_rc 0 "the ledger verifies after queue and retry"
cleanup_servers

# ---- 8. vigil scan --submit ----
export VIGIL_DATA=$T/data8
start_server scan
run scan --no-summary "${SIGS[@]}" --submit --server "$URL" --token "$SUB_TOKEN" \
    --consent safe "$F/a.zip"
assert_rc 1 "scan --submit exits as scan"
assert_out_has "a.zip: Test.Submit" "the scan's own FOUND line"
assert_out_has "a.zip > tools/setup.exe: sent (pe, " "then the member is sent"
assert_out_has "a.zip > docs/plan.txt: NOT SENT: classified" "and the marked one is not"
assert_eq "$(api /v1/samples "$ANA_TOKEN" '[s["sha256"] for s in j["samples"]]')" \
    "['$EXE_SHA']" "the server holds the member only"
cleanup_servers

# ---- 9. P5: only the upload triggers of a bundle vigil update installed ----
export VIGIL_DATA=$T/data9
start_server p5
run submit --no-builtin -d "$F/sigs.ndb" --server "$URL" --token "$SUB_TOKEN" --consent safe \
    "$F/setup.exe"
assert_rc 1 "P5: a plain signature file still detects"
assert_out_has "setup.exe: NOT SENT: signature Test.Submit.Exe may only detect (P5)" \
    "P5: but without --unsigned-triggers it triggers nothing"
run submit --no-builtin -d "$F/sigs.ndb" --unsigned-triggers --server "$URL" \
    --token "$SUB_TOKEN" --consent off "$F/setup.exe"
assert_err_has "--unsigned-triggers: every loaded signature may trigger" \
    "P5: --unsigned-triggers warns"
run audit
assert_out_has "may only detect (P5)" "P5: the decision is in the ledger as blocked"
cleanup_servers

# A bundle: the exe rule (a trigger) and a hash signature of other.exe
# (hash signatures are detect-only unless the vendor says otherwise).
B=$T/bundle9
mkdir -p "$B/src" "$B/srv" "$VIGIL_DATA/keys"
printf 'Test.Submit.Exe:0:*:%s\n' "$(printf 'VIGIL-SUBMIT-TEST-PAYLOAD-EXE' | od -An -tx1 | tr -d ' \n')" \
    >"$B/src/main.ndb"
echo "$(sha "$F/other.exe"):$(stat -c %s "$F/other.exe"):Test.Submit.OtherHash" >"$B/src/main.hsb"
if "$VIGIL" sigtool keygen --out "$B/vendor" >"$B/log" 2>&1 &&
    "$VIGIL" sigtool build --version 1 --key "$B/vendor.sec" -o "$B/b1.vgb" "$B/src/main.ndb" \
        "$B/src/main.hsb" >>"$B/log" 2>&1 &&
    "$VIGIL_SERVER" publish "$B/b1.vgb" --data "$B/srv" --bundle-pubkey "$B/vendor.pub" \
        >>"$B/log" 2>&1 &&
    "$VIGIL_SERVER" log pubkey --data "$B/srv" >"$VIGIL_DATA/keys/log.pub" 2>>"$B/log" &&
    "$VIGIL_SERVER" log export "$B/mirror" --data "$B/srv" >>"$B/log" 2>&1; then
    cp "$B/vendor.pub" "$VIGIL_DATA/keys/vendor.pub"
    run update --mirror "$B/mirror"
    assert_rc 0 "P5: vigil update installs the bundle"
    DB9=$VIGIL_DATA/db/current
    start_server p5b
    run submit --no-builtin -d "$DB9" --server "$URL" --token "$SUB_TOKEN" --consent safe \
        "$F/other.exe"
    assert_out_has "other.exe: Test.Submit.OtherHash FOUND" "P5: the detect-only signature detects"
    assert_out_has "other.exe: NOT SENT: signature Test.Submit.OtherHash may only detect (P5)" \
        "P5: but never uploads (not even a lookup)"
    assert_eq "$(api /v1/samples "$ANA_TOKEN" 'len(j["samples"])')" 0 "P5: the server holds nothing"
    run submit --no-builtin -d "$DB9" --server "$URL" --token "$SUB_TOKEN" --consent safe \
        "$F/setup.exe"
    assert_out_has "setup.exe: sent (pe, " "P5: the bundle's upload trigger does upload"
    assert_eq "$(api /v1/samples "$ANA_TOKEN" '[s["sha256"] for s in j["samples"]]')" \
        "['$EXE_SHA']" "P5: the server holds only the trigger's object"
    # The same files copied out of the bundle directory are plain files again.
    mkdir -p "$T/copy9"
    cp "$DB9"/main.* "$T/copy9/"
    run submit --no-builtin -d "$T/copy9" --server "$URL" --token "$SUB_TOKEN" --consent safe \
        "$F/a.zip"
    assert_out_has "NOT SENT: signature Test.Submit.Exe may only detect (P5)" \
        "P5: the bundle's files outside the verified install trigger nothing"

    # A vendor that lists a rule lint refuses (it begins with the PDF magic)
    # as a trigger anyway: the manifest edited by hand, then properly signed
    # and logged. The client's own lint demotes it.
    printf 'Test.Submit.PdfMagic:0:0:%s\n' \
        "$(printf '%%PDF-1.4 VIGIL-P5-LINT' | od -An -tx1 | tr -d ' \n')" >"$B/src/pdf.ndb"
    printf '%%PDF-1.4 VIGIL-P5-LINT and a body\n' >"$F/lint.pdf"
    if "$VIGIL" sigtool build --version 2 -o "$B/u2.vgb" "$B/src/main.ndb" "$B/src/pdf.ndb" \
        >>"$B/log" 2>&1 &&
        "$PYTHON" - "$B/u2.vgb" <<'PY' &&
import json, struct, sys
p = sys.argv[1]
b = open(p, "rb").read()
n = struct.unpack(">I", b[12:16])[0]
m = json.loads(b[16:16 + n])
m["upload_triggers"] = sorted(m["upload_triggers"] + ["Test.Submit.PdfMagic"])
for f in m["files"]:
    if f["name"] == "pdf.ndb":
        f["upload_triggers"] = 1
t = json.dumps(m, separators=(",", ":"), sort_keys=True).encode()
open(p, "wb").write(b[:12] + struct.pack(">I", len(t)) + t + b[16 + n:])
PY
        "$VIGIL" sigtool sign --key "$B/vendor.sec" "$B/u2.vgb" -o "$B/b2.vgb" >>"$B/log" 2>&1 &&
        "$VIGIL_SERVER" publish "$B/b2.vgb" --data "$B/srv" --bundle-pubkey "$B/vendor.pub" \
            >>"$B/log" 2>&1 &&
        "$VIGIL_SERVER" log export "$B/mirror2" --data "$B/srv" >>"$B/log" 2>&1; then
        run update --mirror "$B/mirror2"
        assert_rc 0 "P5: the doctored, signed, logged v2 installs"
        assert_out_has "this client's lint refuses 1 of the bundle's upload triggers" \
            "P5: vigil update says the client's lint demotes one trigger"
        run submit --no-builtin -d "$DB9" --server "$URL" --token "$SUB_TOKEN" --consent safe \
            "$F/lint.pdf"
        assert_out_has "lint.pdf: Test.Submit.PdfMagic FOUND" "P5: the PDF-magic rule detects"
        assert_err_has "this client's lint refuses 1 of the bundle's upload triggers" \
            "P5: the client's lint names the trigger it refuses"
        assert_out_has "lint.pdf: NOT SENT: signature Test.Submit.PdfMagic may only detect (P5)" \
            "P5: a trigger the client's lint refuses only detects"
    else
        fail "P5: a doctored bundle" "$(head -c 2000 "$B/log")"
    fi
    cleanup_servers
else
    fail "P5: building and publishing a bundle" "$(head -c 2000 "$B/log")"
fi

finish
