#!/usr/bin/env python3
"""Seed corpora for fmt_rtf_fuzzer and fmt_html_fuzzer (small generated files).

    python3 tests/fuzz/gen_rtfhtml_corpus.py   # writes tests/fuzz/corpus/fmt_{rtf,html}/
"""
import base64
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def ole1(cls, native):
    c = cls.encode() + b"\0"
    return (struct.pack("<II", 0x0501, 2) + struct.pack("<I", len(c)) + c +
            struct.pack("<II", 0, 0) + struct.pack("<I", len(native)) + native)


def package(label, data):
    tmp = b"C:\\Temp\\" + label.encode() + b"\0"
    return (b"\2\0" + label.encode() + b"\0" + b"C:\\x\\" + label.encode() + b"\0" +
            b"\0\0\3\0" + struct.pack("<I", len(tmp)) + tmp + struct.pack("<I", len(data)) + data)


def hexwrap(b, n=64):
    h = b.hex()
    return "\n".join(h[i:i + n] for i in range(0, len(h), n))


def rtf_obj(obj, cls="Package"):
    return ("{\\object\\objemb{\\*\\objclass %s}{\\*\\objdata %s}}" % (cls, hexwrap(obj))).encode()


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    assert len(data) <= 65536
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def rtf():
    d = os.path.join(HERE, "corpus", "fmt_rtf")
    head = b"{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\\pard Hello\\par "
    write(d, "package.rtf", head + rtf_obj(ole1("Package", package("eicar.com", EICAR))) + b"}")
    write(d, "word.rtf", head + rtf_obj(ole1("Word.Document.8", b"\xd0\xcf\x11\xe0" + EICAR), "Word.Document.8") + b"}")
    write(d, "raw.rtf", b"  {\\rt " + rtf_obj(EICAR) + b"}")
    write(d, "bin.rtf", b"{\\rtf1 {\\pict\\bin%d %s}{\\object{\\*\\objdata 4142\\bin3 xyz 43}}}" % (len(EICAR), EICAR))
    write(d, "junk.rtf", b"{\\rtf1{\\*\\objdata 0 1 zz 05{\\*\\x 99}00\\'41 0002000000080000005061636b61676500000000000000000010}")
    write(d, "deep.rtf", b"{\\rtf1" + b"{" * 2000 + b"{\\*\\objdata 4142}" + b"}" * 1990)
    write(d, "cut.rtf", head + rtf_obj(ole1("Package", package("a.exe", EICAR)))[:-60])
    write(d, "clean.rtf", head + b"{\\b bold}\\'e9\\{\\}\\\\ \\u1234? text}")


def html():
    d = os.path.join(HERE, "corpus", "fmt_html")
    b64 = base64.b64encode(EICAR).decode()
    write(d, "datauri.html", ('<html><a href="data:application/octet-stream;base64,%s">x</a></html>' % b64).encode())
    write(d, "datauri_ent.html", ("<div style='background:url(DATA:x/y;name=e.com;base64,%s&#10;)'>" % "&#10;".join(b64[i:i + 9] for i in range(0, len(b64), 9))).encode())
    write(d, "pct.html", ("<iframe src=data:,%s>" % "".join("%%%02x" % c for c in EICAR)).encode())
    e = EICAR + b"\0"
    pairs = "".join("%%u%02x%02x" % (e[i + 1], e[i]) for i in range(0, len(e) - 1, 2))
    write(d, "unescape.html", ('<script>var s = unescape("%s");\n</script>' % pairs).encode())
    write(d, "xesc.html", ("<SCRIPT>// it's\nvar s = '%s' +\n '\\101\\u0042\\u{43}';</SCRIPT>" % "".join("\\x%02x" % c for c in EICAR)).encode())
    write(d, "fcc.html", ('<body onload="eval(String.fromCharCode(%s))"></body>' % ",".join(str(c) for c in EICAR)).encode())
    write(d, "norm.html", b"<!DOCTYPE html><HTML><BODY>\n  Hello&nbsp;&lt;World&gt; <!-- c --><!--><!---> <A  HREF = 'x' >&#65;&#x42;&#67</A></BODY></HTML>")
    write(d, "cut.html", ('<html><a href="data:;base64,%s' % b64[:40]).encode())
    write(d, "screnc.html", b'<script language="JScript.Encode">#@~^CAAAAA==C^+aD`8#pgIAAA==^#~@</script>')


if __name__ == "__main__":
    rtf()
    html()
