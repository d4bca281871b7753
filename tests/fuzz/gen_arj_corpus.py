#!/usr/bin/env python3
"""Seed corpus for fmt_arj_fuzzer: small ARJ archives of every method.

    python3 tests/fuzz/gen_arj_corpus.py tests/fuzz/corpus/fmt_arj

Methods 1-3 use one block with fixed tables (C: 508 codes of 9 bits and two
of 8; P: symbol 0 in 1 bit, 1..16 in 5 bits), method 4 its unary fields;
both with a greedy LZ77 so that matches are exercised (same scheme as
tests/fmt/test_fmt_arj.c)."""
import os
import struct
import sys
import zlib


class Bits:
    def __init__(self):
        self.out, self.acc, self.n = bytearray(), 0, 0

    def put(self, v, bits):
        for i in range(bits - 1, -1, -1):
            self.acc = (self.acc << 1) | ((v >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                self.acc = self.n = 0

    def end(self):
        if self.n:
            self.put(0, 8 - self.n)
        return bytes(self.out)


def tokens(d):
    i, out = 0, []
    while i < len(d):
        best, bd = 0, 0
        for j in range(max(0, i - 2048), i):
            l = 0
            while l < 256 and i + l < len(d) and d[j + l] == d[i + l]:
                l += 1
            if l > best:
                best, bd = l, i - j
        if best >= 3:
            out.append((best, bd))
            i += best
        else:
            out.append((0, d[i]))
            i += 1
    return out


def canon(lens):
    count = [0] * 17
    for l in lens:
        count[l] += 1
    count[0] = 0
    nxt, c = [0] * 17, 0
    for l in range(1, 17):
        nxt[l] = c
        c = (c + count[l]) << 1
    codes = []
    for l in lens:
        codes.append(nxt[l] if l else 0)
        if l:
            nxt[l] += 1
    return codes


def enc_huff(d):
    t = tokens(d)
    clen = [9] * 508 + [8, 8]
    plen = [1] + [5] * 16
    cc, pc = canon(clen), canon(plen)
    b = Bits()
    b.put(len(t), 16)
    b.put(12, 5)
    for _ in range(3):
        b.put(0, 3)
    b.put(3, 2)
    for _ in range(4):
        b.put(0, 3)
    b.put(1, 3)
    b.put(1, 3)
    b.put(510, 9)
    for l in clen:
        b.put(1 if l == 9 else 0, 1)
    b.put(17, 5)
    for l in plen:
        b.put(l, 3)
    for ln, v in t:
        if ln == 0:
            b.put(cc[v], clen[v])
            continue
        c = ln + 253
        b.put(cc[c], clen[c])
        dd = v - 1
        k = dd.bit_length()
        b.put(pc[k], plen[k])
        if k > 1:
            b.put(dd - (1 << (k - 1)), k - 1)
    return b.end()


def f_field(b, v, start, stop):
    plus, width = 0, start
    while width < stop and v - plus >= (1 << width):
        b.put(1, 1)
        plus += 1 << width
        width += 1
    if width < stop:
        b.put(0, 1)
    b.put(v - plus, width)


def enc_fast(d):
    b = Bits()
    for ln, v in tokens(d):
        if ln == 0:
            b.put(0, 1)
            b.put(v, 8)
        else:
            f_field(b, ln - 2, 0, 7)
            f_field(b, v - 1, 9, 13)
    return b.end()


def header(name, flags, method, ftype, csize, osize, crc):
    bh = bytearray(30)
    bh[0:7] = bytes([30, 11, 1, 2, flags, method, ftype])
    struct.pack_into("<III", bh, 12, csize, osize, crc)
    bh += name.encode() + b"\0\0"
    return (b"\x60\xea" + struct.pack("<H", len(bh)) + bh +
            struct.pack("<I", zlib.crc32(bh)) + b"\0\0")


def archive(members):
    out = header("seed.arj", 0, 0, 2, 0, 0, 0)
    for name, method, flags, data in members:
        c = data if method == 0 else enc_fast(data) if method == 4 else enc_huff(data)
        out += header(name, flags, method, 0, len(c), len(data), zlib.crc32(data)) + c
    return out + b"\x60\xea\0\0"


def main():
    d = sys.argv[1]
    text = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    rep = (bytes(range(97)) * 5)[:400] + bytes(100) + text
    seeds = {
        "stored.arj": archive([("dir\\eicar.com", 0, 0, text), ("b.txt", 0, 0, b"hello\n")]),
        "m1.arj": archive([("eicar.com", 1, 0, text), ("rep.bin", 1, 0, rep)]),
        "m3.arj": archive([("rep.bin", 3, 0, rep)]),
        "m4.arj": archive([("eicar.com", 4, 0, text), ("rep.bin", 4, 0, rep)]),
        "garbled.arj": archive([("x.exe", 1, 1, rep), ("eicar.com", 0, 0, text)]),
        "sfx.exe": b"MZ" + bytes(510) + archive([("eicar.com", 1, 0, text)]),
    }
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
