#!/usr/bin/env bash
# vigil markings: classification markings in files, trees, archives,
# documents (docx, odt, PDF, RTF, HTML), mail and standard input; unmarked
# source code and prose about secrets stay "not classified".
#
# Marked inputs use what any detector honouring include/vigil/markings.h
# flags: banner lines with "//" as the first and last line, portion marks at
# paragraph starts.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

BANNER='TOP SECRET//SI//NOFORN'
mkdir -p "$T/in" "$T/src/lib" "$T/out"

# ---- inputs ----

cat >"$T/in/memo.txt" <<TXT
$BANNER

(TS//SI//NF) The collection plan for the next quarter is set out below.

(TS//SI//NF) Sources and methods are listed in annex B and must not be
shared outside the programme.

$BANNER
TXT

# The same memo in UTF-16LE with a byte-order mark.
"$PYTHON" -c '
import sys
t = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "wb").write(b"\xff\xfe" + t.encode("utf-16-le"))
' "$T/in/memo.txt" "$T/in/memo16.txt"

cat >"$T/src/main.c" <<'C'
#include <stdio.h>
#include "lib/util.h"

/* Reads the API secret from the environment and prints a greeting. */
int main(void)
{
    const char *secret = getenv("API_SECRET");
    printf("hello %s\n", secret ? "with key" : "without key");
    return util_run();
}
C
cat >"$T/src/lib/util.h" <<'C'
#ifndef UTIL_H
#define UTIL_H
int util_run(void);
#endif
C
cat >"$T/src/lib/tool.py" <<'PY'
"""Small helper that rotates the deploy secret once a day."""
import os

def rotate(path):
    with open(path, "w") as f:
        f.write(os.urandom(16).hex())
PY

cat >"$T/out/news.txt" <<'TXT'
Classified files found in storage unit, officials say

WASHINGTON - Investigators said on Tuesday that boxes of classified
documents, some of them marked top secret, had been kept for years in a
rented storage unit. Officials declined to describe what the papers
contained, saying only that secret material of this kind is normally
kept in a secure facility.

"The handling of classified information is a serious matter," a
spokesman said. The company's confidential internal review is expected
next month.
TXT

# A zip holding the memo among source files.
make_zip "$T/in/bundle.zip" "src/main.c=$T/src/main.c" "docs/memo.txt=$T/in/memo.txt" \
    "src/lib/tool.py=$T/src/lib/tool.py"
make_zip "$T/out/code.zip" "src/main.c=$T/src/main.c" "src/lib/util.h=$T/src/lib/util.h"

# docx, odt, PDF, mail, RTF, HTML.
"$PYTHON" - "$T" "$BANNER" <<'PY'
import base64, sys, zipfile, zlib
t, banner = sys.argv[1], sys.argv[2]
paras = [banner,
         "(TS//SI//NF) The collection plan for the next quarter is set out below.",
         "(TS//SI//NF) Sources and methods are listed in annex B.",
         banner]

def docx(path, paras):
    body = "".join("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % p for p in paras)
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body>%s</w:body></w:document>' % body)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Override PartName='
                   '"/word/document.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("word/document.xml", doc)

def odt(path, paras):
    body = "".join("<text:p>%s</text:p>" % p for p in paras)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
               '<office:body><office:text>%s</office:text></office:body>'
               '</office:document-content>' % body)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)

def pdf(path, paras):
    lines = ["BT", "/F1 12 Tf", "72 720 Td"]
    for p in paras:
        lines += ["(%s) Tj" % p.replace("(", "\\(").replace(")", "\\)"), "0 -16 Td"]
    lines.append("ET")
    stream = zlib.compress("\n".join(lines).encode() + b"\n")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream +
            b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    open(path, "wb").write(out)
    assert banner.encode() not in out  # only the decoded stream shows it

def eml(path, paras):
    att = base64.encodebytes(("\n\n".join(paras) + "\n").encode()).decode()
    msg = ("From: alice@example.com\nTo: bob@example.com\nSubject: notes\n"
           "Date: Tue, 1 Oct 2024 10:00:00 +0000\nMIME-Version: 1.0\n"
           'Content-Type: multipart/mixed; boundary="b1"\n\n'
           "--b1\nContent-Type: text/plain; charset=us-ascii\n\nSee the attachment.\n\n"
           '--b1\nContent-Type: text/plain; name="notes.txt"\n'
           'Content-Disposition: attachment; filename="notes.txt"\n'
           "Content-Transfer-Encoding: base64\n\n%s\n--b1--\n" % att)
    open(path, "w").write(msg)
    assert banner not in msg

def rtf(path, paras):
    body = "".join("\\pard %s\\par\n" % p for p in paras)
    open(path, "w").write("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\n\\f0\\fs24\n"
                          + body + "}\n")

def html(path, paras):
    body = "".join("<p>%s</p>\n" % p for p in paras)
    open(path, "w").write("<!DOCTYPE html>\n<html><head><title>Plan</title></head>\n<body>\n"
                          + body + "</body></html>\n")

docx(t + "/in/plan.docx", paras)
odt(t + "/in/plan.odt", paras)
pdf(t + "/in/plan.pdf", paras)
eml(t + "/in/mail.eml", paras)
rtf(t + "/in/plan.rtf", paras)
html(t + "/in/plan.html", paras)
# Unmarked documents of the same kinds.
plain = ["Quarterly report", "Revenue rose by four percent.", "The board meets in May."]
docx(t + "/out/report.docx", plain)
pdf(t + "/out/report.pdf", plain)
html(t + "/out/report.html", plain)
PY

# ---- marked files, one by one ----

check_classified() { # FILE DESC [MEMBER-CHAIN]
    run markings "$1"
    assert_rc 1 "$2: exit 1"
    assert_out_has "$1: CLASSIFIED (" "$2: CLASSIFIED line"
    if [ $# -gt 2 ]; then
        assert_out_has "in $3: " "$2: the member is named"
    fi
}

check_classified "$T/in/memo.txt" "plain text"
check_classified "$T/in/memo16.txt" "UTF-16LE text"
check_classified "$T/in/bundle.zip" "zip among source files" "docs/memo.txt"
check_classified "$T/in/plan.docx" "docx" "word/document.xml"
check_classified "$T/in/plan.odt" "odt" "content.xml"
check_classified "$T/in/plan.pdf" "PDF with a FlateDecode content stream"
check_classified "$T/in/mail.eml" "mail with a base64 attachment"
check_classified "$T/in/plan.rtf" "RTF"
check_classified "$T/in/plan.html" "HTML"

# The PDF's hit is in its decoded content stream, the mail's in the part.
run markings --json "$T/in/plan.pdf" "$T/in/mail.eml"
assert_eq "$(json_query 'sorted(len(r["hits"][0]["chain"]) for r in rows)')" "[2, 2]" \
    "PDF stream and mail part are members one level down"

# ---- unmarked ----

run markings "$T/src" "$T/out"
assert_rc 0 "source tree, news article, unmarked documents: exit 0"
assert_count 0 'CLASSIFIED' "nothing unmarked is called classified"
for f in src/main.c src/lib/util.h src/lib/tool.py out/news.txt out/code.zip out/report.docx \
    out/report.pdf out/report.html; do
    assert_out_line "$T/$f: not classified" "$f: not classified"
done

# ---- a tree: every file once, sorted walk, symlinks not followed ----

ln -s "$T/in/memo.txt" "$T/out/link.txt"
run markings -j 2 "$T/out"
assert_rc 0 "a link inside a tree to a marked file is not followed"
assert_out_lacks "link.txt" "the link is not judged"
rm "$T/out/link.txt"

run markings "$T/in" "$T/src"
assert_rc 1 "a tree with marked files: exit 1"
assert_count 9 ': CLASSIFIED \(' "every marked file in the tree is classified"
assert_count 3 ': not classified$' "the source files are not"

# ---- standard input ----

run_in "$T/in/memo.txt" markings -
assert_rc 1 "stdin: exit 1"
assert_out_has "stdin: CLASSIFIED (" "stdin is named stdin"
run_in "$T/out/news.txt" markings -
assert_rc 0 "stdin unmarked: exit 0"
assert_out_line "stdin: not classified" "stdin not classified"

# ---- errors and limits ----

run markings "$T/missing" "$T/src/main.c"
assert_rc 2 "an unreadable file and nothing classified: exit 2"
assert_err_has "$T/missing: ERROR " "the error goes to stderr as PATH: ERROR"
assert_out_line "$T/src/main.c: not classified" "the other file is still judged"
run markings "$T/missing" "$T/in/memo.txt"
assert_rc 1 "classified wins over an error: exit 1"

head -c 300000 /dev/zero | tr '\0' 'a' >"$T/big.txt"
run markings --max-filesize 1K "$T/big.txt"
assert_rc 0 "a limit alone: exit 0"
assert_out_line "$T/big.txt: not classified (incomplete: limit:filesize)" "the limit is named"

run markings --max-filesize 64 "$T/in/memo.txt"
assert_out_has "$T/in/memo.txt: CLASSIFIED (" "the prefix under max-filesize is still judged"

run markings
assert_rc 2 "no PATH: exit 2"
run markings --bogus "$T/in/memo.txt"
assert_rc 2 "unknown option: exit 2"
run markings --max-filesize 12X "$T/in/memo.txt"
assert_rc 2 "bad size: exit 2"
run markings --help
assert_rc 0 "--help: exit 0"
assert_out_has "Usage: vigil markings" "--help prints the usage"
assert_out_has "Exit status" "--help explains the exit status"
run help markings
assert_out_has "Usage: vigil markings" "vigil help markings"
run help
assert_out_has "markings" "vigil help lists the command"

# ---- JSON ----

run markings --json "$T/in/bundle.zip" "$T/in/plan.docx" "$T/src/main.c" "$T/missing"
assert_rc 1 "--json keeps the exit code"
assert_json_lines "every line is JSON"
assert_eq "$(json_query 'len(rows)')" "4" "one line per file"
q() { json_query "[r for r in rows if r['path'] == '$1'][0]$2"; }
assert_eq "$(q "$T/in/bundle.zip" '["classified"]')" "True" "zip: classified"
assert_eq "$(q "$T/in/bundle.zip" '["hits"][0]["chain"]')" "['$T/in/bundle.zip', 'docs/memo.txt']" \
    "zip: the chain names the member"
assert_eq "$(q "$T/in/plan.docx" '["hits"][0]["chain"][1:]')" "['word/document.xml']" \
    "docx: the chain names word/document.xml"
# zq EXPR: EXPR over h, the first hit of bundle.zip's record.
zq() { json_query "(lambda h: $1)([r for r in rows if r['path'] == '$T/in/bundle.zip'][0]['hits'][0])"; }
assert_eq "$(zq 'h["rule"] != "" and h["reason"] != ""')" "True" "zip: rule and reason"
assert_eq "$(zq 'len(h["evidence"]) > 0')" "True" "zip: evidence"
assert_eq "$(zq "h['evidence'][0]['offset'] < $(wc -c <"$T/in/memo.txt")")" "True" \
    "evidence: offset inside the member"
assert_eq "$(zq 'sorted(h["evidence"][0])')" "['kind', 'length', 'offset', 'text']" \
    "evidence: kind, offset, length, text"
assert_eq "$(q "$T/src/main.c" '["classified"]')" "False" "source: not classified"
assert_eq "$(q "$T/src/main.c" '["hits"]')" "[]" "source: no hits"
assert_eq "$(q "$T/missing" '["classified"]')" "False" "missing: not classified"
assert_eq "$(q "$T/missing" '["error"] != ""')" "True" "missing: the error is given"
assert_err_lacks "ERROR" "--json reports file errors in JSON only"

run markings --json --max-filesize 1K "$T/big.txt"
assert_eq "$(json_query 'rows[0]["incomplete"]')" "['limit:filesize']" "--json names the limit"
assert_eq "$(json_query 'rows[0]["errors"][0]["what"]')" "limit:filesize" "--json errors list"

finish
