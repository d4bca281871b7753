#!/usr/bin/env python3
"""Regenerates the seed corpora of fmt_chm_fuzzer, fmt_szdd_fuzzer and
fmt_tnef_fuzzer (lib/fmt/fmt_chm.c, fmt_szdd.c, fmt_tnef.c).

SZDD/KWAJ and TNEF seeds are built byte by byte (literal-only LZSS, KWAJ
stored/XOR, TNEF attributes with MAPI lists and a literal-only compressed
RTF body). No CHM writer exists in libmspack or here: the CHM seeds are
ClamAV's clam.chm and copies of it with a few fields changed. ClamAV's test
files are copied when /usr/share/clamav-testfiles has them (they are
harmless test material, each < 64 KiB). regress-* files are crash
inputs kept as seeds (regress-kwaj-cut-header: libmspack 0.11 freed
uninitialised header pointers, found by test_fmt_szdd); this script leaves
them.
    python3 tests/fuzz/gen_mspack_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CLAM = "/usr/share/clamav-testfiles"
DATA = b"hello from a seed, " * 20


def out(fmt, name, data):
    d = os.path.join(HERE, "corpus", fmt)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def lzss_literals(data):
    o = bytearray()
    for i in range(0, len(data), 8):
        o.append(0xFF)
        o += data[i:i + 8]
    return bytes(o)


def szdd(data, missing=b"T"):
    return b"SZDD\x88\xf0\x27\x33A" + missing + struct.pack("<I", len(data)) + lzss_literals(data)


def kwaj(method, data, name=b"SEED", ext=b"TXT"):
    flags, opt = 0x01, struct.pack("<I", len(data))
    if name:
        flags |= 0x08
        opt += name + b"\0"
    if ext:
        flags |= 0x10
        opt += ext + b"\0"
    hdr = b"KWAJ\x88\xf0\x27\xd1" + struct.pack("<HHH", method, 14 + len(opt), flags)
    body = bytes(b ^ 0xFF for b in data) if method == 1 else data
    if method == 2:
        body = lzss_literals(data)
    return hdr + opt + body


def attr(level, aid, data):
    return struct.pack("<BII", level, aid, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def mapi_value(ptype, pid, data):
    pad = b"\0" * ((4 - len(data) % 4) % 4)
    return struct.pack("<III", pid << 16 | ptype, 1, len(data)) + data + pad


def lzfu(data):
    body = bytearray()
    for i in range(0, len(data), 8):
        body.append(0)
        body += data[i:i + 8]
    if len(data) % 8:
        body[-(len(data) % 8) - 1] = 1 << (len(data) % 8)
    else:
        body.append(1)
    w = (207 + len(data)) % 4096
    body += bytes([w >> 4, (w & 15) << 4])
    return struct.pack("<IIII", len(body) + 12, len(data), 0x75465A4C, 0) + bytes(body)


def tnef(*attrs):
    return struct.pack("<IH", 0x223E9F78, 1) + b"".join(attrs)


REND = attr(2, 0x00069002, b"\x01\x00\xff\xff\xff\xff" + b"\0" * 8)


def attachment(title, data):
    a = REND
    if title:
        a += attr(2, 0x00018010, title + b"\0")
    return a + attr(2, 0x0006800F, data)


def main():
    out("fmt_szdd", "seed.szdd", szdd(DATA))
    out("fmt_szdd", "seed-qbasic.szdd",
        b"SZ \x88\xf0\x27\x33\xd1" + struct.pack("<I", len(DATA)) + lzss_literals(DATA))
    for m in range(3):
        out("fmt_szdd", "seed-m%d.kwaj" % m, kwaj(m, DATA))
    out("fmt_szdd", "seed-noname.kwaj", kwaj(1, DATA, None, None))

    long_name = "seed long name.txt".encode("utf-16-le") + b"\0\0"
    props = struct.pack("<I", 2) + struct.pack("<II", 0x0E200003, len(DATA)) + \
        mapi_value(0x001F, 0x3707, long_name)
    out("fmt_tnef", "seed-title.tnef", tnef(attachment(b"seed.txt", DATA)))
    out("fmt_tnef", "seed-two.tnef",
        tnef(attr(1, 0x00018004, b"subject\0"), attachment(b"a.txt", DATA),
             REND + attr(2, 0x0006800F, DATA[:50]) + attr(2, 0x00069005, props)))
    rtf = struct.pack("<I", 1) + mapi_value(0x0102, 0x1009, lzfu(b"{\\rtf1 seed body}"))
    out("fmt_tnef", "seed-rtf.tnef", tnef(attr(1, 0x00069003, rtf)))
    inner = tnef(attachment(b"inner.txt", DATA))
    obj = struct.pack("<I", 1) + mapi_value(0x000D, 0x3701, b"\x07\x03\x02" + b"\0" * 13 + inner)
    out("fmt_tnef", "seed-embedded.tnef", tnef(REND + attr(2, 0x00069005, obj)))

    for fmt, name in (("fmt_chm", "clam.chm"), ("fmt_szdd", "clam.exe.szdd"),
                      ("fmt_tnef", "clam.tnef")):
        src = os.path.join(CLAM, name)
        if os.path.exists(src):
            out(fmt, name, open(src, "rb").read())
    src = os.path.join(CLAM, "clam.chm")
    if os.path.exists(src):
        chm = bytearray(open(src, "rb").read())
        out("fmt_chm", "clam-half.chm", bytes(chm[:len(chm) // 2]))
        i = chm.find(b"LZXC")  # ControlData: window size 2 MiB
        if i > 0:
            v = bytearray(chm)
            v[i + 8:i + 12] = struct.pack("<I", 64)
            out("fmt_chm", "clam-window.chm", bytes(v))


if __name__ == "__main__":
    main()
