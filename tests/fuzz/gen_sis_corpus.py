#!/usr/bin/env python3
"""Seed corpus for fmt_sis_fuzzer: small SIS files (EPOC release 6 with zlib
and UTF-16 names, release 6 stored, release 5, multi-language and
conditional records) and a Symbian 9 (SISX) file.

    python3 tests/fuzz/gen_sis_corpus.py tests/fuzz/corpus/fmt_sis
"""
import os
import struct
import sys
import zlib

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def sis_v1(records, r6=True, compress=True, unicode=True, nlangs=1):
    """records: (type, dest, [data per language], file type)."""
    def rsize(r):
        t = r[0]
        nl = nlangs if t == 1 else 1
        if t in (0, 1):
            return 4 + 24 + (12 if r6 else 8) * nl + (8 if r6 else 0)
        if t == 2:
            return 4 + 4 + nlangs * 8 + 16
        if t == 3:
            return 4 + 4 + 8
        return 4
    rec_off = 0x64 + 2 * nlangs
    tail_off = rec_off + sum(rsize(r) for r in records)
    recs, tail = bytearray(), bytearray()

    def name(s):
        nonlocal tail
        b = s.encode("utf-16-le") if unicode else s.encode()
        ptr = tail_off + len(tail)
        tail += b
        return len(b), ptr

    for r in records:
        t = r[0]
        rec = struct.pack("<I", t)
        if t in (0, 1):
            _, dest, datas, ftype = r
            nl = nlangs if t == 1 else 1
            sl, sp = name("c:\\src\\file")
            dl, dp = name(dest)
            lens, ptrs, olens = [], [], []
            for k in range(nl):
                d = datas[min(k, len(datas) - 1)]
                c = zlib.compress(d) if (compress and r6) else d
                ptrs.append(tail_off + len(tail))
                lens.append(len(c))
                olens.append(len(d))
                tail += c
            rec += struct.pack("<IIIIII", ftype, 0, sl, sp, dl, dp)
            rec += struct.pack("<%dI" % nl, *lens) + struct.pack("<%dI" % nl, *ptrs)
            if r6:
                rec += struct.pack("<%dI" % nl, *olens) + struct.pack("<II", 0, 0)
        elif t == 2:
            rec += struct.pack("<I", 1) + bytes(nlangs * 8 + 16)
        elif t == 3:
            rec += struct.pack("<I", 8) + bytes(8)
        recs += rec
    h = bytearray(0x64)
    struct.pack_into("<IIII", h, 0, 0x01000000, 0x10003A12 if r6 else 0x1000006D, 0x10000419, 0)
    struct.pack_into("<HHH", h, 0x12, nlangs, len(records), 0)
    struct.pack_into("<I", h, 0x20, 200)
    struct.pack_into("<H", h, 0x24, (1 if unicode else 0) | (0 if compress else 8))
    struct.pack_into("<II", h, 0x30, 0x64, rec_off)
    return bytes(h) + bytes(2 * nlangs) + bytes(recs) + bytes(tail)


def field(typ, data, typed=True):
    out = (struct.pack("<I", typ) if typed else b"") + struct.pack("<I", len(data)) + data
    return out + bytes(-len(out) % 4)


def sisx(files):
    fds = b"".join(field(32, field(3, struct.pack("<IQ", 1, len(d)) + zlib.compress(d)), False)
                   for d in files)
    unit = field(2, struct.pack("<I", 32) + fds)
    data = field(30, field(2, struct.pack("<I", 31) + field(31, unit, False)))
    contents = field(34, b"\1\2") + field(3, struct.pack("<IQ", 0, 4) + b"ctrl") + data
    return struct.pack("<IIII", 0x10201A7A, 0, 0x12345678, 0) + field(12, contents)


def main():
    d = sys.argv[1]
    seeds = {
        "r6.sis": sis_v1([(0, "!:\\sys\\bin\\eicar.com", [EICAR], 0)]),
        "r6_stored.sis": sis_v1([(0, "!:\\eicar.com", [EICAR], 0)], compress=False),
        "r5.sis": sis_v1([(0, "c:\\eicar.com", [EICAR], 0)], r6=False, compress=False,
                         unicode=False),
        "records.sis": sis_v1([(2,), (3,), (0, "!:\\none", [b""], 4), (5,),
                               (1, "!:\\app.exe", [b"hello", EICAR], 0), (6,)], nlangs=2),
        "sisx.sis": sisx([b"readme", EICAR]),
    }
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
