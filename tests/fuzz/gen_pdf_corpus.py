#!/usr/bin/env python3
"""Regenerates the seed corpus of fmt_pdf_fuzzer: small PDFs (< 8 KiB)
exercising what lib/fmt/fmt_pdf.c reads: every filter and predictor, an
embedded file with its Filespec, an object stream, indirect and wrong
/Length, a missing xref, JavaScript, RC4 encryption with the empty user
password, a truncated stream. When qpdf is installed, AES-128 and AES-256
versions of one seed are added too (qpdf is not needed otherwise).
regress-* files are fuzzer findings kept as seeds; this script leaves them.

    python3 tests/fuzz/gen_pdf_corpus.py
"""
import hashlib
import os
import shutil
import subprocess
import tempfile
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fmt_pdf")
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class Pdf:
    def __init__(self):
        self.b = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self.offs = {}

    def obj(self, num, body):
        self.offs[num] = len(self.b)
        self.b += b"%d 0 obj\n%s\nendobj\n" % (num, body)

    def stream(self, num, extra, data, length=None):
        self.offs[num] = len(self.b)
        ln = b"%d" % len(data) if length is None else length
        self.b += b"%d 0 obj\n<< /Length %s %s >>\nstream\n" % (num, ln, extra)
        self.b += data + b"\nendstream\nendobj\n"

    def catalog(self, page_extra=b""):
        self.obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        self.obj(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        self.obj(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] %s >>" % page_extra)

    def tail(self, trailer=b""):
        x = len(self.b)
        n = max(self.offs) + 1
        self.b += b"xref\n0 %d\n0000000000 65535 f \n" % n
        for i in range(1, n):
            self.b += b"%010d 00000 n \n" % self.offs.get(i, 0)
        self.b += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (n, trailer, x)
        return bytes(self.b)


def ahx(d):
    return d.hex().upper().encode() + b">"


def a85(d):
    out = bytearray()
    for i in range(0, len(d), 4):
        chunk = d[i:i + 4]
        v = int.from_bytes(chunk.ljust(4, b"\0"), "big")
        if len(chunk) == 4 and v == 0:
            out += b"z"
            continue
        c = bytearray()
        for _ in range(5):
            c.append(33 + v % 85)
            v //= 85
        out += bytes(reversed(c))[:len(chunk) + 1]
    return bytes(out) + b"~>"


def lzw(d):
    """LZW with EarlyChange 1, no table reset (short inputs only)."""
    table = {bytes([i]): i for i in range(256)}
    nxt, bits, nbits, out = 258, 0, 0, bytearray()

    def put(code, width):
        nonlocal bits, nbits
        bits = bits << width | code
        nbits += width
        while nbits >= 8:
            out.append((bits >> (nbits - 8)) & 0xff)
            nbits -= 8

    put(256, 9)
    w = d[:1]
    for c in d[1:]:
        wc = w + bytes([c])
        if wc in table:
            w = wc
            continue
        put(table[w], min(12, nxt.bit_length()))
        table[wc] = nxt
        nxt += 1
        w = bytes([c])
    put(table[w], min(12, nxt.bit_length()))
    put(257, min(12, (nxt + 1).bit_length()))
    if nbits:
        put(0, 8 - nbits)
    return bytes(out)


def rl(d):
    out, i = bytearray(), 0
    while i < len(d):
        run = 1
        while i + run < len(d) and run < 128 and d[i + run] == d[i]:
            run += 1
        if run >= 2:
            out += bytes([257 - run, d[i]])
            i += run
            continue
        lit = 1
        while i + lit < len(d) and lit < 128 and not (i + lit + 1 < len(d) and d[i + lit] == d[i + lit + 1]):
            lit += 1
        out += bytes([lit - 1]) + d[i:i + lit]
        i += lit
    return bytes(out) + b"\x80"


def png_up(d, cols):
    out, prev = bytearray(), bytes(cols)
    for r in range(0, len(d), cols):
        row = d[r:r + cols].ljust(cols, b"\0")
        out += b"\x02" + bytes((row[i] - prev[i]) & 0xff for i in range(cols))
        prev = row
    return bytes(out)


PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")


def rc4(key, data):
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xff
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for c in data:
        i = (i + 1) & 0xff
        j = (j + s[i]) & 0xff
        s[i], s[j] = s[j], s[i]
        out.append(c ^ s[(s[i] + s[j]) & 0xff])
    return bytes(out)


def encrypted():
    o, ident, p = bytes(range(32)), bytes(range(100, 116)), -1028
    key = hashlib.md5(PAD + o + p.to_bytes(4, "little", signed=True) + ident).digest()
    for _ in range(50):
        key = hashlib.md5(key).digest()
    u = hashlib.md5(PAD + ident).digest()
    for i in range(20):
        u = rc4(bytes(k ^ i for k in key), u)
    u += b"\x55" * 16

    def okey(num):
        return hashlib.md5(key + num.to_bytes(3, "little") + b"\0\0").digest()

    f = Pdf()
    f.catalog()
    f.stream(4, b"/Type /EmbeddedFile /Filter /FlateDecode", rc4(okey(4), zlib.compress(EICAR)))
    f.obj(5, b"<< /Type /Filespec /F <%s> /EF << /F 4 0 R >> >>" % rc4(okey(5), b"eicar.com").hex().encode())
    f.obj(6, b"<< /S /JavaScript /JS <%s> >>" % rc4(okey(6), b"app.alert(1)").hex().encode())
    f.obj(7, b"<< /Filter /Standard /V 2 /R 3 /Length 128 /P -1028 /O <%s> /U <%s> >>"
          % (o.hex().encode(), u.hex().encode()))
    return f.tail(b"/Encrypt 7 0 R /ID [<%s> <%s>]" % (ident.hex().encode(), ident.hex().encode()))


def seeds():
    z = zlib.compress(EICAR)
    out = {}

    f = Pdf(); f.catalog(); f.stream(4, b"/Filter /FlateDecode", z)
    out["flate.pdf"] = f.tail()

    f = Pdf(); f.catalog(b"/Annots [6 0 R]")
    f.stream(4, b"/Type /EmbeddedFile /Filter /FlateDecode", z)
    f.obj(5, b"<< /Type /Filespec /F (eicar.com) /UF <FEFF00650069006300610072002E0063006F006D> /EF << /F 4 0 R >> >>")
    f.obj(6, b"<< /Type /Annot /Subtype /FileAttachment /FS 5 0 R >>")
    out["embedded.pdf"] = f.tail()

    for name, flt, data in [
        ("ahx_flate", b"/Filter [/AHx /Fl]", ahx(z)),
        ("a85", b"/Filter /ASCII85Decode", a85(EICAR + bytes(8))),
        ("lzw", b"/Filter /LZWDecode", lzw(EICAR * 3)),
        ("rl", b"/Filter /RunLengthDecode", rl(EICAR + b"A" * 40)),
        ("png", b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 8 >>",
         zlib.compress(png_up(EICAR, 8))),
        ("tiff", b"/Filter /Fl /DecodeParms << /Predictor 2 /Colors 1 /Columns 8 >>", z),
        ("dct", b"/Filter [/FlateDecode /DCTDecode]", z),
        ("raw_deflate", b"/Filter /FlateDecode", z[2:-4]),
    ]:
        f = Pdf(); f.catalog(); f.stream(4, flt, data)
        out[name + ".pdf"] = f.tail()

    objs = b"5 0 6 70 "
    first = len(objs)
    objs += b"<< /Type /Filespec /F (in-objstm.com) /EF << /F 4 0 R >> >>".ljust(70) + b"%d" % len(EICAR)
    f = Pdf(); f.catalog()
    f.stream(8, b"/Type /ObjStm /N 2 /First %d /Filter /FlateDecode" % first, zlib.compress(objs))
    f.stream(4, b"/Type /EmbeddedFile", EICAR, length=b"6 0 R")
    out["objstm.pdf"] = f.tail()

    f = Pdf(); f.stream(4, b"", EICAR, length=b"9 0 R"); f.obj(9, b"%d" % len(EICAR))
    out["indirect_length.pdf"] = bytes(f.b)

    f = Pdf(); f.stream(4, b"/Filter /FlateDecode", z, length=b"5")
    out["wrong_length_noxref.pdf"] = bytes(f.b)

    f = Pdf(); f.catalog()
    f.obj(7, b"<< /S /JavaScript /JS (app.alert\\(\\'x\\'\\);\\nvar a = \\101;) >>")
    f.obj(8, b"<< /S /JavaScript /JS 9 0 R >>")
    f.stream(9, b"", b"this.exportDataObject({cName: 'a'});")
    out["javascript.pdf"] = f.tail()

    f = Pdf(); f.catalog(); f.stream(4, b"/Filter /FlateDecode", zlib.compress(EICAR * 20))
    out["truncated.pdf"] = f.tail()[:len(f.b) * 2 // 3]

    out["rc4.pdf"] = encrypted()
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds().items():
        assert len(data) <= 65536, name
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(data)
    if shutil.which("qpdf"):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(OUT, "embedded.pdf")
            for name, args in [("aes128.pdf", ["128", "--use-aes=y"]), ("aes256.pdf", ["256"]),
                               ("qpdf_objstm.pdf", None)]:
                dst = os.path.join(tmp, name)
                cmd = ["qpdf", "--static-id", "--object-streams=generate"]
                cmd += ["--encrypt", "", "owner"] + args + ["--"] if args else []
                subprocess.run(cmd + [src, dst], check=False, stderr=subprocess.DEVNULL)
                if os.path.exists(dst):
                    shutil.copy(dst, os.path.join(OUT, name))


if __name__ == "__main__":
    main()
